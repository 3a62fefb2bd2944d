/**
 * The lease holder's periodic sweep: work left undone by a failed Slack call (an alert still
 * `new`, an unposted escalation) is finished later without a restart, and a deadline another
 * replica set still fires. The sweep interval and retry waits are short here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ConfirmRig, postAlert, sleep, startRig, waitForQuestion } from './helpers.js';

const SWEEP_MS = 150;

describe('confirm: the periodic sweep retries what failed', () => {
  let rig: ConfirmRig;
  before(async () => {
    rig = await startRig({
      duo: false,
      harness: { botOptions: { confirm: { sweepIntervalMs: SWEEP_MS, lookupRetry: { retries: 1, minDelayMs: 10 } } } },
    });
  });
  after(async () => {
    await rig.stop();
  });

  const db = () => rig.h.bot.deps.db;
  const statusOf = async (id: number) => (await db()('confirm_alerts').where({ id }).first()).status as string;
  const raise = async (body: { user: string; title: string; description: string }) =>
    (await postAlert(rig.h, body)).json as { id: number };
  async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 4000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (await check()) return;
      await sleep(20);
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  it('an alert whose user lookup failed is asked on a later sweep', async () => {
    const { sim } = rig.h;
    // Two failures use up the first attempt and its one retry.
    sim.failNext('users.info', 2, { status: 503 });
    const { id } = await raise({ user: 'U0ALICE', title: 'Sweep: lookup', description: 'd' });
    await waitFor(async () => (await statusOf(id)) === 'asked', 'the alert to be asked');
    await waitFor(
      async () => sim.messages(sim.dmChannelFor('U0ALICE')).some((m) => m.text.includes('Sweep: lookup')),
      'the question DM',
    );
  });

  it('a failed escalation post is retried and posted once', async () => {
    const { sim } = rig.h;
    sim.failNext('chat.postMessage', 1, { status: 500 });
    const { id } = await raise({ user: 'nobody@example.com', title: 'Sweep: escalate', description: 'd' });
    const posts = () => sim.messages('C0ESCAL').filter((m) => m.text.includes(`alert #${id} escalated`));
    await waitFor(async () => posts().length === 1, 'the escalation post');
    await sleep(400);
    assert.equal(posts().length, 1, 'posted exactly once');
    const row = await db()('confirm_alerts').where({ id }).first();
    assert.equal(row.status, 'escalated');
    assert.ok(row.escalation_ts);
    // Retried by the outbox after the 500: the second attempt landed.
    const queued = await db()('outbox')
      .where({ idem_key: `confirm:${id}:escalation` })
      .first();
    assert.equal(queued.status, 'sent');
    assert.equal(Number(queued.attempts), 2);
  });

  it('a deadline moved where this scheduler cannot see it (another replica) still fires', async () => {
    const { id } = await raise({ user: 'U0BOB', title: 'Sweep: other replica', description: 'd' });
    await waitForQuestion(rig.h, 'U0BOB', id);
    // The default 2 h time-out armed this scheduler far ahead; another replica (which never
    // calls this one's changed()) now brings the deadline to the present.
    await db()('confirm_alerts').where({ id }).update({ deadline: Date.now() });
    // The scheduler re-reads the earliest deadline every second; allow a few.
    await waitFor(async () => (await statusOf(id)) === 'escalated', 'the time-out', 3000);
    const row = await db()('confirm_alerts').where({ id }).first();
    assert.equal(row.escalation_reason, 'no_response');
  });
});
