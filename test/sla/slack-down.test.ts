/**
 * Issue 15 §1: paging must not depend on Slack. With Slack unreachable (from the start, or lost
 * while the bot runs) the lease, poller and outbox run anyway, a tier's SMS and call go out on
 * time, /healthz says "degraded: slack" with a 200, and once Slack is back the notice arrives,
 * marked late, and Slack events are handled (Bolt's token check is retried, not cached as a
 * failure; the socket reconnects).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SlackSimulator } from '../../src/sandbox/slack/index.js';
import { type Harness, startHarness } from '../helpers/bot-harness.js';
import { callsFor, eventually, freePort, noticeOf, type SlaSims, slaEnv, smsFor, startSims } from './sla-helpers.js';

for (const when of ['at start-up', 'mid-run'] as const)
  describe(`Slack unreachable ${when}`, () => {
    let sims: SlaSims;
    let sim: SlackSimulator;
    let h: Harness;
    before(async () => {
      sims = await startSims();
      sim = await SlackSimulator.start();
      if (when === 'at start-up') await sim.setDown(true);
      h = await startHarness({
        sim,
        env: slaEnv(sims, await freePort()),
        botOptions: {
          slackStartWaitMs: 100,
          outbox: { pollMs: 50, backoffMs: 100, maxBackoffMs: 500, lateAfterMs: 1000 },
        },
      });
    });
    after(async () => {
      await h.stop();
      await sim.stop();
      await sims.stop();
    });

    it('pages by SMS and call on time, then delivers the notice (marked late) when Slack is back', async () => {
      if (when === 'mid-run') {
        await eventually(() => sim.connections() > 0, 10_000, 'the bot connected to Slack');
        await sim.setDown(true);
        await eventually(
          async () => ((await (await fetch(`${h.url}/healthz`)).json()) as { status: string }).status === 'degraded',
          15_000,
          '/healthz to notice Slack is gone',
        );
      }
      const health = await fetch(`${h.url}/healthz`);
      assert.equal(health.status, 200, 'paging works: no orchestrator restart wanted');
      const body = (await health.json()) as { status: string; degraded?: string[] };
      assert.deepEqual([body.status, body.degraded], ['degraded', ['slack']]);

      // Severity 4: 1 s slack+sms, 3 s slack+call+escalate.
      const created = Date.now();
      const id = String(sims.hive.addAlert({ severity: 4, title: 'Slack is away', description: 'x' })._id);
      await eventually(() => smsFor(sims, id)[0], 8000, 'the tier-1 SMS while Slack is down');
      await eventually(() => callsFor(sims, id)[0], 10_000, 'the tier-2 call while Slack is down');
      assert.ok(Date.now() - created < 12_000, 'pages did not wait for Slack');
      assert.equal(noticeOf(sim, id).notice, undefined);

      await sim.setDown(false);
      const notice = await eventually(() => noticeOf(sim, id).notice, 20_000, 'the notice once Slack is back');
      assert.match(notice.text, /delivered late, queued at/);

      // Events are authorized again: the token check was retried once Slack answered.
      const mark = sim.mark();
      sim.sendDm('U0ALICE', 'hi');
      const reply = await sim.waitForMessage((m) => m.channel !== 'C0ALERTS' && /^Hi/.test(m.text), {
        since: mark,
        timeoutMs: 15_000,
      });
      assert.match(reply.text, /^Hi/);
      sims.hive.closeAlert(id);
    });
  });
