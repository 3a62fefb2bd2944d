import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Severity } from '../../src/core/ports.js';
import {
  DEFAULT_ON_CALL,
  DEFAULT_SLA_POLICY,
  escalationInversions,
  isNotifyMethod,
  NOTIFY_METHODS,
  type NotifyMethod,
  type SlaPolicy,
  validateOnCall,
  validateSlaPolicy,
} from '../../src/core/sla/policy.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

function policy(edit: (p: SlaPolicy) => void): SlaPolicy {
  const copy = structuredClone(DEFAULT_SLA_POLICY);
  edit(copy);
  return copy;
}

describe('DEFAULT_SLA_POLICY', () => {
  it('is valid', () => {
    assert.deepEqual(validateSlaPolicy(DEFAULT_SLA_POLICY), []);
    assert.deepEqual(validateOnCall(DEFAULT_ON_CALL), []);
  });

  it('carries the reference timings: 60s poll, 7d max age, 30m snooze', () => {
    assert.equal(DEFAULT_SLA_POLICY.pollIntervalMs, 60_000);
    assert.equal(DEFAULT_SLA_POLICY.maxAgeMs, 7 * DAY);
    assert.equal(DEFAULT_SLA_POLICY.snoozeMs, 30 * MINUTE);
  });

  const expectedTiers: Record<Severity, [number, NotifyMethod[]][]> = {
    1: [
      [30, ['slack']],
      [45, ['slack', 'sms']],
      [60, ['slack', 'call']],
    ],
    2: [
      [30, ['slack', 'sms']],
      [45, ['slack', 'sms']],
      [60, ['slack', 'call']],
    ],
    3: [
      [30, ['slack', 'sms']],
      [45, ['slack', 'call']],
      [60, ['slack', 'call', 'escalate']],
    ],
    4: [
      [10, ['slack', 'sms']],
      [20, ['slack', 'call']],
      [30, ['slack', 'call', 'escalate']],
    ],
  };
  for (const severity of [1, 2, 3, 4] as const) {
    it(`severity ${severity} is enabled with the documented tiers`, () => {
      const actual = DEFAULT_SLA_POLICY.severities[severity];
      assert.equal(actual.enabled, true);
      assert.deepEqual(
        actual.tiers.map((tier) => [tier.afterMs / MINUTE, tier.notify]),
        expectedTiers[severity],
      );
    });
  }

  it('is monotonic: a higher severity never escalates less than a lower one', () => {
    assert.deepEqual(escalationInversions(DEFAULT_SLA_POLICY), []);
    // The reference's lists were not: severity 1 called the seniors at 45 m, severity 3 never did.
    const reference = structuredClone(DEFAULT_SLA_POLICY);
    reference.severities[1].tiers[1]!.notify = ['slack', 'escalate'];
    reference.severities[3].tiers[2]!.notify = ['call'];
    assert.ok(
      escalationInversions(reference).includes('severity 2 uses escalate never, severity 1 after 45m'),
      escalationInversions(reference).join('; '),
    );
  });

  it('is stricter for critical (4) than for high (3) at every tier', () => {
    const critical = DEFAULT_SLA_POLICY.severities[4].tiers;
    const high = DEFAULT_SLA_POLICY.severities[3].tiers;
    critical.forEach((tier, index) => {
      assert.ok(tier.afterMs < high[index]!.afterMs);
    });
  });

  it('high-risk words are the reference ones, for severity 2, by slack and call', () => {
    assert.deepEqual(DEFAULT_SLA_POLICY.highRisk, {
      words: ['CRITICAL', 'URGENT', 'FAILURE'],
      severities: [2],
      notify: ['slack', 'call'],
    });
  });
});

describe('NOTIFY_METHODS / isNotifyMethod', () => {
  it('knows exactly slack, sms, call and escalate', () => {
    assert.deepEqual([...NOTIFY_METHODS], ['slack', 'sms', 'call', 'escalate']);
    for (const method of NOTIFY_METHODS) assert.equal(isNotifyMethod(method), true);
    for (const other of ['email', 'SMS', '', 1, null]) assert.equal(isNotifyMethod(other), false);
  });
});

describe('validateSlaPolicy', () => {
  const cases: [string, (p: SlaPolicy) => void, string[]][] = [
    [
      'tiers out of order',
      (p) => {
        p.severities[2].tiers[1]!.afterMs = 20 * MINUTE;
      },
      ['sla.severities.2.tiers[1].after must be greater than tiers[0].after (20m is not after 30m)'],
    ],
    [
      'two tiers at the same time',
      (p) => {
        p.severities[1].tiers[2]!.afterMs = 45 * MINUTE;
      },
      ['sla.severities.1.tiers[2].after must be greater than tiers[1].after (45m is not after 45m)'],
    ],
    [
      'a negative tier time',
      (p) => {
        p.severities[3].tiers[0]!.afterMs = -1;
      },
      ['sla.severities.3.tiers[0].after must be a duration of zero or more'],
    ],
    [
      'a tier that max_age makes unreachable',
      (p) => {
        p.severities[1].tiers.push({ afterMs: 8 * DAY, notify: ['call'] });
      },
      ['sla.severities.1.tiers[3].after (8d) is longer than sla.max_age (7d), so the tier could never fire'],
    ],
    [
      'a tier with nothing to notify',
      (p) => {
        p.severities[4].tiers[0]!.notify = [];
      },
      ['sla.severities.4.tiers[0].notify must list at least one of slack, sms, call, escalate'],
    ],
    [
      'an unknown method',
      (p) => {
        p.severities[2].tiers[0]!.notify = ['sms', 'email' as NotifyMethod];
      },
      ['sla.severities.2.tiers[0].notify[1] "email" is not one of slack, sms, call, escalate'],
    ],
    [
      'a repeated method',
      (p) => {
        p.severities[2].tiers[2]!.notify = ['call', 'slack', 'call'];
      },
      ['sla.severities.2.tiers[2].notify[2] repeats "call"'],
    ],
    [
      'an enabled severity without tiers',
      (p) => {
        p.severities[3].tiers = [];
      },
      ['sla.severities.3.tiers must have at least one tier while the severity is enabled'],
    ],
    [
      'a missing severity',
      (p) => {
        delete (p.severities as Partial<SlaPolicy['severities']>)[4];
      },
      ['sla.severities.4 is missing'],
    ],
    [
      'zero and negative durations',
      (p) => {
        p.pollIntervalMs = 0;
        p.snoozeMs = -5;
        p.maxAgeMs = Number.NaN;
      },
      [
        'sla.poll_interval must be a duration greater than zero',
        'sla.max_age must be a duration greater than zero',
        'sla.snooze must be a duration greater than zero',
      ],
    ],
    [
      'an empty high-risk word',
      (p) => {
        p.highRisk.words = ['URGENT', '  '];
      },
      ['sla.high_risk.words[1] must not be empty'],
    ],
    [
      'a high-risk word repeated in another case',
      (p) => {
        p.highRisk.words = ['URGENT', 'urgent'];
      },
      ['sla.high_risk.words[1] repeats "urgent"'],
    ],
    [
      'a high-risk severity out of range, and one repeated',
      (p) => {
        p.highRisk.severities = [2, 5 as Severity, 2];
      },
      ['sla.high_risk.severities[1] must be 1, 2, 3 or 4', 'sla.high_risk.severities[2] repeats 2'],
    ],
    [
      'active high-risk matching with nothing to notify',
      (p) => {
        p.highRisk.notify = [];
      },
      ['sla.high_risk.notify must list at least one of slack, sms, call, escalate'],
    ],
  ];
  for (const [name, edit, expected] of cases) {
    it(`reports ${name}`, () => {
      assert.deepEqual(validateSlaPolicy(policy(edit)), expected);
    });
  }

  it('accepts a disabled severity without tiers', () => {
    const p = policy((p) => {
      p.severities[1] = { enabled: false, tiers: [] };
    });
    assert.deepEqual(validateSlaPolicy(p), []);
  });

  it('accepts a tier at 0 (notify at once) and one exactly at max_age', () => {
    const p = policy((p) => {
      p.severities[4].tiers.unshift({ afterMs: 0, notify: ['slack'] });
      p.severities[4].tiers.push({ afterMs: 7 * DAY, notify: ['escalate'] });
    });
    assert.deepEqual(validateSlaPolicy(p), []);
  });

  it('accepts high-risk switched off with an empty notify list', () => {
    assert.deepEqual(validateSlaPolicy(policy((p) => Object.assign(p.highRisk, { words: [], notify: [] }))), []);
    assert.deepEqual(validateSlaPolicy(policy((p) => Object.assign(p.highRisk, { severities: [], notify: [] }))), []);
  });

  it('reports every problem at once, not just the first', () => {
    const p = policy((p) => {
      p.snoozeMs = 0;
      p.severities[2].tiers[1]!.afterMs = 10 * MINUTE;
      p.highRisk.words.push('');
    });
    assert.equal(validateSlaPolicy(p).length, 3);
  });
});

describe('validateOnCall', () => {
  it('accepts E.164 numbers', () => {
    assert.deepEqual(validateOnCall({ primary: ['+15550000001', '+442071838750'], seniors: ['+4915123456789'] }), []);
  });

  it('names the bad entries without echoing the numbers', () => {
    const problems = validateOnCall({
      primary: ['6170000001', '+1 617 000 0001', '+16170000001'],
      seniors: ['+0123', '+1234567890123456', '+16170000002', '+16170000002'],
    });
    assert.deepEqual(
      problems.map((problem) => problem.split(' ')[0]),
      ['oncall.primary[0]', 'oncall.primary[1]', 'oncall.seniors[0]', 'oncall.seniors[1]', 'oncall.seniors[3]'],
    );
    assert.match(problems[0]!, /is not an E\.164 number/);
    assert.equal(problems[4], 'oncall.seniors[3] repeats seniors[2]');
    for (const problem of problems) assert.doesNotMatch(problem, /617|0123|234567/);
  });

  it('refuses a number too short for Twilio to dial, as the Twilio adapter does', () => {
    assert.deepEqual(
      validateOnCall({ primary: ['+123456'], seniors: [] }).map((problem) => problem.split(' ')[0]),
      ['oncall.primary[0]'],
    );
  });
});
