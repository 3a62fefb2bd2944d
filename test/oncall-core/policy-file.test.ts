import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/config-error.js';
import { loadPolicyFile } from '../../src/config/policy.js';

function load(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'oncall-policy-'));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, text);
  return loadPolicyFile(file);
}

function fails(text: string, pattern: RegExp): void {
  assert.throws(
    () => load(text),
    (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
  );
}

const ROTATION = `
oncall:
  people:
    alice: { slack: U0ALICE, phone: "+15550000101" }
    bob:   { slack: U0BOB,   phone: "+15550000102" }
    carol: { slack: U0CAROL, phone: "+15550000103" }
  rotation:
    members: [alice, bob]
    shift: 1w
    handoff: "2026-11-23T09:00"
    tz: Europe/London
  seniors: [carol, "+15550000002"]
`;

describe('oncall policy keys', () => {
  it('reads people, a rotation and seniors by name or number', () => {
    const p = load(ROTATION);
    assert.deepEqual(p.onCallPolicy.rotation, {
      members: ['alice', 'bob'],
      shiftMs: 7 * 86_400_000,
      handoff: '2026-11-23T09:00',
      tz: 'Europe/London',
    });
    assert.deepEqual(p.onCallPolicy.seniors, [{ name: 'carol' }, { phone: '+15550000002' }]);
    assert.deepEqual(p.oncall.seniors, ['+15550000103', '+15550000002'], 'named seniors resolve to their phones');
  });

  it('oncall.primary alone still works', () => {
    const p = load('oncall:\n  primary: ["+15550000001"]\n');
    assert.deepEqual(p.oncall.primary, ['+15550000001']);
    assert.equal(p.onCallPolicy.rotation, null);
    assert.deepEqual(p.onCallPolicy.primary, ['+15550000001']);
  });

  it('sla.ack_timeout defaults to absent (30m in code) and reads a duration', () => {
    assert.equal(load('{}').sla.ackTimeoutMs, undefined);
    assert.equal(load('sla:\n  ack_timeout: 10m\n').sla.ackTimeoutMs, 600_000);
  });

  it('sla.severities.N.business_hours with confirm.business_hours', () => {
    const p = load(
      'confirm:\n  business_hours: { tz: Europe/London }\nsla:\n  severities:\n    1: { business_hours: true }\n',
    );
    assert.equal(p.sla.severities[1].businessHours, true);
    assert.equal(p.sla.severities[2].businessHours, undefined);
  });

  it('the shipped policy.example.yaml loads', () => {
    const text = readFileSync(new URL('../../policy.example.yaml', import.meta.url), 'utf8');
    assert.ok(load(text));
  });

  const bad: [string, string, RegExp][] = [
    ['an unknown member', ROTATION.replace('[alice, bob]', '[alice, dave]'), /oncall\.rotation\.members\[1\] 'dave'/],
    ['a bad tz', ROTATION.replace('Europe/London', 'Mars/Base'), /oncall\.rotation\.tz/],
    ['a bad handoff', ROTATION.replace('2026-11-23T09:00', 'monday 9am'), /oncall\.rotation\.handoff/],
    ['a bad shift', ROTATION.replace('shift: 1w', 'shift: weekly'), /oncall\.rotation\.shift/],
    ['an unknown senior', ROTATION.replace('[carol,', '[zed,'), /oncall\.seniors\[0\]/],
    ['a malformed senior number', ROTATION.replace('"+15550000002"', '"5550000002"'), /oncall\.seniors\[1\]/],
    ['a bad slack id', ROTATION.replace('U0ALICE', 'alice'), /oncall\.people\.alice\.slack/],
    ['a bad phone', ROTATION.replace('+15550000101', '12'), /oncall\.people\.alice\.phone/],
    [
      'an unknown person key',
      ROTATION.replace('phone: "+15550000101"', 'phone: "+15550000101", pager: x'),
      /oncall\.people\.alice\.pager/,
    ],
    ['an unknown rotation key', ROTATION.replace('tz: Europe', 'zone: x\n    tz: Europe'), /oncall\.rotation\.zone/],
    ['a zero ack_timeout', 'sla:\n  ack_timeout: 0s\n', /sla\.ack_timeout/],
    [
      'business_hours not a boolean',
      'sla:\n  severities:\n    1: { business_hours: yes please }\n',
      /sla\.severities\.1\.business_hours/,
    ],
    [
      'business_hours without confirm.business_hours',
      'sla:\n  severities:\n    1: { business_hours: true }\n',
      /sla\.severities\.1\.business_hours: true needs confirm\.business_hours/,
    ],
  ];
  for (const [what, text, pattern] of bad) {
    it(`refuses ${what}, naming the path`, () => fails(text, pattern));
  }
});
