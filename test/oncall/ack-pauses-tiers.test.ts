import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { evaluateSla } from '../../src/core/sla/evaluate.js';
import { silentLogger } from '../../src/log.js';
import { AckStore } from '../../src/oncall/ack-store.js';
import { OnCallRecords } from '../../src/oncall/oncall-records.js';
import { OnCallService } from '../../src/oncall/oncall-service.js';
import { OverrideStore } from '../../src/oncall/override-store.js';
import { SlaLookup } from '../../src/oncall/sla-lookup.js';
import { SlaRepository } from '../../src/sla/repository.js';
import { eventually, PRIMARY } from '../sla/sla-helpers.js';
import { type OnCallRig, startOnCallRig } from './oncall-helpers.js';

/**
 * The seam the SLA tier firer uses once connected: `service.slaInputs(alertId)` is passed to
 * evaluateSla. Here the firer's decision is taken from the stored alert after a real keypress.
 */
describe('a keypress pauses the ladder for ack_timeout, then escalation resumes', () => {
  let rig: OnCallRig;
  before(async () => {
    rig = await startOnCallRig();
  });
  after(async () => rig.stop());

  it('press 1 → no tier until ack_timeout (2 s here) → the next unfired tier fires, marked resumed', async () => {
    const id = String(rig.sims.hive.addAlert({ severity: 3, title: 'pause me', description: 'x' })._id);
    const call = await eventually(
      () => rig.sims.twilio.calls().find((c) => c.to === PRIMARY && c.spokenText.some((t) => t.includes(id))),
      8000,
      'page call',
    );
    await rig.sims.twilio.answerCall(call.sid, 'human', ['1']);
    const { db } = rig.h.bot.deps;
    const policy = rig.h.config.policy;
    const service = new OnCallService({
      policy: policy.onCallPolicy,
      sla: policy.sla,
      businessHours: null,
      acks: new AckStore(db),
      overrides: new OverrideStore(db),
      records: new OnCallRecords(db),
      lookup: new SlaLookup(db),
      pager: null,
      announcer: { acknowledged: async () => {}, escalated: async () => {} },
      clock: { now: () => new Date() },
      logger: silentLogger(),
    });
    const tracked = (await new SlaRepository(db).alerts.get(id))!;
    const facts = { ...tracked, observables: tracked.observables };
    const state = { firedTier: tracked.firedTier, snoozedUntil: null, highRiskFired: tracked.highRiskFired };
    const inputs = await service.slaInputs(id);
    assert.ok(inputs.ack, 'the acknowledgement reaches the evaluation');
    const until = inputs.ack.until;

    // While acknowledged the next look is at the acknowledgement's end, not at tier 2's own deadline (10 m).
    assert.deepEqual(evaluateSla(facts, state, policy.sla, until - 1, inputs), { kind: 'wait', next: until });
    assert.deepEqual(evaluateSla(facts, state, policy.sla, until - 1), {
      kind: 'wait',
      next: tracked.createdAt + 600_000,
    });
    const resumed = evaluateSla(facts, state, policy.sla, until, inputs);
    assert.equal(resumed.kind, 'fire');
    assert.equal(resumed.kind === 'fire' && resumed.tier, 1);
    assert.equal(resumed.kind === 'fire' && resumed.resumed, true);
    assert.deepEqual(resumed.kind === 'fire' && resumed.notify, ['slack', 'escalate']);
  });
});
