/**
 * What the flow does when Slack or Duo fails part-way, and that every message it then sends is
 * true: 429s honoured, Duo start-up failures escalated, pages and DMs that never claim a post
 * that did not happen, and a max-size alert that still fits Slack's Block Kit limits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LIMITS } from '../../src/confirm/intake-validation.js';
import {
  escalationsFor,
  finishDuo,
  getAlert,
  hasButton,
  postAlert,
  raise,
  useRig,
  waitForEscalation,
  waitForQuestion,
  waitForStatus,
  yesAndLink,
} from './helpers.js';

describe('confirm: failures part-way', () => {
  const rig = useRig({ policy: '  timeout: 1h\n  max_ignore: 1h\n' });
  const h = () => rig.h;
  const dm = (user: string) => h().sim.dmChannelFor(user);

  it('a 429 on the user lookup is retried after its Retry-After, not sooner', async () => {
    h().sim.failNext('users.info', 1, { status: 429, retryAfter: 2 });
    const id = await raise(h(), 'U0ALICE');
    const alert = await waitForStatus(h(), id, 'asked', 8000);
    const at = (action: string) => Date.parse(alert.history.find((e) => e.action === action)!.at);
    assert.ok(at('confirm.asked') - at('confirm.created') >= 1900, 'waited for Retry-After');
    await waitForQuestion(h(), 'U0ALICE', id);
  });

  it('a 429 on conversations.open is retried, and the question arrives', async () => {
    h().sim.failNext('conversations.open', 1, { status: 429, retryAfter: 1 });
    const id = await raise(h(), 'U0BOB');
    await waitForQuestion(h(), 'U0BOB', id, 5000);
    assert.ok(!(await getAlert(h(), id)).history.some((e) => e.action === 'confirm.dm_failed'));
  });

  it('a question DM Slack refuses with 500s for seconds is retried, arrives once, and its buttons work', async () => {
    // Issue 9 case 2: the DM path used to keep its claim after a refusal, so the alert stayed asked forever.
    h().sim.failNext('chat.postMessage', 8, { status: 500 });
    const id = await raise(h(), 'U0CAROL');
    const q = await waitForQuestion(h(), 'U0CAROL', id, 20_000);
    const questions = h()
      .sim.messages(dm('U0CAROL'))
      .filter((m) => hasButton(m, 'confirm_yes', String(id)));
    assert.equal(questions.length, 1, 'the question is posted once');
    h().sim.clickButton('U0CAROL', q, 'confirm_no');
    assert.equal((await waitForStatus(h(), id, 'escalated')).reason, 'denied');
  });

  it('a max-size alert still produces the question and the escalation', async () => {
    const { status, json } = await postAlert(h(), {
      user: 'U0DAVE',
      title: `Max ${'&'.repeat(LIMITS.title - 4)}`,
      description: '<'.repeat(LIMITS.description),
      reason: '>'.repeat(LIMITS.reason),
      url: `https://example.com/${'a'.repeat(LIMITS.url - 20)}`,
    });
    assert.equal(status, 201);
    const id = Number(json.id);
    const q = await waitForQuestion(h(), 'U0DAVE', id);
    h().sim.clickButton('U0DAVE', q, 'confirm_no');
    assert.equal((await waitForStatus(h(), id, 'escalated')).reason, 'denied');
    await waitForEscalation(h(), id);
  });

  it('a Duo link Slack refuses with a 500 is retried, and the check goes on', async () => {
    const id = await raise(h(), 'U0ALICE');
    await waitForQuestion(h(), 'U0ALICE', id);
    // The Duo link is the next message the bot posts.
    h().sim.failNext('chat.postMessage', 1, { status: 500 });
    const link = await yesAndLink(h(), 'U0ALICE', id);
    await finishDuo(h(), rig.duo!, link, 'allow');
    await waitForStatus(h(), id, 'confirmed');
  });

  it('an escalation Slack refuses with 500s for a while is delivered once Slack recovers', async () => {
    const id = await raise(h(), 'U0BOB');
    const link = await yesAndLink(h(), 'U0BOB', id);
    h().sim.failNext('chat.postMessage', 4, { status: 500 });
    const page = await finishDuo(h(), rig.duo!, link, 'deny');
    assert.equal(page.status, 403);
    assert.match(page.html, /has been told/);
    await waitForEscalation(h(), id);
    const alert = await getAlert(h(), id);
    assert.ok(alert.history.some((e) => e.action === 'confirm.escalation_posted'));
    await h().sim.waitForMessage(
      (m) =>
        m.channel === dm('U0BOB') && m.text.includes("I've let the security team know") && m.text.includes(`#${id}`),
      { since: 0 },
    );
  });

  it('an escalation answered 429 waits its Retry-After in the outbox, then is posted once', async () => {
    const id = await raise(h(), 'U0DAVE');
    const q = await waitForQuestion(h(), 'U0DAVE', id);
    // The escalation is the next post the bot makes after the click.
    h().sim.failNext('chat.postMessage', 1, { status: 429, retryAfter: 2 });
    const clicked = Date.now();
    h().sim.clickButton('U0DAVE', q, 'confirm_no');
    await waitForEscalation(h(), id, 10_000);
    // A lower bound only: a busy machine can make it later, never sooner.
    assert.ok(Date.now() - clicked >= 1900, 'waited for Retry-After');
    assert.equal(escalationsFor(h(), id).length, 1);
  });

  it('DM `test` says what happened: sent, or muted by the user', async () => {
    let mark = h().sim.mark();
    h().sim.sendDm('U0DAVE', 'test');
    const sent = await h().sim.waitForMessage((m) => m.channel === dm('U0DAVE') && /sent you test alert/.test(m.text), {
      since: mark,
    });
    const id = Number(/#(\d+)/.exec(sent.text)![1]);
    const q = await waitForQuestion(h(), 'U0DAVE', id);
    // The reason is plain text, not lookalike backticks.
    assert.ok(!JSON.stringify(q.blocks).includes('\u02CB'));
    assert.match(JSON.stringify(q.blocks), /You typed \\"test\\"/);
    await finishDuo(h(), rig.duo!, await yesAndLink(h(), 'U0DAVE', id), 'allow');
    await waitForStatus(h(), id, 'confirmed');
    const thanks = await h().sim.waitForMessage(
      (m) => m.channel === dm('U0DAVE') && hasButton(m, 'confirm_mute') && JSON.stringify(m.blocks).includes(`#${id}`),
      { since: 0 },
    );
    mark = h().sim.mark();
    h().sim.clickButton('U0DAVE', thanks, 'confirm_mute');
    await h().sim.waitForEphemeral((e) => e.user === 'U0DAVE' && /Muted alerts titled/.test(e.text), { since: mark });

    mark = h().sim.mark();
    h().sim.sendDm('U0DAVE', 'test');
    const reply = await h().sim.waitForMessage((m) => m.channel === dm('U0DAVE') && /test alert #/.test(m.text), {
      since: mark,
    });
    assert.match(reply.text, /didn't send you test alert #\d+: you muted/);
    const mutedId = Number(/#(\d+)/.exec(reply.text)![1]);
    assert.equal((await getAlert(h(), mutedId)).status, 'ignored');
  });
});
