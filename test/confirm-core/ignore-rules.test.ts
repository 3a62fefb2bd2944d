import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  clampIgnoreDuration,
  findMatchingRule,
  IGNORE_CHOICES_MS,
  type IgnoreRule,
  ignoreChoicesFor,
  mayCreateIgnoreRule,
  normalizeTitle,
} from '../../src/core/confirm/ignore-rules.js';
import { DEFAULT_CONFIRM_POLICY } from '../../src/core/confirm/policy.js';
import type { ConfirmStatus } from '../../src/core/confirm/state-machine.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NOW = new Date('2024-06-05T12:00:00Z');

function rule(id: number, userId: string, title: string, expiresInMs: number): IgnoreRule {
  return { id, userId, title, expiresAt: new Date(NOW.getTime() + expiresInMs) };
}

describe('normalizeTitle', () => {
  it('trims, collapses whitespace and lower-cases', () => {
    assert.equal(normalizeTitle('  New   admin\tgrant\n on  PROD  '), 'new admin grant on prod');
  });

  it('keeps different words different', () => {
    assert.notEqual(normalizeTitle('sudo on prod-1'), normalizeTitle('sudo on prod-2'));
  });
});

describe('findMatchingRule', () => {
  const rules = [
    rule(1, 'U1', 'Login from new country', HOUR),
    rule(2, 'U2', 'Sudo on prod', HOUR),
    rule(3, 'U1', 'Sudo on prod', -1),
  ];

  it('matches the same user and the same title, ignoring case and spacing', () => {
    assert.equal(findMatchingRule(rules, 'U1', '  login FROM new   country ', NOW)?.id, 1);
  });

  it('does not match another user’s rule for the same title', () => {
    assert.equal(findMatchingRule(rules, 'U3', 'Sudo on prod', NOW), null);
    assert.equal(findMatchingRule(rules, 'U2', 'Login from new country', NOW), null);
  });

  it('does not match an expired rule, nor one expiring exactly now', () => {
    assert.equal(findMatchingRule(rules, 'U1', 'Sudo on prod', NOW), null);
    assert.equal(findMatchingRule([rule(4, 'U1', 'x', 0)], 'U1', 'x', NOW), null);
    assert.equal(findMatchingRule([rule(4, 'U1', 'x', 1)], 'U1', 'x', NOW)?.id, 4);
  });

  it('does not match a different title', () => {
    assert.equal(findMatchingRule(rules, 'U1', 'Login from new country (2)', NOW), null);
  });

  it('prefers the rule that lasts longest when several match', () => {
    const overlapping = [rule(5, 'U1', 'x', 30 * MINUTE), rule(6, 'U1', 'X ', 4 * HOUR), rule(7, 'U1', 'x', HOUR)];
    assert.equal(findMatchingRule(overlapping, 'U1', 'x', NOW)?.id, 6);
  });

  it('finds nothing in an empty list', () => {
    assert.equal(findMatchingRule([], 'U1', 'x', NOW), null);
  });
});

describe('clampIgnoreDuration', () => {
  it('keeps a request within max_ignore', () => {
    assert.equal(clampIgnoreDuration(30 * MINUTE, DEFAULT_CONFIRM_POLICY), 30 * MINUTE);
    assert.equal(clampIgnoreDuration(4 * HOUR, DEFAULT_CONFIRM_POLICY), 4 * HOUR);
  });

  it('cuts a longer request down to max_ignore', () => {
    assert.equal(clampIgnoreDuration(21 * HOUR, DEFAULT_CONFIRM_POLICY), 4 * HOUR);
    assert.equal(clampIgnoreDuration(Number.MAX_SAFE_INTEGER, DEFAULT_CONFIRM_POLICY), 4 * HOUR);
  });

  it('refuses zero, negative and non-finite requests', () => {
    for (const bad of [0, -MINUTE, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.equal(clampIgnoreDuration(bad, DEFAULT_CONFIRM_POLICY), null, String(bad));
    }
  });

  it('never rounds a tiny positive request down to zero', () => {
    assert.equal(clampIgnoreDuration(0.2, DEFAULT_CONFIRM_POLICY), 1);
  });
});

describe('ignore choices', () => {
  it('offers 30m, 1h and 4h', () => {
    assert.deepEqual([...IGNORE_CHOICES_MS], [30 * MINUTE, HOUR, 4 * HOUR]);
  });

  it('drops choices longer than max_ignore', () => {
    assert.deepEqual(ignoreChoicesFor({ ...DEFAULT_CONFIRM_POLICY, maxIgnoreMs: 2 * HOUR }), [30 * MINUTE, HOUR]);
    assert.deepEqual(ignoreChoicesFor(DEFAULT_CONFIRM_POLICY), [30 * MINUTE, HOUR, 4 * HOUR]);
  });

  it('offers max_ignore itself when it is shorter than every choice', () => {
    assert.deepEqual(ignoreChoicesFor({ ...DEFAULT_CONFIRM_POLICY, maxIgnoreMs: 10 * MINUTE }), [10 * MINUTE]);
  });
});

describe('mayCreateIgnoreRule', () => {
  const statuses: ConfirmStatus[] = ['new', 'asked', 'verifying', 'confirmed', 'escalated', 'ignored'];

  it('only after a verified yes (status confirmed)', () => {
    for (const status of statuses) {
      const check = mayCreateIgnoreRule({ status, userId: 'U1', deadline: null }, 'U1');
      assert.equal(check.ok, status === 'confirmed', status);
      if (!check.ok) assert.equal(check.reason, 'not_confirmed');
    }
  });

  it('only by the alert’s own user', () => {
    const check = mayCreateIgnoreRule({ status: 'confirmed', userId: 'U1', deadline: null }, 'U2');
    assert.deepEqual(check.ok ? null : check.reason, 'not_your_alert');
  });
});
