/**
 * After a "no", the user's explanation goes into the escalation's thread. When Slack refuses that
 * thread post, the outbox posts it later: once, never twice.
 */
import assert from 'node:assert/strict';
import { listAudit } from '../../src/store/audit.js';
import { storeKinds } from '../helpers/stores.js';
import { type ConfirmRig, postAlert, sleep, startRig, waitForEscalation, waitForQuestion } from './helpers.js';

const SWEEP_MS = 150;

for (const kind of storeKinds()) {
  const title = `confirm: an explanation Slack refused is posted by the sweep (${kind.kind})`;
  kind.describe(title, ({ it, before, after }) => {
    let rig: ConfirmRig;
    before(async () => {
      rig = await startRig({
        duo: false,
        store: await kind.create(),
        harness: {
          botOptions: { confirm: { sweepIntervalMs: SWEEP_MS, lookupRetry: { retries: 1, minDelayMs: 10 } } },
        },
      });
    });
    after(async () => {
      await rig.stop();
    });

    it('the failed thread post is retried on a later sweep, and lands exactly once', async () => {
      const { sim } = rig.h;
      const db = rig.h.bot.deps.db;
      const dm = sim.dmChannelFor('U0BOB');
      const { id } = (await postAlert(rig.h, { user: 'U0BOB', title: 'Comment retry', description: 'd' })).json as {
        id: number;
      };
      sim.clickButton('U0BOB', await waitForQuestion(rig.h, 'U0BOB', id), 'confirm_no');
      const escalation = await waitForEscalation(rig.h, id);
      await sim.waitForMessage((m) => m.channel === dm && /reply here/.test(m.text), { since: 0, timeoutMs: 5000 });

      // The bot's next two posts are the thanks DM and the thread post, in either order: the sweep
      // may pick up the stored explanation while the DM listener is still thanking the user.
      sim.failNext('chat.postMessage', 2, { error: 'internal_error' });
      sim.sendDm('U0BOB', 'I was asleep at the time');
      const replies = () => sim.messages('C0ESCAL').filter((m) => m.thread_ts === escalation.ts);
      const reply = await sim.waitForMessage((m) => m.channel === 'C0ESCAL' && m.thread_ts === escalation.ts, {
        since: 0,
        timeoutMs: 5000,
      });
      assert.match(reply.text, /I was asleep at the time/);

      // Several more sweeps find nothing left to post.
      await sleep(SWEEP_MS * 4);
      assert.equal(replies().length, 1, 'posted exactly once');
      const actions = (await listAudit(db, `confirm:${id}`)).map((e) => e.action);
      assert.equal(actions.filter((a) => a === 'confirm.comment_posted').length, 1);
      const queued = await db('outbox')
        .where({ idem_key: `confirm:${id}:comment` })
        .first();
      assert.equal(queued.status, 'sent');
      const row = await db('confirm_alerts').where({ id }).first();
      assert.ok(row.comment_posted_at !== null);
      assert.equal(row.comment, 'I was asleep at the time');
    });
  });
}
