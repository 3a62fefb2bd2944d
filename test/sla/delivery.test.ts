/**
 * Issue 9: SLA delivery through the outbox. A page never waits for Slack; a tier whose notice
 * is still queued behind a failing Slack replaces it (one notice per alert) instead of waiting
 * for it and giving up; the notice arrives once Slack recovers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startHarness } from '../helpers/bot-harness.js';
import { eventually, freePort, noticeOf, type SlaSims, slaEnv, sleep, smsFor, startSims } from './sla-helpers.js';

describe('SLA delivery: independent lanes, one notice per alert', () => {
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

  it('Slack refusing posts: the SMS goes out first, and the queued tier-1 notice becomes tier 2 when it arrives', async () => {
    // Severity 4: 1 s slack+sms, 3 s slack+call+escalate. Slack answers 500 for ~4 s of retries.
    h.sim.failNext('chat.postMessage', 8, { status: 500 });
    const id = String(sims.hive.addAlert({ severity: 4, title: 'Slack is down', description: 'x' })._id);
    await eventually(() => smsFor(sims, id)[0], 6000, 'the tier-1 SMS');
    assert.equal(noticeOf(h.sim, id).notice, undefined, 'the SMS did not wait for the notice');
    const notice = await eventually(() => noticeOf(h.sim, id).notice, 15_000, 'the notice after Slack recovers');
    assert.match(notice.text, /\(2 of 2\)/, 'the queued notice says the newer tier');
    await sleep(500);
    assert.equal(noticeOf(h.sim, id).notices.length, 1, 'one notice per alert');
    const row = await h.bot.deps
      .db('outbox')
      .where({ idem_key: `sla:${id}:notice` })
      .first();
    assert.equal(row.status, 'sent');
    assert.ok(Number(row.attempts) > 1, 'retried after the 500s');
    const slack = await h.bot.deps.db('sla_notifications').where({ alert_id: id, method: 'slack' });
    assert.deepEqual(
      slack.map((n: { status: string }) => n.status),
      ['sent', 'sent'],
      'both tiers count as told',
    );
    sims.hive.closeAlert(id);
  });
});
