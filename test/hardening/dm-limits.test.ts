/**
 * Issue 16 §2: `test` DMs are limited per person and for everyone, and a DM flood from one
 * person stops being answered. Through the real bot and Bolt against the Slack simulator.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SlidingWindowLimit } from '../../src/slack/listeners/rate-limit.js';
import { type Harness, startHarness } from '../helpers/bot-harness.js';

describe('DM limits through the bot', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  const botReplies = (user: string) =>
    h.sim.messages(h.sim.dmChannelFor(user)).filter((m) => m.bot_id !== undefined && !m.blocks?.length);

  it('a fourth `test` within ten minutes is refused and starts nothing', async () => {
    for (let i = 0; i < 5; i++) h.sim.sendDm('U0ALICE', 'test');
    await h.sim.waitForMessage((m) => /try again in/.test(m.text) && m.channel === h.sim.dmChannelFor('U0ALICE'), 8000);
    const deadline = Date.now() + 8000;
    while (botReplies('U0ALICE').length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const texts = botReplies('U0ALICE').map((m) => m.text);
    assert.equal(texts.filter((t) => /test alert #\d+/.test(t)).length, 3, texts.join('\n'));
    assert.equal(texts.filter((t) => /You can ask for 3 test alerts every 10m .* try again in/.test(t)).length, 2);
  });

  it('one person flooding DMs gets one notice, then silence, for the minute', async () => {
    const channel = h.sim.dmChannelFor('U0BOB');
    for (let i = 0; i < 40; i++) h.sim.sendDm('U0BOB', `hello ${i}`);
    await h.sim.waitForMessage((m) => m.channel === channel && /faster than I can answer/.test(m.text), 8000);
    const replies = () => h.sim.messages(channel).filter((m) => m.bot_id !== undefined);
    const deadline = Date.now() + 8000;
    while (replies().length < 31 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(replies().filter((m) => /faster than I can answer/.test(m.text)).length, 1);
    assert.equal(replies().length, 31, 'thirty answers and one notice');
  });
});

describe('SlidingWindowLimit', () => {
  it('counts hits within the window and says how long until there is room', () => {
    const limit = new SlidingWindowLimit(2, 1000);
    assert.equal(limit.take('a', 0), 0);
    assert.equal(limit.take('a', 100), 0);
    assert.equal(limit.take('a', 200), 800);
    assert.equal(limit.take('b', 200), 0, 'keys are separate');
    assert.equal(limit.waitFor('a', 999), 1);
    assert.equal(limit.take('a', 1000), 0, 'the first hit has left the window');
    assert.equal(limit.take('a', 1050), 50);
  });
});
