import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AckStore } from '../../src/oncall/ack-store.js';
import { SlaRepository } from '../../src/sla/repository.js';
import { listAudit } from '../../src/store/audit.js';
import { eventually, noticeOf, PRIMARY, sleep } from '../sla/sla-helpers.js';
import { BOT_NUMBER, type OnCallRig, startOnCallRig } from './oncall-helpers.js';

/**
 * "Promote or close ends it": an acknowledgement ends the moment the alert is promoted (the
 * notice's button) or closed in TheHive, audited, and no tier fires after it ran out. Real Bolt,
 * real twilio, the simulators. Severity 2: SMS at 1 s, a call at 3 s; ack_timeout 5 s.
 */
const POLICY = `
sla:
  max_age: 1h
  ack_timeout: 5s
  severities:
    1: { enabled: false, tiers: [] }
    2:
      tiers:
        - { after: 1s, notify: [slack, sms] }
        - { after: 3s, notify: [slack, call] }
    3: { enabled: false, tiers: [] }
    4: { enabled: false, tiers: [] }
  high_risk: { words: [], severities: [], notify: [slack] }
oncall:
  people:
    alice: { slack: U0ALICE, phone: "${PRIMARY}" }
  primary: ["${PRIMARY}"]
`;

describe('promote or close ends the acknowledgement (real Bolt, real twilio, simulators)', {
  concurrency: false,
}, () => {
  let rig: OnCallRig;
  before(async () => {
    rig = await startOnCallRig(POLICY);
  });
  after(async () => rig.stop());

  const acks = () => new AckStore(rig.h.bot.deps.db);
  const paged = async (title: string) => {
    const id = String(rig.sims.hive.addAlert({ severity: 2, title, description: 'x' })._id);
    await eventually(
      () => rig.sims.twilio.messages().find((m) => m.to === PRIMARY && m.body.includes(`alert ${id}:`)),
      8000,
      'the page SMS',
    );
    const notice = await eventually(() => noticeOf(rig.h.sim, id).notice, 8000, 'the notice');
    return { id, notice };
  };
  /** After the acknowledgement would have run out, the call tier (due at 3 s) has still not fired. */
  const noTierAfter = async (id: string, until: number) => {
    await sleep(Math.max(0, until - Date.now()) + 1500);
    const tracked = await new SlaRepository(rig.h.bot.deps.db).alerts.get(id);
    assert.equal(tracked?.firedTier, 0, 'no tier after the first');
    const later = await rig.h.bot.deps.db('sla_notifications').where({ alert_id: id }).where('tier', '>', 0);
    assert.equal(later.length, 0);
    assert.equal(rig.sims.twilio.calls().filter((c) => c.spokenText.some((t) => t.includes(id))).length, 0);
    assert.equal(noticeOf(rig.h.sim, id).replies.filter((r) => /escalation resumed/i.test(r.text)).length, 0);
  };
  const ackEnded = async (id: string) =>
    (await listAudit(rig.h.bot.deps.db, `hive:${id}`)).filter((a) => a.action === 'oncall.ack_ended');

  it('SMS ack, then Promote on the notice: the acknowledgement ends (promoted), audited, no tier fires', async () => {
    const { id, notice } = await paged('promote me');
    const reply = await rig.sims.twilio.textFromPhone(PRIMARY, BOT_NUMBER, `ack ${id}`);
    assert.match(reply.body, new RegExp(`Acknowledged ${id}`));
    const ack = (await acks().get(id))!;
    assert.equal(ack.endedAt, null);

    const mark = rig.h.sim.mark();
    rig.h.sim.clickButton('U0CAROL', { channel: 'C0ALERTS', ts: notice.ts }, 'hive_promote');
    await rig.h.sim.waitForEphemeral((e) => e.user === 'U0CAROL' && /promoted to case #\d+/.test(e.text), {
      since: mark,
      timeoutMs: 8000,
    });
    const ended = (await acks().get(id))!;
    assert.equal(ended.endedReason, 'promoted');
    assert.ok(ended.endedAt !== null && ended.endedAt < ack.until);
    const audit = await ackEnded(id);
    assert.equal(audit.length, 1);
    assert.deepEqual(audit[0]!.details, { reason: 'promoted' });
    await noTierAfter(id, ack.until);
    assert.equal((await ackEnded(id)).length, 1, 'ended once');
  });

  it('Slack Acknowledge, then the alert closed in TheHive: the acknowledgement ends (closed), audited, no tier fires', async () => {
    const { id, notice } = await paged('close me');
    const mark = rig.h.sim.mark();
    rig.h.sim.clickButton('U0CAROL', { channel: 'C0ALERTS', ts: notice.ts }, 'hive_ack');
    await rig.h.sim.waitForEphemeral((e) => e.user === 'U0CAROL' && /^Acknowledged /.test(e.text), {
      since: mark,
      timeoutMs: 8000,
    });
    const ack = (await acks().get(id))!;
    assert.equal(ack.how, 'slack');

    rig.sims.hive.closeAlert(id);
    const ended = await eventually(
      async () => {
        const a = await acks().get(id);
        return a !== null && a.endedAt !== null && a;
      },
      8000,
      'the acknowledgement ended by the close',
    );
    assert.equal(ended.endedReason, 'closed');
    assert.ok(ended.endedAt! < ack.until);
    const audit = await ackEnded(id);
    assert.equal(audit.length, 1);
    assert.deepEqual(audit[0]!.details, { reason: 'closed' });
    assert.equal((await new SlaRepository(rig.h.bot.deps.db).alerts.get(id))?.state, 'closed');
    await noTierAfter(id, ack.until);
  });
});
