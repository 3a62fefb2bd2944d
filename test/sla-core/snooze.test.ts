import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateSla } from '../../src/core/sla/evaluate.js';
import { DEFAULT_SLA_POLICY } from '../../src/core/sla/policy.js';
import { alertFacts, CREATED, FRESH, MINUTE, runSchedule } from './helpers.js';

// Snoozed at the 30m notice for the default 30 minutes: silent until 60m.
const SNOOZE_END = CREATED + 60 * MINUTE;
const SNOOZED = { ...FRESH, firedTier: 0, snoozedUntil: SNOOZE_END };

describe('evaluateSla: snooze', () => {
  it('sends nothing before the snooze ends, even with tiers due, and asks to come back at its end', () => {
    for (const minutes of [31, 45, 50, 59]) {
      assert.deepEqual(evaluateSla(alertFacts(1), SNOOZED, DEFAULT_SLA_POLICY, CREATED + minutes * MINUTE), {
        kind: 'wait',
        next: SNOOZE_END,
      });
    }
    assert.deepEqual(evaluateSla(alertFacts(1), SNOOZED, DEFAULT_SLA_POLICY, SNOOZE_END - 1), {
      kind: 'wait',
      next: SNOOZE_END,
    });
  });

  it('at its end fires the tier due at that moment, once, skipping the ones it covered', () => {
    const decision = evaluateSla(alertFacts(1), SNOOZED, DEFAULT_SLA_POLICY, SNOOZE_END);
    assert.deepEqual(decision, {
      kind: 'fire',
      tier: 2,
      tierLabel: '1h tier (3 of 3)',
      notify: ['slack', 'call'],
      highRisk: false,
      skipped: [1],
      next: null,
    });
    assert.deepEqual(evaluateSla(alertFacts(1), { ...SNOOZED, firedTier: 2 }, DEFAULT_SLA_POLICY, SNOOZE_END + 1), {
      kind: 'wait',
      next: null,
    });
  });

  it('after its end (the bot was down) behaves the same', () => {
    const decision = evaluateSla(alertFacts(1), SNOOZED, DEFAULT_SLA_POLICY, SNOOZE_END + 5 * MINUTE);
    assert.ok(decision.kind === 'fire');
    assert.deepEqual([decision.tier, decision.skipped], [2, [1]]);
  });

  it('ending between tiers fires the one due and schedules the next', () => {
    const state = { ...FRESH, firedTier: 0, snoozedUntil: CREATED + 50 * MINUTE };
    const sent = runSchedule(alertFacts(2), DEFAULT_SLA_POLICY, { start: CREATED + 31 * MINUTE, state });
    assert.deepEqual(
      sent.map(({ at, decision }) => [(at - CREATED) / MINUTE, decision.tier]),
      [
        [50, 1],
        [60, 2],
      ],
    );
  });

  it('ending before the first tier waits for that tier as usual', () => {
    const state = { ...FRESH, snoozedUntil: CREATED + 10 * MINUTE };
    assert.deepEqual(evaluateSla(alertFacts(3), state, DEFAULT_SLA_POLICY, CREATED + 5 * MINUTE), {
      kind: 'wait',
      next: CREATED + 10 * MINUTE,
    });
    assert.deepEqual(evaluateSla(alertFacts(3), state, DEFAULT_SLA_POLICY, CREATED + 10 * MINUTE), {
      kind: 'wait',
      next: CREATED + 30 * MINUTE,
    });
  });

  it('with every tier already sent, nothing fires when it ends', () => {
    const state = { ...FRESH, firedTier: 2, snoozedUntil: SNOOZE_END };
    assert.deepEqual(evaluateSla(alertFacts(1), state, DEFAULT_SLA_POLICY, SNOOZE_END), { kind: 'wait', next: null });
  });

  it('silences high-risk escalation too, which fires once the snooze ends', () => {
    const urgent = alertFacts(2, { title: 'URGENT: domain admin added' });
    const state = { ...FRESH, snoozedUntil: CREATED + 30 * MINUTE };
    assert.deepEqual(evaluateSla(urgent, state, DEFAULT_SLA_POLICY, CREATED + MINUTE), {
      kind: 'wait',
      next: CREATED + 30 * MINUTE,
    });
    const decision = evaluateSla(urgent, state, DEFAULT_SLA_POLICY, CREATED + 30 * MINUTE);
    assert.ok(decision.kind === 'fire');
    assert.equal(decision.highRisk, true);
  });

  it('a past snooze has no effect', () => {
    const state = { ...FRESH, snoozedUntil: CREATED - MINUTE };
    assert.deepEqual(
      evaluateSla(alertFacts(4), state, DEFAULT_SLA_POLICY, CREATED + 10 * MINUTE),
      evaluateSla(alertFacts(4), FRESH, DEFAULT_SLA_POLICY, CREATED + 10 * MINUTE),
    );
  });
});
