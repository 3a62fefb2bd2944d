import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AckStore } from '../../src/oncall/ack-store.js';
import { deliverWebhook, messagesOf } from '../../src/sandbox/twilio/twilio-phone-side.js';
import { listAudit } from '../../src/store/audit.js';
import { eventually, PRIMARY } from '../sla/sla-helpers.js';
import { BOT_NUMBER, type OnCallRig, STRANGER, startOnCallRig } from './oncall-helpers.js';

describe('SMS replies (real bot, real twilio, simulators)', { concurrency: false }, () => {
  let rig: OnCallRig;
  before(async () => {
    rig = await startOnCallRig();
  });
  after(async () => rig.stop());

  const pageSms = async (title = 'Impossible travel') => {
    const id = String(rig.sims.hive.addAlert({ severity: 2, title, description: 'x' })._id);
    await eventually(
      () => rig.sims.twilio.messages().find((m) => m.to === PRIMARY && m.body.includes(`alert ${id}:`)),
      8000,
      'the page SMS',
    );
    return id;
  };
  const text = async (from: string, body: string) => {
    const reply = await rig.sims.twilio.textFromPhone(from, BOT_NUMBER, body);
    assert.equal(reply.status, 200);
    assert.match(reply.body, /^<\?xml version="1.0" encoding="UTF-8"\?><Response[ />]/);
    return { reply, said: messagesOf(reply.body).join('\n') };
  };
  const acks = () => new AckStore(rig.h.bot.deps.db);

  it('"ack" acknowledges the latest alert paged to that number; "1" after that says who already did', async () => {
    const older = await pageSms('older alert');
    const latest = await pageSms('latest alert');
    const { said } = await text(PRIMARY, 'ack');
    assert.match(
      said,
      new RegExp(`^Acknowledged ${latest} \\(latest alert\\)\\. Escalation paused until \\d\\d:\\d\\d UTC time\\.$`),
    );
    assert.equal((await acks().get(latest))?.how, 'sms');
    // The simulator keeps the conversation as the phone shows it: the text, then Twilio's reply from our number.
    const log = rig.sims.twilio.texts().slice(-2);
    assert.deepEqual(
      log.map((t) => [t.direction, t.from, t.to, t.body]),
      [
        ['inbound', PRIMARY, BOT_NUMBER, 'ack'],
        ['reply', BOT_NUMBER, PRIMARY, said],
      ],
    );
    assert.equal(await acks().get(older), null);
    const again = await text(PRIMARY, '1');
    assert.match(again.said, /already acknowledged by alice/);
  });

  it('"ack <id>" acknowledges that alert', async () => {
    const first = await pageSms('first');
    await pageSms('second');
    const { said } = await text(PRIMARY, `ACK ${first}`);
    assert.match(said, new RegExp(`^Acknowledged ${first}`));
    assert.equal((await acks().get(first))?.by, 'alice');
  });

  it('anything else gets the help text', async () => {
    const { said } = await text(PRIMARY, 'on my way');
    assert.match(said, /reply 1 or ACK to acknowledge/);
  });

  it('a number never paged gets a reply with no alert details and changes nothing', async () => {
    const id = await pageSms('secret title');
    for (const body of ['ack', `ack ${id}`, 'esc']) {
      const { said } = await text(STRANGER, body);
      assert.equal(said, 'This number has not been paged by the SecOps bot, so there is nothing to acknowledge.');
    }
    assert.equal(await acks().get(id), null);
  });

  it('a replayed SMS webhook changes nothing; a forged one is refused', async () => {
    const id = await pageSms('replayed');
    const { reply } = await text(PRIMARY, `ack ${id}`);
    const replay = await deliverWebhook(reply.request);
    assert.equal(replay.body, reply.body);
    const audit = await listAudit(rig.h.bot.deps.db, `hive:${id}`);
    assert.equal(audit.filter((a) => a.action === 'oncall.acknowledged').length, 1);
    const forged = await deliverWebhook({ ...reply.request, params: { ...reply.request.params, Body: 'esc' } });
    assert.equal(forged.status, 403);
  });

  it('after STOP the SMS tier calls that person instead, the channel told once; START undoes it', async () => {
    await text(PRIMARY, 'STOP');
    await eventually(
      () => rig.h.sim.messages('C0ALERTS').find((m) => /cannot receive SMS.*text START/.test(m.text)),
      8000,
      'the channel told',
    );
    const id = String(rig.sims.hive.addAlert({ severity: 2, title: 'after stop', description: 'x' })._id);
    await eventually(
      () => rig.sims.twilio.calls().find((c) => c.to === PRIMARY && c.spokenText.some((t) => t.includes(id))),
      8000,
      'the SMS tier as a call',
    );
    assert.equal(
      rig.sims.twilio.messages().filter((m) => m.to === PRIMARY && m.body.includes(`alert ${id}:`)).length,
      0,
    );
    assert.equal(rig.h.sim.messages('C0ALERTS').filter((m) => /cannot receive SMS/.test(m.text)).length, 1);
    await text(PRIMARY, 'START');
    const next = await pageSms('after start');
    assert.ok(next);
  });
});
