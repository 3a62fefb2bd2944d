import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { SlaRepository } from '../../src/sla/repository.js';
import { listAudit } from '../../src/store/audit.js';
import { type Harness, startHarness } from '../helpers/bot-harness.js';
import {
  eventually,
  freePort,
  noticeOf,
  type SlaSims,
  slaEnv,
  sleep,
  smsFor,
  startSims,
  TWILIO_TOKEN,
} from './sla-helpers.js';

describe('SLA under failures, and Twilio status callbacks', () => {
  let sims: SlaSims;
  let h: Harness;
  before(async () => {
    sims = await startSims();
    h = await startHarness({ env: slaEnv(sims, await freePort()) });
  });
  after(async () => {
    await h.stop();
    await sims.stop();
  });
  const repo = () => new SlaRepository(h.bot.deps.db);
  const addAlert = (severity: number, title: string) =>
    String(sims.hive.addAlert({ severity, title, description: 'x' })._id);

  it('TheHive answering 500 for a while: logged and retried, no crash, no lost tier', async () => {
    const id = addAlert(2, 'While TheHive is down');
    await eventually(async () => (await repo().alerts.get(id)) !== null, 3000, 'tracked');
    sims.hive.faults({ failNext: 6 });
    const late = addAlert(2, 'Created during the outage');
    const sms = await eventually(() => smsFor(sims, id)[0], 6000, 'tier 1 despite the outage');
    assert.ok(sims.hive.requestCount() > 0);
    await eventually(() => smsFor(sims, late)[0], 15_000, 'an alert created during the outage, after it');
    assert.equal(smsFor(sims, id).length >= 1, true);
    assert.equal(smsFor(sims, id).filter((m) => m.sid === sms.sid).length, 1);
    const health = await fetch(`${h.url}/healthz`);
    assert.equal(health.status, 200);
    // Their later tiers would share the Twilio fault injection of the next test.
    sims.hive.closeAlert(id);
    sims.hive.closeAlert(late);
  });

  it('Twilio 500 once: retried and sent; 500 every time: retried, then reported in the thread', async () => {
    sims.twilio.failNext(1, { status: 500 });
    const once = addAlert(2, 'Twilio hiccup');
    await eventually(() => smsFor(sims, once)[0], 6000, 'sms after one retry');
    // Twilio has it before the bot records its answer.
    const row = await eventually(
      async () => (await repo().notifications.forAlert(once)).find((n) => n.method === 'sms' && n.status === 'sent'),
      3000,
      'sms recorded',
    );
    assert.equal(row.attempts, 2);
    sims.hive.closeAlert(once);

    const always = addAlert(4, 'Twilio down');
    await eventually(async () => (await repo().alerts.get(always)) !== null, 3000, 'tracked');
    sims.twilio.failNext(3, { status: 500 });
    const report = await eventually(
      () => noticeOf(h.sim, always).replies.find((r) => /SMS to …0001 failed after 3 attempts/.test(r.text)),
      8000,
      'failure reported in the thread',
    );
    assert.doesNotMatch(report.text, /\+1555/);
    const failed = (await repo().notifications.forAlert(always)).find((n) => n.method === 'sms' && n.tier === 0);
    assert.equal(failed?.status, 'failed');
    assert.equal(failed?.attempts, 3);
    const audit = await listAudit(h.bot.deps.db, `hive:${always}`);
    assert.ok(audit.some((a) => a.action === 'sla.notify_failed' && a.details.method === 'sms'));
  });

  it("a dead sender's claimed page is sent by this replica once its claim expires, marked as a repeat", async () => {
    const id = addAlert(3, 'Claimed by a dead sender');
    await eventually(async () => (await repo().alerts.get(id)) !== null, 3000, 'tracked');
    // What a replica on another host that died between claiming and sending leaves behind.
    const now = Date.now();
    await h.bot.deps.db('outbox').insert({
      kind: 'sms',
      lane: '+15550000001',
      idem_key: `test:${id}:dead-sender`,
      payload: JSON.stringify({ text: `Page for ${id} from a dead sender` }),
      status: 'sending',
      attempts: 1,
      next_attempt_at: now,
      claimed_by: 'other-host:4242:deadbeef',
      claim_expires_at: now + 1500,
      created_at: now,
    });
    const sms = await eventually(
      () => sims.twilio.messages().find((m) => m.body.includes(`Page for ${id} from a dead sender`)),
      8000,
      'the page of the dead sender',
    );
    assert.match(sms.body, /re-sent after a restart/);
    // The simulator saw the SMS a moment before the sender recorded it.
    const row = await eventually(async () => {
      const r = await h.bot.deps
        .db('outbox')
        .where({ idem_key: `test:${id}:dead-sender` })
        .first();
      return r.status === 'sent' && r;
    }, 3000);
    assert.match(row.claimed_by, new RegExp(`^${hostname()}:${process.pid}:`), 'this replica took it over');
    assert.equal(Number(row.attempts), 2);
    sims.hive.closeAlert(id);
  });

  it('signed status callbacks are recorded; a forged one gets 403', async () => {
    const id = addAlert(2, 'Delivery status');
    const sms = await eventually(() => smsFor(sims, id)[0], 6000, 'sms');
    await sims.twilio.idle();
    const statuses = await eventually(async () => {
      const s = await repo().notifications.twilioStatuses(sms.sid);
      return s.includes('delivered') && s;
    }, 5000);
    assert.ok(statuses.includes('sent'));
    const [row] = (await repo().notifications.forAlert(id)).filter((n) => n.sid === sms.sid);
    assert.equal(row?.deliveryStatus, 'delivered');
    assert.equal(row?.status, 'sent');
    assert.ok(sims.twilio.callbackDeliveries().every((d) => d.httpStatus === 204));

    const url = `${h.config.publicUrl}/twilio/status`;
    const params = { MessageSid: sms.sid, MessageStatus: 'failed' };
    /** Posts the callback as Twilio would; `signature` null sends no signature header at all. */
    const callback = (signature: string | null) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(signature === null ? {} : { 'x-twilio-signature': signature }),
        },
        body: new URLSearchParams(params).toString(),
      });
    const signed = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, url, params);
    assert.equal((await callback('AAAA')).status, 403);
    assert.equal((await callback(null)).status, 403);
    assert.equal((await callback(signed)).status, 204);
    assert.equal((await repo().notifications.twilioStatuses(sms.sid)).at(-1), 'failed');
    // A final failure is told in the alert's thread, once even when Twilio repeats the callback.
    assert.equal((await callback(signed)).status, 204);
    await eventually(
      () =>
        noticeOf(h.sim, id).replies.find((r) =>
          /SMS to …0001 was not delivered: Twilio reports it failed/.test(r.text),
        ),
      5000,
      'undelivered reported in the thread',
    );
    await sleep(200);
    assert.equal(noticeOf(h.sim, id).replies.filter((r) => /was not delivered/.test(r.text)).length, 1);
  });
});
