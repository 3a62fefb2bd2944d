import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BusinessHours } from '../../src/core/confirm/policy.js';
import { evaluateSla } from '../../src/core/sla/evaluate.js';
import { DEFAULT_SLA_POLICY } from '../../src/core/sla/policy.js';
import { alertFacts, CREATED, FRESH, MINUTE, policyWith } from '../sla-core/helpers.js';

const ACK = 30 * MINUTE;
// Severity 1 by default: tiers at 30m, 45m and 60m (what each sends is the policy's, read below).
const afterTier0 = { ...FRESH, firedTier: 0 };

describe('acknowledgement pauses the ladder', () => {
  const ack = { until: CREATED + 31 * MINUTE + ACK, tierAtAck: 0 };

  it('no tier fires while acknowledged, even when one is due by age', () => {
    const d = evaluateSla(alertFacts(1), afterTier0, DEFAULT_SLA_POLICY, CREATED + 50 * MINUTE, { ack });
    assert.deepEqual(d, { kind: 'wait', next: ack.until });
  });

  it('without an acknowledgement the same state fires (today behaviour unchanged)', () => {
    const d = evaluateSla(alertFacts(1), afterTier0, DEFAULT_SLA_POLICY, CREATED + 50 * MINUTE);
    assert.equal(d.kind, 'fire');
    assert.equal(d.kind === 'fire' && d.resumed, undefined);
  });

  it('high-risk words do not page through an acknowledgement', () => {
    const d = evaluateSla(
      alertFacts(2, { title: 'CRITICAL failure' }),
      afterTier0,
      DEFAULT_SLA_POLICY,
      CREATED + 35 * MINUTE,
      {
        ack,
      },
    );
    assert.equal(d.kind, 'wait');
  });

  it('when it runs out the next unfired tier fires at once and says escalation resumed', () => {
    const early = { until: CREATED + 32 * MINUTE, tierAtAck: 0 };
    const d = evaluateSla(alertFacts(1), afterTier0, DEFAULT_SLA_POLICY, early.until, { ack: early });
    assert.equal(d.kind, 'fire');
    if (d.kind !== 'fire') return;
    assert.equal(d.tier, 1, 'tier 2 fires at 32m although its own deadline is 45m');
    assert.equal(d.resumed, true);
    assert.deepEqual(d.notify, DEFAULT_SLA_POLICY.severities[1].tiers[1]!.notify);
  });

  it('resumes with the highest due tier when several fell due during the pause', () => {
    const d = evaluateSla(alertFacts(1), afterTier0, DEFAULT_SLA_POLICY, CREATED + 70 * MINUTE, {
      ack: { until: CREATED + 61 * MINUTE, tierAtAck: 0 },
    });
    assert.equal(d.kind === 'fire' && d.tier, 2);
    assert.deepEqual(d.kind === 'fire' && d.skipped, [1]);
  });

  it('after the resumed tier the ladder goes back to its deadlines (no second immediate fire)', () => {
    const expired = { until: CREATED + 32 * MINUTE, tierAtAck: 0 };
    const d = evaluateSla(alertFacts(1), { ...FRESH, firedTier: 1 }, DEFAULT_SLA_POLICY, CREATED + 33 * MINUTE, {
      ack: expired,
    });
    assert.deepEqual(d, { kind: 'wait', next: CREATED + 60 * MINUTE });
  });

  it('an acknowledgement before any tier fired pauses the first tier', () => {
    const d = evaluateSla(alertFacts(1), FRESH, DEFAULT_SLA_POLICY, CREATED + 40 * MINUTE, {
      ack: { until: CREATED + 45 * MINUTE, tierAtAck: -1 },
    });
    assert.deepEqual(d, { kind: 'wait', next: CREATED + 45 * MINUTE });
  });

  it('nothing resumes once the top tier has gone out', () => {
    const d = evaluateSla(alertFacts(1), { ...FRESH, firedTier: 2 }, DEFAULT_SLA_POLICY, CREATED + 200 * MINUTE, {
      ack: { until: CREATED + 100 * MINUTE, tierAtAck: 2 },
    });
    assert.deepEqual(d, { kind: 'wait', next: null });
  });

  it('a snooze still wins over an expired acknowledgement', () => {
    const d = evaluateSla(
      alertFacts(1),
      { ...afterTier0, snoozedUntil: CREATED + 90 * MINUTE },
      DEFAULT_SLA_POLICY,
      CREATED + 80 * MINUTE,
      { ack: { until: CREATED + 40 * MINUTE, tierAtAck: 0 } },
    );
    assert.deepEqual(d, { kind: 'wait', next: CREATED + 90 * MINUTE });
  });
});

describe('quiet hours (sla.severities.N.business_hours)', () => {
  const hours: BusinessHours = {
    tz: 'Europe/London',
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    start: '09:00',
    end: '17:00',
  };
  const quiet = policyWith((p) => {
    p.severities[1].businessHours = true;
  });
  // Friday 2026-11-27 22:00 London (GMT): a severity-1 alert raised on Friday night.
  const friday = Date.parse('2026-11-27T22:00:00Z');
  const monday0930 = Date.parse('2026-11-30T09:30:00Z');

  it('a severity-1 alert raised on Friday night pages on Monday morning', () => {
    const facts = alertFacts(1, { createdAt: friday });
    const saturday = evaluateSla(facts, FRESH, quiet, friday + 12 * 60 * MINUTE, { businessHours: hours });
    assert.deepEqual(saturday, { kind: 'wait', next: monday0930 });
    const monday = evaluateSla(facts, FRESH, quiet, monday0930, { businessHours: hours });
    assert.equal(monday.kind === 'fire' && monday.tier, 0);
    assert.equal(monday.kind === 'fire' && monday.next, monday0930 + 15 * MINUTE);
  });

  it('high-risk words still page at once', () => {
    const p = policyWith((q) => {
      q.severities[2].businessHours = true;
    });
    const d = evaluateSla(alertFacts(2, { createdAt: friday, title: 'URGENT' }), FRESH, p, friday + MINUTE, {
      businessHours: hours,
    });
    assert.equal(d.kind === 'fire' && d.tierLabel, 'high-risk');
  });

  it('a severity without business_hours keeps calendar time', () => {
    const d = evaluateSla(alertFacts(3, { createdAt: friday }), FRESH, quiet, friday + 30 * MINUTE, {
      businessHours: hours,
    });
    assert.equal(d.kind, 'fire');
  });

  it('a resumed tier of a quiet severity waits for business hours', () => {
    // Tier 1 at 16:50 Friday; tier 2 needs 5 more counted minutes, on Monday.
    const facts = alertFacts(1, { createdAt: Date.parse('2026-11-27T16:20:00Z') });
    const ack = { until: Date.parse('2026-11-27T18:00:00Z'), tierAtAck: 0 };
    const d = evaluateSla(facts, afterTier0, quiet, ack.until, { ack, businessHours: hours });
    assert.deepEqual(d, { kind: 'wait', next: Date.parse('2026-11-30T09:00:00Z') });
  });
});
