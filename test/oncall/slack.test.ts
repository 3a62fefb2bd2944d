import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AckStore } from '../../src/oncall/ack-store.js';
import { listAudit } from '../../src/store/audit.js';
import { eventually, noticeOf } from '../sla/sla-helpers.js';
import { type OnCallRig, startOnCallRig } from './oncall-helpers.js';

describe('Slack: Acknowledge, /hive ack and /oncall (real Bolt against the Slack simulator)', {
  concurrency: false,
}, () => {
  let rig: OnCallRig;
  before(async () => {
    rig = await startOnCallRig();
  });
  after(async () => rig.stop());

  const notice = async () => {
    const id = String(rig.sims.hive.addAlert({ severity: 3, title: 'Slack ack *bold* <!here>', description: 'x' })._id);
    const n = await eventually(() => noticeOf(rig.h.sim, id).notice, 8000, 'the notice');
    return { id, n };
  };
  const ephemeral = (user: string, pattern: RegExp, since: number) =>
    rig.h.sim.waitForEphemeral((e) => e.user === user && pattern.test(e.text), { since, timeoutMs: 5000 });
  const acks = () => new AckStore(rig.h.bot.deps.db);

  it('the notice has an Acknowledge button; a responder pressing it acknowledges, the thread says so', async () => {
    const { id, n } = await notice();
    assert.match(JSON.stringify(n.blocks), /"action_id":"hive_ack"/);
    const mark = rig.h.sim.mark();
    rig.h.sim.clickButton('U0CAROL', { channel: 'C0ALERTS', ts: n.ts }, 'hive_ack');
    await ephemeral('U0CAROL', new RegExp(`^Acknowledged ${id}`), mark);
    const ack = await acks().get(id);
    assert.equal(ack?.how, 'slack');
    assert.equal(ack?.by, 'U0CAROL');
    await eventually(
      () => noticeOf(rig.h.sim, id).replies.find((r) => /Acknowledged by <@U0CAROL> in Slack/.test(r.text)),
      5000,
      'thread',
    );
  });

  it('someone outside the responders is refused with the reason, and nothing changes', async () => {
    const { id, n } = await notice();
    const mark = rig.h.sim.mark();
    rig.h.sim.clickButton('U0BOB', { channel: 'C0ALERTS', ts: n.ts }, 'hive_ack');
    await ephemeral('U0BOB', /Only members of <#C0ALERTS> may acknowledge/, mark);
    rig.h.sim.slashCommand('U0BOB', 'C0GENERAL', '/hive', `ack ${id}`);
    await ephemeral('U0BOB', /Only members of <#C0ALERTS> may acknowledge/, mark);
    assert.equal(await acks().get(id), null);
    assert.equal(
      (await listAudit(rig.h.bot.deps.db, `hive:${id}`)).filter((a) => a.action.startsWith('oncall.')).length,
      0,
    );
  });

  it('/hive ack <alertId> acknowledges for a responder', async () => {
    const { id } = await notice();
    const mark = rig.h.sim.mark();
    rig.h.sim.slashCommand('U0CAROL', 'C0ALERTS', '/hive', `ack ${id}`);
    await ephemeral('U0CAROL', new RegExp(`^Acknowledged ${id}`), mark);
    assert.equal((await acks().get(id))?.by, 'U0CAROL');
  });

  it('/oncall for anyone: who now, the seniors; override and clear for responders only', async () => {
    let mark = rig.h.sim.mark();
    rig.h.sim.slashCommand('U0BOB', 'C0GENERAL', '/oncall');
    const now = await ephemeral('U0BOB', /On call now/, mark);
    assert.match(now.text, /1 primary number/);
    assert.match(now.text, /\*Seniors:\* <@U0CAROL>, phone …0002/);

    mark = rig.h.sim.mark();
    rig.h.sim.slashCommand('U0BOB', 'C0GENERAL', '/oncall', 'override <@U0BOB|bob> 2h');
    await ephemeral('U0BOB', /Only members of <#C0ALERTS> may change who is on call/, mark);

    mark = rig.h.sim.mark();
    rig.h.sim.slashCommand('U0CAROL', 'C0ALERTS', '/oncall', 'override <@U0ALICE|alice> 2h');
    await ephemeral('U0CAROL', /<@U0ALICE> is on call for the next 2h/, mark);
    rig.h.sim.slashCommand('U0BOB', 'C0GENERAL', '/oncall');
    const after = await ephemeral('U0BOB', /On call now:\* <@U0ALICE> \(override\)/, mark);
    assert.match(after.text, /\*Override:\* <@U0ALICE> .* set by <@U0CAROL>/);
    assert.match(after.text, /\*Next:\* 1 primary number/);

    mark = rig.h.sim.mark();
    rig.h.sim.slashCommand('U0CAROL', 'C0ALERTS', '/oncall', 'override <@U0DAVE> soon');
    await ephemeral('U0CAROL', /is not a duration/, mark);
    rig.h.sim.slashCommand('U0CAROL', 'C0ALERTS', '/oncall', 'override dave 1h');
    await ephemeral('U0CAROL', /^Usage: `\/oncall`/, mark);

    mark = rig.h.sim.mark();
    rig.h.sim.slashCommand('U0CAROL', 'C0ALERTS', '/oncall', 'clear');
    await ephemeral('U0CAROL', /Override cleared/, mark);
    const audit = await listAudit(rig.h.bot.deps.db, 'oncall:U0ALICE');
    assert.deepEqual(
      audit.map((a) => `${a.actor}:${a.action}`),
      ['U0CAROL:oncall.override_set'],
    );
  });
});
