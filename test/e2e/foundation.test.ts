import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startHarness } from '../helpers/bot-harness.js';

describe('foundation: the real Bolt app against the Slack simulator', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  const dm = (user: string) => h.sim.dmChannelFor(user);
  const botReply = (user: string) => (m: { channel: string; user: string; bot_id?: string }) =>
    m.channel === dm(user) && m.bot_id !== undefined;

  it('DM "hi" gets a greeting by first name in that DM, and the envelope is acked', async () => {
    const mark = h.sim.mark();
    const envelope = h.sim.sendDm('U0ALICE', 'hi');
    const reply = await h.sim.waitForMessage(botReply('U0ALICE'), { since: mark, timeoutMs: 5000 });
    assert.match(reply.text, /^Hi Alice!/);
    const ack = await h.sim.waitForAck(envelope);
    assert.ok(ack);
  });

  it('"hello" works too, case-insensitively and with punctuation', async () => {
    const mark = h.sim.mark();
    h.sim.sendDm('U0BOB', 'Hello!');
    const reply = await h.sim.waitForMessage(botReply('U0BOB'), { since: mark, timeoutMs: 5000 });
    assert.match(reply.text, /^Hi Bob!/);
  });

  it('"help" lists what the bot can do', async () => {
    const mark = h.sim.mark();
    h.sim.sendDm('U0ALICE', 'help');
    const reply = await h.sim.waitForMessage(botReply('U0ALICE'), { since: mark, timeoutMs: 5000 });
    assert.match(reply.text, /`help`/);
    assert.match(reply.text, /`hi`/);
  });

  it('unknown text gets a hint to type help', async () => {
    const mark = h.sim.mark();
    h.sim.sendDm('U0ALICE', 'what is the meaning of life');
    const reply = await h.sim.waitForMessage(botReply('U0ALICE'), { since: mark, timeoutMs: 5000 });
    assert.match(reply.text, /Type `help`/);
  });

  it('odd input does not crash it: empty, huge, emoji, mentions, mrkdwn', async () => {
    for (const text of [
      '',
      ' ',
      'x'.repeat(40_000),
      '🔥🔥🔥',
      '<@U0BOB> <!channel>',
      '*bold* _it_ ~s~ `code` <http://evil|click>',
    ]) {
      const mark = h.sim.mark();
      const envelope = h.sim.sendDm('U0DAVE', text);
      await h.sim.waitForAck(envelope);
      const reply = await h.sim.waitForMessage(botReply('U0DAVE'), { since: mark, timeoutMs: 5000 });
      assert.match(reply.text, /help/);
    }
  });

  it('app_mention in a channel answers with help in a thread', async () => {
    const mark = h.sim.mark();
    h.sim.sendMention('U0CAROL', 'C0ALERTS', '<@U0BOT> what can you do?');
    const reply = await h.sim.waitForMessage((m) => m.channel === 'C0ALERTS' && m.bot_id !== undefined, {
      since: mark,
      timeoutMs: 5000,
    });
    assert.match(reply.text, /`help`/);
    assert.ok(reply.thread_ts);
  });

  it('ignores its own echoes, edits and other bots (exactly one reply per human message)', async () => {
    const mark = h.sim.mark();
    h.sim.sendDm('U0CAROL', 'hi');
    await h.sim.waitForMessage(botReply('U0CAROL'), { since: mark, timeoutMs: 5000 });
    h.sim.editMessage(
      { channel: dm('U0CAROL'), ts: h.sim.messages(dm('U0CAROL')).find((m) => !m.bot_id)!.ts },
      'hello again',
    );
    h.sim.postBotMessage(dm('U0CAROL'), 'I am another bot');
    await new Promise((r) => setTimeout(r, 300));
    const replies = h.sim.messages(dm('U0CAROL')).filter((m) => m.bot_id === h.sim.seed.botId);
    assert.equal(replies.length, 1, 'no reply to the echo, the edit or the other bot');
  });

  it('every envelope so far was acked, quickly', () => {
    const stats = h.sim.ackStats();
    assert.ok(stats.acked > 0);
    assert.equal(stats.timedOut, 0, JSON.stringify(stats));
    assert.equal(stats.pending, 0, JSON.stringify(stats));
  });

  it('after a disconnect (refresh_requested) the bot reconnects and still answers', async () => {
    const reconnected = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (h.sim.connections() > 0) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    h.sim.disconnect('refresh_requested');
    await reconnected;
    const mark = h.sim.mark();
    h.sim.sendDm('U0ALICE', 'hi');
    const reply = await h.sim.waitForMessage(botReply('U0ALICE'), { since: mark, timeoutMs: 10_000 });
    assert.match(reply.text, /^Hi Alice!/);
  });

  it('/healthz is 200 "ok" when DB and Slack are up, 200 "degraded: slack" while Slack is down, "ok" after', async () => {
    const ok = await fetch(`${h.url}/healthz`);
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as Record<string, unknown>;
    assert.equal(body.status, 'ok');
    assert.equal(body.db, 'ok');
    assert.equal(body.slack, 'connected');

    await h.sim.setDown(true);
    const down = await poll(async () => {
      const r = await fetch(`${h.url}/healthz`);
      const b = (await r.json()) as Record<string, unknown>;
      assert.equal(r.status, 200, 'the bot still pages without Slack: no restart wanted');
      return b.status === 'degraded' ? b : null;
    });
    assert.deepEqual(down.degraded, ['slack']);
    assert.equal(down.slack, 'disconnected');
    assert.equal(down.db, 'ok');

    await h.sim.setDown(false);
    await poll(async () => {
      const b = (await (await fetch(`${h.url}/healthz`)).json()) as Record<string, unknown>;
      return b.status === 'ok' ? true : null;
    }, 30_000);
    const mark = h.sim.mark();
    h.sim.sendDm('U0BOB', 'hi');
    await h.sim.waitForMessage(botReply('U0BOB'), { since: mark, timeoutMs: 5000 });
  });
});

async function poll<T>(fn: () => Promise<T | null>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== null) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not reached in time');
}
