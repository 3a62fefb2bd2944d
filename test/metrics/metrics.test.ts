/**
 * Issue 12 §4: GET /metrics on the real bot (Bolt, twilio, TheHive client against the
 * simulators): the counters move when the flows run, and METRICS_TOKEN guards the route.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { postAlert, waitForQuestion, waitForStatus } from '../confirm/helpers.js';
import { type Harness, startHarness } from '../helpers/bot-harness.js';
import { eventually, type SlaSims, slaEnv, smsFor, startSims } from '../sla/sla-helpers.js';
import { sample } from './prom-text.js';

const METRICS_TOKEN = 'metrics-token-0123456789';
const API_TOKEN = 'test-api-token-0123456789';

describe('GET /metrics', () => {
  let sims: SlaSims;
  let h: Harness;
  const scrape = async () => {
    const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return res.text();
  };
  before(async () => {
    sims = await startSims();
    h = await startHarness({ env: { ...slaEnv(sims), METRICS_TOKEN, API_TOKEN } });
  });
  after(async () => {
    await h.stop();
    await sims.stop();
  });

  it('needs the bearer token when METRICS_TOKEN is set', async () => {
    assert.equal((await fetch(`${h.url}/metrics`)).status, 401);
    const wrong = await fetch(`${h.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
  });

  it('process, event-loop, lease and TheHive poll metrics are there', async () => {
    await eventually(async () => sample(await scrape(), 'secops_thehive_poll_duration_seconds_count') > 0);
    const text = await scrape();
    assert.ok(sample(text, 'process_resident_memory_bytes') > 0);
    assert.match(text, /^nodejs_eventloop_lag_p99_seconds \S+$/m);
    assert.equal(sample(text, 'secops_lease_held', { lease: 'scheduler' }), 1);
  });

  it('a confirmation answered "no": outcome escalated/denied, and the pending gauge follows', async () => {
    const before = await scrape();
    const res = await postAlert(h, { user: 'U0BOB', title: 'Metrics check', description: 'd' }, API_TOKEN);
    assert.equal(res.status, 201);
    const id = Number(res.json.id);
    const question = await waitForQuestion(h, 'U0BOB', id);
    assert.equal(sample(await scrape(), 'secops_confirmations_pending'), 1);
    h.sim.clickButton('U0BOB', question, 'confirm_no');
    await waitForStatus(h, id, 'escalated');
    const posts = (t: string) =>
      sample(t, 'secops_slack_api_calls_total', { method: 'chat.postMessage', channel: 'escalation', result: 'ok' });
    // The escalation post, counted against the escalation channel.
    const after = await eventually(async () => {
      const t = await scrape();
      return posts(t) > posts(before) && t;
    });
    assert.equal(sample(after, 'secops_confirmations_total', { outcome: 'escalated', reason: 'denied' }), 1);
    assert.equal(sample(after, 'secops_confirmations_pending'), 0);
  });

  it('an SLA tier: sends by method and result, lateness observed; Slack 429s and Twilio errors counted', async () => {
    const before = await scrape();
    h.sim.failNext('chat.postMessage', 1, { status: 429, retryAfter: 1 });
    sims.twilio.failNext(1, { status: 500 });
    const id = String(
      sims.hive.addAlert({ severity: 4, title: 'Metrics tier', description: '', createdAt: Date.now() })._id,
    );
    await eventually(() => smsFor(sims, id).length >= 1, 10_000, 'the tier SMS');
    const text = await eventually(async () => {
      const t = await scrape();
      return sample(t, 'secops_tier_sends_total', { method: 'slack' }) > 0 && t;
    }, 10_000);
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sample(text, name, labels) - sample(before, name, labels);
    assert.ok(delta('secops_tier_sends_total', { method: 'sms', result: 'sent' }) >= 1);
    assert.ok(delta('secops_tier_sends_total', { method: 'slack', result: 'sent' }) >= 1);
    assert.ok(delta('secops_tier_lateness_seconds_count') >= 1);
    assert.ok(delta('secops_twilio_errors_total', { operation: 'sms' }) >= 1, 'the failed first SMS attempt');
    assert.ok(delta('secops_slack_api_calls_total', { method: 'chat.postMessage', result: 'rate_limited' }) >= 1);
    assert.ok(
      delta('secops_slack_api_calls_total', { method: 'chat.postMessage', channel: 'alerts', result: 'ok' }) >= 1,
    );
  });
});
