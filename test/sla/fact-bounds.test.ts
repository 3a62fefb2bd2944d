import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  boundAlertFacts,
  boundObservables,
  DESCRIPTION_MAX_CHARS,
  excerpt,
  OBSERVABLE_MAX_CHARS,
  OBSERVABLES_MAX_COUNT,
  OBSERVABLES_MAX_TOTAL_CHARS,
} from '../../src/core/sla/fact-bounds.js';
import { matchesHighRisk } from '../../src/core/sla/high-risk.js';

describe('SLA fact bounds', () => {
  it('an excerpt never ends inside a word, so a cut cannot invent a high-risk word', () => {
    const text = `${'a '.repeat(10)}URGENTLY`;
    const cut = excerpt(text, 26);
    assert.equal(cut, 'a '.repeat(10));
    const hr = { words: ['URGENT'], severities: [2], notify: [] };
    assert.equal(matchesHighRisk({ title: '', description: cut, observables: [] }, hr as never), null);
    assert.equal(excerpt('URGENT now', 6), 'URGENT');
  });

  it('an excerpt never splits a surrogate pair, and is idempotent', () => {
    const cut = excerpt(`ab ${'😀'.repeat(10)}`, 6);
    assert.ok(!/[\uD800-\uDBFF]$/.test(cut));
    const big = 'word '.repeat(5000);
    const once = excerpt(big, DESCRIPTION_MAX_CHARS);
    assert.equal(excerpt(once, DESCRIPTION_MAX_CHARS), once);
  });

  it('observables: distinct, each cut, count and total capped, order kept', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `obs-${i}-${'x'.repeat(1000)}`);
    const kept = boundObservables(['dup', 'dup', ...many]);
    assert.equal(kept[0], 'dup');
    assert.equal(kept[1], 'obs-0-');
    assert.ok(kept.length <= OBSERVABLES_MAX_COUNT);
    assert.ok(kept.every((o) => o.length <= OBSERVABLE_MAX_CHARS));
    const long = boundObservables(Array.from({ length: 1000 }, (_, i) => `${i} ${'y'.repeat(250)}`));
    assert.ok(long.join('').length <= OBSERVABLES_MAX_TOTAL_CHARS);
    assert.deepEqual(boundObservables(long), long, 'idempotent');
  });

  it('a bounded alert keeps every other field', () => {
    const alert = { id: '~1', severity: 2, title: 't', description: 'd'.repeat(1_000_000), observables: ['a'] };
    const bounded = boundAlertFacts(alert);
    assert.equal(bounded.id, '~1');
    assert.ok(bounded.description.length <= DESCRIPTION_MAX_CHARS);
    assert.deepEqual(boundAlertFacts(bounded), bounded);
  });
});
