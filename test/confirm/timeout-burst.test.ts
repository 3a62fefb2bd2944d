/**
 * Issue 16: time-outs in a burst with a slow security channel. Many deadlines passing at once
 * are escalated without one waiting for another's post, and a user's "No" is posted before a
 * backlog of time-out escalations already queued for the channel. Real Bolt against the Slack
 * simulator, which takes one post per channel a second (the bot paces itself the same way).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultSeed, type SlackMessage } from '../../src/sandbox/slack/index.js';
import { raise, sleep, useRig, waitForEscalation, waitForQuestion } from './helpers.js';

const seed = defaultSeed();
/** One user per alert, so question DMs never queue behind each other. */
const crowd = Array.from({ length: 80 }, (_, i) => ({
  ...seed.users[0]!,
  id: `U1T${String(i).padStart(4, '0')}`,
  name: `timeout${i}`,
  email: `timeout${i}@example.com`,
}));

const slowChannelRig = () =>
  useRig({
    duo: false,
    harness: {
      simOptions: { perChannelPerSecond: 1, workspace: { users: [...seed.users, ...crowd] } },
      botOptions: { perChannelIntervalMs: 1000 },
    },
  });

type Rig = ReturnType<typeof slowChannelRig>;

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(25);
  }
  assert.fail(`timed out waiting for ${what}`);
}

const isEscalationOf = (m: SlackMessage, id: number) => !m.thread_ts && m.text.includes(`alert #${id} escalated`);

/** Alerts for `users`, asked, then all made due at the same instant (as a burst of deadlines is). */
async function timeOutTogether(rig: Rig, users: string[]): Promise<number[]> {
  const { h } = rig;
  const db = h.bot.deps.db;
  const ids = await Promise.all(users.map((u) => raise(h, u)));
  await waitFor(
    async () =>
      Number(
        (await db('confirm_alerts').whereIn('id', ids).where({ status: 'asked' }).count({ n: '*' }).first())?.n,
      ) === ids.length,
    'every alert to be asked',
  );
  // The scheduler re-reads the earliest deadline every second, so all of them fire in one pass.
  await db('confirm_alerts').whereIn('id', ids).update({ deadline: Date.now() });
  return ids;
}

/** Escalation rows queued in the outbox for `ids`, by status. */
async function escalationRows(rig: Rig, ids: number[]) {
  const rows: { idem_key: string; status: string; priority: number | string }[] = await rig.h.bot.deps
    .db('outbox')
    .whereIn(
      'idem_key',
      ids.map((id) => `confirm:${id}:escalation`),
    )
    .select('idem_key', 'status', 'priority');
  return rows;
}

describe('confirm: 40 time-outs at once with a slow channel', () => {
  const rig = slowChannelRig();

  it('are all escalated and queued while the channel has taken only a few of their posts', async () => {
    const { h } = rig;
    const db = h.bot.deps.db;
    const ids = await timeOutTogether(
      rig,
      crowd.slice(0, 40).map((u) => u.id),
    );
    let postedWhenAllQueued = -1;
    await waitFor(async () => {
      const escalated = await db('confirm_alerts')
        .whereIn('id', ids)
        .where({ status: 'escalated' })
        .count({ n: '*' })
        .first();
      if (Number(escalated?.n) !== ids.length) return false;
      postedWhenAllQueued = h.sim.messages('C0ESCAL').filter((m) => ids.some((id) => isEscalationOf(m, id))).length;
      return true;
    }, 'all 40 time-outs to be escalated');
    const rows = await escalationRows(rig, ids);
    assert.equal(rows.length, 40, 'every time-out queued its escalation');
    const reasons = await db('confirm_alerts').whereIn('id', ids).distinct('escalation_reason');
    assert.deepEqual(
      reasons.map((r: { escalation_reason: string }) => r.escalation_reason),
      ['no_response'],
    );
    // The channel takes one post a second: had each time-out waited for its post (or for the
    // ones before it), the last would only be escalated after ~39 posts.
    assert.ok(postedWhenAllQueued < 20, `${postedWhenAllQueued} of 40 were already posted when the last was escalated`);
    assert.ok(
      rows.filter((r) => r.status === 'pending' || r.status === 'sending').length > 20,
      'most escalations were still queued for the channel',
    );
    assert.ok(
      rows.every((r) => Number(r.priority) === 0),
      'time-outs are routine',
    );
  });
});

describe('confirm: a "No" behind a backlog of time-out escalations', () => {
  const rig = slowChannelRig();

  it('is posted to the channel before the rest of the backlog', async () => {
    const { h } = rig;
    const no = await raise(h, 'U0ALICE');
    const question = await waitForQuestion(h, 'U0ALICE', no);
    const backlog = await timeOutTogether(
      rig,
      crowd.slice(40, 70).map((u) => u.id),
    );
    const backlogPosted = () =>
      h.sim.messages('C0ESCAL').filter((m) => backlog.some((id) => isEscalationOf(m, id))).length;
    await waitFor(async () => (await escalationRows(rig, backlog)).length === backlog.length, 'the backlog to queue');
    // The channel is busy with the backlog when the user answers.
    await waitFor(async () => backlogPosted() >= 2, 'the backlog to start going out');
    h.sim.clickButton('U0ALICE', question, 'confirm_no');
    // Counted once the "No" is queued (not at the click), so a slow bot does not skew it.
    await waitFor(async () => (await escalationRows(rig, [no])).length === 1, 'the "No" to be queued');
    const postedAtQueue = backlogPosted();
    // Long enough for the whole backlog (30 s at the channel's pace), so a "No" queued behind
    // it fails on the order below rather than on this wait.
    const post = await waitForEscalation(h, no, 45_000);
    assert.match(JSON.stringify(post.blocks), /NOT them/);
    const channel = h.sim.messages('C0ESCAL').filter((m) => !m.thread_ts);
    const before = channel
      .slice(
        0,
        channel.findIndex((m) => m.ts === post.ts),
      )
      .filter((m) => backlog.some((id) => isEscalationOf(m, id))).length;
    // At most the post in flight when it was queued and the one the lane was paced for go first.
    assert.ok(before <= postedAtQueue + 2, `${before} backlog posts went first (${postedAtQueue} when it was queued)`);
    assert.ok(before < backlog.length - 10, 'most of the backlog was still queued');
    const row = await h.bot.deps
      .db('outbox')
      .where({ idem_key: `confirm:${no}:escalation` })
      .first('priority');
    assert.equal(Number(row.priority), 1);
  });
});
