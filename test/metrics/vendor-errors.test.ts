/**
 * Issue 12 §4, "the counters move when the flows run", for what metrics.test.ts does not drive:
 * Duo, Nanitor and TheHive failing, and the outbox backlog while Slack refuses posts. Each runs
 * the real bot against a simulator that fails and reads GET /metrics before and after. The
 * registry is one per process, so every check is a difference between two scrapes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NanitorSimulator } from '../../src/sandbox/nanitor/nanitor-simulator.js';
import { clickYes, raise, useRig, waitForQuestion, waitForStatus, yesAndLink } from '../confirm/helpers.js';
import { type PushRig, startPushRig } from '../duo/push-rig.js';
import { type Harness, startHarness } from '../helpers/bot-harness.js';
import { eventually, type SlaSims, slaEnv, startSims } from '../sla/sla-helpers.js';
import { sample, scraper } from './prom-text.js';

describe('metrics: Duo errors and the outbox depth (confirmation flow, Duo simulator)', () => {
  const rig = useRig({ policy: '  timeout: 1h\n  second_factor: prompt\n' });
  const scrape = scraper(() => rig.h.url);
  const duoErrors = (text: string, operation: string) => sample(text, 'secops_duo_errors_total', { operation });

  it('a Duo that fails its health check at the "yes": secops_duo_errors_total{operation="health"}', async () => {
    const h = rig.h;
    const before = await scrape();
    rig.duo!.setHealthy(false);
    try {
      const id = await raise(h, 'U0ALICE');
      await clickYes(h, 'U0ALICE', id);
      assert.equal((await waitForStatus(h, id, 'escalated')).reason, '2fa_unavailable');
    } finally {
      rig.duo!.setHealthy(true);
    }
    assert.equal(duoErrors(await scrape(), 'health') - duoErrors(before, 'health'), 1);
  });

  it('a Duo host that is down during the callback: secops_duo_errors_total{operation="verify"}', async () => {
    const id = await raise(rig.h, 'U0BOB');
    const link = await yesAndLink(rig.h, 'U0BOB', id);
    const redirect = new URL(rig.duo!.decide(rig.duo!.approveUrlFor(link), 'allow'));
    await rig.h.restart({ DUO_API_HOST: '127.0.0.1:1' });
    try {
      const before = await scrape();
      const res = await fetch(`${rig.h.url}${redirect.pathname}${redirect.search}`);
      assert.equal(res.status, 403);
      assert.equal((await waitForStatus(rig.h, id, 'escalated')).reason, '2fa_unavailable');
      assert.equal(duoErrors(await scrape(), 'verify') - duoErrors(before, 'verify'), 1);
    } finally {
      await rig.h.restart({ DUO_API_HOST: rig.duo!.apiHost });
    }
  });

  it('secops_outbox_depth counts a question DM while Slack refuses it, and falls back to 0 once it is sent', async () => {
    const h = rig.h;
    const depth = async () => sample(await scrape(), 'secops_outbox_depth');
    await eventually(async () => (await depth()) === 0, 8000, 'an empty outbox to start from');
    // Six 500s hold the row for seconds of back-off (100 ms doubling); the scrape polls every 25 ms.
    h.sim.failNext('chat.postMessage', 6, { status: 500 });
    const id = await raise(h, 'U0CAROL');
    await eventually(async () => (await depth()) >= 1, 8000, 'the refused DM counted in secops_outbox_depth');
    await waitForQuestion(h, 'U0CAROL', id, 20_000);
    await eventually(async () => (await depth()) === 0, 8000, 'secops_outbox_depth back to 0');
  });
});

describe('metrics: Duo errors in push mode (Auth API, Duo simulator)', () => {
  let rig: PushRig;
  before(async () => {
    rig = await startPushRig({ prompt: false });
  });
  after(() => rig.stop());

  it('the Auth API answering 503 at the "yes": secops_duo_errors_total{operation="preauth"}', async () => {
    const scrape = scraper(() => rig.h.url);
    const errors = (text: string) => sample(text, 'secops_duo_errors_total', { operation: 'preauth' });
    const before = await scrape();
    rig.duo.authApi!.setDown(true);
    try {
      const id = await raise(rig.h, 'U0ALICE');
      await clickYes(rig.h, 'U0ALICE', id);
      assert.equal((await waitForStatus(rig.h, id, 'escalated', 10_000)).reason, '2fa_unavailable');
    } finally {
      rig.duo.authApi!.setDown(false);
    }
    assert.ok(errors(await scrape()) - errors(before) >= 1);
  });
});

describe('metrics: Nanitor errors (the digest, Nanitor simulator)', () => {
  const TOKEN = 'nanitor-test-token-123';
  let nanitor: NanitorSimulator;
  let h: Harness;
  before(async () => {
    nanitor = await NanitorSimulator.start({ apiToken: TOKEN, health: 0.97, p0: 0 });
    // Only fires on 29 February, so the only digest is the one the test asks for.
    h = await startHarness({
      env: { NANITOR_BASE_URL: nanitor.baseUrl, NANITOR_API_TOKEN: TOKEN, DIGEST_SCHEDULE: '0 9 29 2 *' },
    });
  });
  after(async () => {
    await h.stop();
    await nanitor.stop();
  });

  it('Nanitor answering 500 to the health score: secops_nanitor_errors_total{operation="health_score"}', async () => {
    const scrape = scraper(() => h.url);
    const errors = (text: string, operation: string) => sample(text, 'secops_nanitor_errors_total', { operation });
    const before = await scrape();
    nanitor.fail('health', '500');
    const mark = h.sim.mark();
    h.sim.slashCommand('U0CAROL', 'C0ALERTS', '/secops', 'status');
    const posted = await h.sim.waitForMessage((m) => m.channel === 'C0ALERTS' && m.bot_id !== undefined, {
      since: mark,
      timeoutMs: 8000,
    });
    assert.match(posted.text, /Health score unavailable: .*HTTP 500/);
    const text = await scrape();
    // One failed call, however many HTTP retries it made; the P0 count was read.
    assert.equal(errors(text, 'health_score') - errors(before, 'health_score'), 1);
    assert.equal(errors(text, 'p0_count') - errors(before, 'p0_count'), 0);
  });
});

describe('metrics: TheHive errors (SLA poll, TheHive simulator)', () => {
  let sims: SlaSims;
  let h: Harness;
  before(async () => {
    sims = await startSims();
    h = await startHarness({ env: slaEnv(sims) });
  });
  after(async () => {
    await h.stop();
    await sims.stop();
  });

  it('TheHive answering 500 to a poll: secops_thehive_errors_total{operation="list"}, and polls go on', async () => {
    const scrape = scraper(() => h.url);
    const polls = (text: string) => sample(text, 'secops_thehive_poll_duration_seconds_count');
    const errors = (text: string) => sample(text, 'secops_thehive_errors_total', { operation: 'list' });
    const before = await eventually(
      async () => {
        const t = await scrape();
        return polls(t) > 0 && t;
      },
      8000,
      'a first poll',
    );
    // A listing tries 4 times (3 retries) before it fails.
    sims.hive.faults({ failNext: 4 });
    const failed = await eventually(
      async () => {
        const t = await scrape();
        return errors(t) > errors(before) && t;
      },
      15_000,
      'the failed listing counted',
    );
    assert.equal(errors(failed) - errors(before), 1);
    await eventually(async () => polls(await scrape()) > polls(failed), 8000, 'a later poll');
    assert.equal(errors(await scrape()), errors(failed), 'the next poll succeeded');
  });
});
