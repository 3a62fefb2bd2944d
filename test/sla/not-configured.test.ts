import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness } from '../helpers/bot-harness.js';
import { eventually, HIVE_KEY, noticeOf, type SlaSims, sleep, startSims } from './sla-helpers.js';

describe('SLA feature when TheHive or Twilio is not configured', () => {
  let sims: SlaSims;
  before(async () => {
    sims = await startSims();
  });
  after(async () => {
    await sims.stop();
  });

  it('without THEHIVE_URL, /hive says so instead of pretending', async () => {
    const h = await startHarness();
    try {
      for (const text of ['list', 'promote ~1', 'snooze ~1 5']) {
        const mark = h.sim.mark();
        h.sim.slashCommand('U0CAROL', 'C0ALERTS', '/hive', text);
        const reply = await h.sim.waitForEphemeral((e) => e.user === 'U0CAROL', { since: mark, timeoutMs: 5000 });
        assert.match(reply.text, /TheHive is not configured/);
      }
    } finally {
      await h.stop();
    }
  });

  it('without Twilio, the alert thread says once that no SMS or call can be sent', async () => {
    const h = await startHarness({
      env: {
        POLICY_FILE: sims.policyFile,
        THEHIVE_URL: sims.hive.url,
        THEHIVE_API_KEY: HIVE_KEY,
        THEHIVE_POLL_SECONDS: '1',
      },
    });
    try {
      const id = String(sims.hive.addAlert({ severity: 2, title: 'No phone here', description: '' })._id);
      await eventually(() => noticeOf(h.sim, id).notice?.edits === 1, 9000, 'tier 3 updated the notice');
      await sleep(300);
      const warnings = noticeOf(h.sim, id).replies.filter((r) => /Twilio is not configured/.test(r.text));
      assert.equal(warnings.length, 1, 'said once, not per tier or method');
      assert.equal(sims.twilio.messages().length + sims.twilio.calls().length, 0);
    } finally {
      await h.stop();
    }
  });
});
