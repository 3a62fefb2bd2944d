import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AckStore } from '../../src/oncall/ack-store.js';
import { deliverWebhook } from '../../src/sandbox/twilio/twilio-phone-side.js';
import { listAudit } from '../../src/store/audit.js';
import { eventually, noticeOf, PRIMARY } from '../sla/sla-helpers.js';
import { type OnCallRig, SENIOR_CAROL, SENIOR_NUMBER, startOnCallRig } from './oncall-helpers.js';

describe('voice: keypress on a page call (real bot, real twilio, simulators)', { concurrency: false }, () => {
  let rig: OnCallRig;
  before(async () => {
    rig = await startOnCallRig();
  });
  after(async () => rig.stop());

  const pageCall = async () => {
    const id = String(
      rig.sims.hive.addAlert({ severity: 3, title: 'Beacon to <known> C2 & more', description: 'x' })._id,
    );
    const call = await eventually(
      () => rig.sims.twilio.calls().find((c) => c.to === PRIMARY && c.spokenText.some((t) => t.includes(id))),
      8000,
      'the page call',
    );
    return { id, call };
  };
  const acks = () => new AckStore(rig.h.bot.deps.db);

  it('every page call is a one-digit Gather posting to PUBLIC_URL/twilio/voice/gather, with machine detection', async () => {
    const { call } = await pageCall();
    assert.match(
      call.twiml!,
      /<Gather input="dtmf" numDigits="1"[^>]*action="http:\/\/127\.0\.0\.1:\d+\/twilio\/voice\/gather"/,
    );
    assert.match(call.spokenText[0]!, /Press 1 to acknowledge/);
    assert.equal(call.machineDetection, 'Enable');
  });

  it('keys pressed one at a time (the sandbox keypad): 9 repeats, then 1 goes to the repeated Gather and acknowledges', async () => {
    const { id, call } = await pageCall();
    const repeat = await rig.sims.twilio.pressKeys(call.sid, ['9']);
    assert.equal(repeat.httpStatus, 200);
    assert.ok(
      repeat.heard.some((line) => line.includes('Press 1 to acknowledge')),
      repeat.heard.join(' | '),
    );
    assert.equal(await acks().get(id), null);
    const ack = await rig.sims.twilio.pressKeys(call.sid, ['1']);
    assert.match(ack.heard.at(-1)!, /^Acknowledged alert /);
    assert.equal((await acks().get(id))?.how, 'phone');
    assert.deepEqual(
      rig.sims.twilio
        .keyPresses()
        .filter((p) => p.callSid === call.sid)
        .map((p) => p.keys),
      ['9', '1'],
    );
  });

  it('1 acknowledges: spoken back with the alert and until when; the thread says who; a replay changes nothing', async () => {
    const { id, call } = await pageCall();
    const heard = await rig.sims.twilio.answerCall(call.sid, 'human', ['1']);
    assert.equal(heard.replies[0]!.status, 200);
    const spoken = heard.heard.at(-1)!;
    assert.match(spoken, /^Acknowledged alert .+ Escalation is paused until \d\d:\d\d UTC time\. Goodbye\.$/);
    assert.ok(spoken.includes(id.replace('~', '').split('').join(' ')), spoken);
    const ack = await acks().get(id);
    assert.equal(ack?.how, 'phone');
    assert.equal(ack?.by, 'alice', 'the number is named after its person in oncall.people');
    await eventually(
      () => noticeOf(rig.h.sim, id).replies.find((r) => /Acknowledged by alice by phone/.test(r.text)),
      5000,
      'thread',
    );

    const replay = await deliverWebhook(heard.replies[0]!.request);
    assert.equal(replay.status, 200);
    assert.equal(replay.body, heard.replies[0]!.body, 'a replay gets the first answer back');
    const audit = await listAudit(rig.h.bot.deps.db, `hive:${id}`);
    assert.equal(audit.filter((a) => a.action === 'oncall.acknowledged').length, 1);
  });

  it('a forged or missing signature is refused with 403 and changes nothing', async () => {
    const { id, call } = await pageCall();
    const heard = await rig.sims.twilio.answerCall(call.sid, 'human', []);
    assert.deepEqual(heard.replies, []);
    const request = {
      url: (call.twiml!.match(/action="([^"]+)"/) ?? [])[1]!,
      params: { CallSid: call.sid, Digits: '1', From: call.from, To: call.to, AccountSid: call.accountSid },
      signature: 'Zm9yZ2VkIHNpZ25hdHVyZQ==',
    };
    assert.equal((await deliverWebhook(request)).status, 403);
    assert.equal((await deliverWebhook(request, '')).status, 403);
    assert.equal(await acks().get(id), null);
  });

  it('a call answered by a machine never acknowledges, whatever tones it plays', async () => {
    const { id, call } = await pageCall();
    const heard = await rig.sims.twilio.answerCall(call.sid, 'machine', ['1']);
    assert.equal(heard.replies[0]!.status, 200);
    assert.match(heard.replies[0]!.body, /<Hangup\/>/);
    assert.equal(await acks().get(id), null);
  });

  it('9 repeats the message inside a new Gather; then 1 still acknowledges', async () => {
    const { id, call } = await pageCall();
    const heard = await rig.sims.twilio.answerCall(call.sid, 'human', ['9', '1']);
    assert.match(heard.replies[0]!.body, /<Gather/);
    assert.match(heard.heard.join(' '), /Security operations alert\. Severity 3/);
    assert.equal((await acks().get(id))?.how, 'phone');
  });

  it('2 calls the seniors at once (by name and by number), once however often it is pressed', async () => {
    const { id, call } = await pageCall();
    const first = await rig.sims.twilio.answerCall(call.sid, 'human', ['2']);
    assert.match(first.heard.at(-1)!, /calling 2 seniors now/);
    const seniorCalls = await eventually(
      () => {
        const calls = rig.sims.twilio
          .calls()
          .filter((c) => c.spokenText.some((t) => t.startsWith('Escalated to you.')));
        const forThis = calls.filter((c) => c.spokenText[0]!.includes(id.replace('~', '').split('').join(' ')));
        return forThis.length === 2 && forThis;
      },
      5000,
      'two senior calls',
    );
    assert.deepEqual(seniorCalls.map((c) => c.to).sort(), [SENIOR_NUMBER, SENIOR_CAROL].sort());
    // The same key on the same call is the same signed request: answered as before, nobody called again.
    await rig.sims.twilio.answerCall(call.sid, 'human', ['2']);
    const text = await rig.sims.twilio.textFromPhone(PRIMARY, call.from, `esc ${id}`);
    assert.match(text.body, /Seniors were already called/);
    await new Promise((r) => setTimeout(r, 300));
    const total = rig.sims.twilio.calls().filter((c) => c.spokenText[0]!.startsWith('Escalated to you.'));
    assert.equal(total.filter((c) => c.spokenText[0]!.includes(id.replace('~', '').split('').join(' '))).length, 2);
    // A senior's call is answerable too: their 1 acknowledges the same alert.
    const senior = seniorCalls.find((c) => c.to === SENIOR_CAROL)!;
    await rig.sims.twilio.answerCall(senior.sid, 'human', ['1']);
    assert.equal((await acks().get(id))?.by, 'carol');
  });

  it('a restart between the page and the keypress loses nothing', async () => {
    const { id, call } = await pageCall();
    await rig.h.restart();
    const heard = await rig.sims.twilio.answerCall(call.sid, 'human', ['1']);
    assert.match(heard.heard.at(-1)!, /^Acknowledged alert/);
    assert.equal((await acks().get(id))?.how, 'phone');
  });
});
