import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Severity } from '../../src/core/ports.js';
import { evaluateSla } from '../../src/core/sla/evaluate.js';
import { DEFAULT_SLA_POLICY, type NotifyMethod } from '../../src/core/sla/policy.js';
import { alertFacts, CREATED, DAY, FRESH, MINUTE, policyWith, runSchedule } from './helpers.js';

/** Written out rather than read from the policy, so a changed default fails here. */
const DEFAULT_LADDERS: Record<Severity, { at: number; notify: NotifyMethod[]; label: string }[]> = {
  1: [
    { at: 30, notify: ['slack'], label: '30m tier (1 of 3)' },
    { at: 45, notify: ['slack', 'sms'], label: '45m tier (2 of 3)' },
    { at: 60, notify: ['slack', 'call'], label: '1h tier (3 of 3)' },
  ],
  2: [
    { at: 30, notify: ['slack', 'sms'], label: '30m tier (1 of 3)' },
    { at: 45, notify: ['slack', 'sms'], label: '45m tier (2 of 3)' },
    { at: 60, notify: ['slack', 'call'], label: '1h tier (3 of 3)' },
  ],
  3: [
    { at: 30, notify: ['slack', 'sms'], label: '30m tier (1 of 3)' },
    { at: 45, notify: ['slack', 'call'], label: '45m tier (2 of 3)' },
    { at: 60, notify: ['slack', 'call', 'escalate'], label: '1h tier (3 of 3)' },
  ],
  4: [
    { at: 10, notify: ['slack', 'sms'], label: '10m tier (1 of 3)' },
    { at: 20, notify: ['slack', 'call'], label: '20m tier (2 of 3)' },
    { at: 30, notify: ['slack', 'call', 'escalate'], label: '30m tier (3 of 3)' },
  ],
};

describe('evaluateSla: default tiers at their exact boundaries', () => {
  for (const severity of [1, 2, 3, 4] as const) {
    const ladder = DEFAULT_LADDERS[severity];
    ladder.forEach((tier, index) => {
      const dueAt = CREATED + tier.at * MINUTE;
      const state = { ...FRESH, firedTier: index === 0 ? null : index - 1 };
      const nextAt = ladder[index + 1] === undefined ? null : CREATED + ladder[index + 1]!.at * MINUTE;

      it(`severity ${severity}, ${tier.label}: waits 1 ms before, fires exactly at ${tier.at}m`, () => {
        const alert = alertFacts(severity);
        assert.deepEqual(evaluateSla(alert, state, DEFAULT_SLA_POLICY, dueAt - 1), { kind: 'wait', next: dueAt });
        assert.deepEqual(evaluateSla(alert, state, DEFAULT_SLA_POLICY, dueAt), {
          kind: 'fire',
          tier: index,
          tierLabel: tier.label,
          notify: tier.notify,
          highRisk: false,
          skipped: [],
          next: nextAt,
        });
      });
    });
  }

  it('fires the 60-minute tier (the reference never could)', () => {
    const decision = evaluateSla(alertFacts(3), { ...FRESH, firedTier: 1 }, DEFAULT_SLA_POLICY, CREATED + 60 * MINUTE);
    assert.equal(decision.kind, 'fire');
    assert.equal(decision.kind === 'fire' && decision.tier, 2);
  });

  it('waits for the first tier from creation', () => {
    assert.deepEqual(evaluateSla(alertFacts(1), FRESH, DEFAULT_SLA_POLICY, CREATED), {
      kind: 'wait',
      next: CREATED + 30 * MINUTE,
    });
  });

  it('treats firedTier -1 like null', () => {
    const now = CREATED + 30 * MINUTE;
    assert.deepEqual(
      evaluateSla(alertFacts(1), { ...FRESH, firedTier: -1 }, DEFAULT_SLA_POLICY, now),
      evaluateSla(alertFacts(1), FRESH, DEFAULT_SLA_POLICY, now),
    );
  });

  it('does not hand out the policy arrays (a caller mutating notify cannot change the policy)', () => {
    const decision = evaluateSla(alertFacts(1), FRESH, DEFAULT_SLA_POLICY, CREATED + 30 * MINUTE);
    assert.ok(decision.kind === 'fire');
    assert.notEqual(decision.notify, DEFAULT_SLA_POLICY.severities[1].tiers[0]!.notify);
  });
});

describe('evaluateSla: a scheduler following `next`', () => {
  for (const severity of [1, 2, 3, 4] as const) {
    it(`severity ${severity}: every tier fires once, on time, in order, then nothing`, () => {
      const sent = runSchedule(alertFacts(severity), DEFAULT_SLA_POLICY);
      assert.deepEqual(
        sent.map(({ at, decision }) => [(at - CREATED) / MINUTE, decision.tier, decision.notify]),
        DEFAULT_LADDERS[severity].map((tier, index) => [tier.at, index, tier.notify]),
      );
    });
  }

  it('a re-evaluation at the same instant after recording the fire sends nothing twice', () => {
    const now = CREATED + 45 * MINUTE;
    const first = evaluateSla(alertFacts(1), { ...FRESH, firedTier: 0 }, DEFAULT_SLA_POLICY, now);
    assert.ok(first.kind === 'fire');
    const again = evaluateSla(alertFacts(1), { ...FRESH, firedTier: first.tier }, DEFAULT_SLA_POLICY, now);
    assert.deepEqual(again, { kind: 'wait', next: CREATED + 60 * MINUTE });
  });
});

describe('evaluateSla: catching up after downtime', () => {
  it('fires only the highest due tier, reporting the missed ones as skipped', () => {
    const decision = evaluateSla(alertFacts(1), FRESH, DEFAULT_SLA_POLICY, CREATED + 3 * 60 * MINUTE);
    assert.deepEqual(decision, {
      kind: 'fire',
      tier: 2,
      tierLabel: '1h tier (3 of 3)',
      notify: ['slack', 'call'],
      highRisk: false,
      skipped: [0, 1],
      next: null,
    });
  });

  it('fires it once: the next evaluation has nothing more to do', () => {
    const sent = runSchedule(alertFacts(2), DEFAULT_SLA_POLICY, { start: CREATED + 2 * 60 * MINUTE });
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.decision.tier, 2);
    assert.deepEqual(evaluateSla(alertFacts(2), { ...FRESH, firedTier: 2 }, DEFAULT_SLA_POLICY, CREATED + DAY), {
      kind: 'wait',
      next: null,
    });
  });

  it('skips only the tiers between the last one sent and the one due', () => {
    const decision = evaluateSla(alertFacts(4), { ...FRESH, firedTier: 0 }, DEFAULT_SLA_POLICY, CREATED + 31 * MINUTE);
    assert.ok(decision.kind === 'fire');
    assert.equal(decision.tier, 2);
    assert.deepEqual(decision.skipped, [1]);
  });

  it('down between two tiers: the one due fires and the next is still scheduled', () => {
    const decision = evaluateSla(alertFacts(1), { ...FRESH, firedTier: 0 }, DEFAULT_SLA_POLICY, CREATED + 50 * MINUTE);
    assert.ok(decision.kind === 'fire');
    assert.deepEqual([decision.tier, decision.skipped, decision.next], [1, [], CREATED + 60 * MINUTE]);
  });
});

describe('evaluateSla: max age', () => {
  it('still escalates at exactly max_age, ignores 1 ms later', () => {
    const atLimit = evaluateSla(alertFacts(3), FRESH, DEFAULT_SLA_POLICY, CREATED + 7 * DAY);
    assert.ok(atLimit.kind === 'fire');
    assert.equal(atLimit.tier, 2);
    assert.deepEqual(evaluateSla(alertFacts(3), FRESH, DEFAULT_SLA_POLICY, CREATED + 7 * DAY + 1), {
      kind: 'ignore',
      reason: 'too_old',
    });
  });

  it('applies to critical alerts and to high-risk ones too', () => {
    const old = CREATED + 8 * DAY;
    assert.deepEqual(evaluateSla(alertFacts(4), FRESH, DEFAULT_SLA_POLICY, old), { kind: 'ignore', reason: 'too_old' });
    const urgent = alertFacts(2, { title: 'URGENT: ransomware' });
    assert.deepEqual(evaluateSla(urgent, FRESH, DEFAULT_SLA_POLICY, old), { kind: 'ignore', reason: 'too_old' });
  });

  it('uses the configured max_age', () => {
    const p = policyWith((p) => {
      p.maxAgeMs = 50 * MINUTE;
    });
    assert.deepEqual(evaluateSla(alertFacts(1), FRESH, p, CREATED + 51 * MINUTE), {
      kind: 'ignore',
      reason: 'too_old',
    });
  });

  it('does not schedule a tier that would fall after max_age', () => {
    const p = policyWith((p) => {
      p.maxAgeMs = 50 * MINUTE;
    });
    const decision = evaluateSla(alertFacts(1), { ...FRESH, firedTier: 0 }, p, CREATED + 45 * MINUTE);
    assert.ok(decision.kind === 'fire');
    assert.equal(decision.next, null);
    assert.deepEqual(evaluateSla(alertFacts(1), { ...FRESH, firedTier: 1 }, p, CREATED + 46 * MINUTE), {
      kind: 'wait',
      next: null,
    });
  });
});

describe('evaluateSla: disabled severities and empty ladders', () => {
  it('ignores a disabled severity, high-risk words or not', () => {
    const p = policyWith((p) => {
      p.severities[2].enabled = false;
    });
    for (const title of ['Routine scan', 'URGENT failure']) {
      assert.deepEqual(evaluateSla(alertFacts(2, { title }), FRESH, p, CREATED + 2 * 60 * MINUTE), {
        kind: 'ignore',
        reason: 'severity_disabled',
      });
    }
    assert.equal(evaluateSla(alertFacts(1), FRESH, p, CREATED + 30 * MINUTE).kind, 'fire');
  });

  it('ignores an enabled severity with no tiers', () => {
    const p = policyWith((p) => {
      p.severities[3].tiers = [];
    });
    assert.deepEqual(evaluateSla(alertFacts(3), FRESH, p, CREATED + DAY), { kind: 'ignore', reason: 'no_tiers' });
  });

  it('never drops severity 4 by default (the reference did)', () => {
    assert.equal(DEFAULT_SLA_POLICY.severities[4].enabled, true);
    const decision = evaluateSla(alertFacts(4), FRESH, DEFAULT_SLA_POLICY, CREATED + 10 * MINUTE);
    assert.equal(decision.kind, 'fire');
  });

  it('fires a tier at 0 as soon as the alert is seen', () => {
    const p = policyWith((p) => {
      p.severities[4].tiers.unshift({ afterMs: 0, notify: ['slack'] });
    });
    const decision = evaluateSla(alertFacts(4), FRESH, p, CREATED);
    assert.ok(decision.kind === 'fire');
    assert.deepEqual(
      [decision.tier, decision.tierLabel, decision.next],
      [0, '0s tier (1 of 4)', CREATED + 10 * MINUTE],
    );
  });

  it('handles a policy edited to fewer tiers than were already fired', () => {
    const p = policyWith((p) => {
      p.severities[1].tiers = p.severities[1].tiers.slice(0, 1);
    });
    assert.deepEqual(evaluateSla(alertFacts(1), { ...FRESH, firedTier: 2 }, p, CREATED + 2 * 60 * MINUTE), {
      kind: 'wait',
      next: null,
    });
  });
});
