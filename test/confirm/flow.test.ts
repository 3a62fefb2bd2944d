/**
 * The whole "did you do this?" flow end to end: real Bolt against the Slack simulator, the real
 * Duo client against the Duo simulator, REST intake, the real store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  escalationsFor,
  finishDuo,
  getAlert,
  hasButton,
  questionsFor,
  raise,
  useRig,
  waitForEscalation,
  waitForQuestion,
  waitForStatus,
  yesAndLink,
} from './helpers.js';

describe('confirm flow: yes / no / Duo / escalation', () => {
  const rig = useRig({ policy: '  timeout: 1h\n  max_ignore: 2s\n' });
  const h = () => rig.h;
  /** The bot's own database connection, for rows the REST API does not show. */
  const db = () => rig.h.bot.deps.db;

  it('yes → Duo allow → confirmed, thanked, nothing in the channel', async () => {
    const id = await raise(h(), 'U0ALICE');
    const link = await yesAndLink(h(), 'U0ALICE', id);
    const page = await finishDuo(h(), rig.duo!, link, 'allow');
    assert.equal(page.status, 200);
    assert.match(page.html, /Verified/);
    const alert = await waitForStatus(h(), id, 'confirmed');
    assert.deepEqual(
      alert.history.map((e) => e.action),
      ['confirm.created', 'confirm.asked', 'confirm.dm_sent', 'confirm.verifying', 'confirm.confirmed'],
    );
    await h().sim.waitForMessage((m) => m.channel === h().sim.dmChannelFor('U0ALICE') && hasButton(m, 'confirm_mute'), {
      since: 0,
    });
    assert.equal(escalationsFor(h(), id).length, 0);
    // Replaying the same callback changes nothing and says so.
    const replay = await fetch(page.callbackUrl);
    assert.equal(replay.status, 409);
    assert.match(await replay.text(), /already confirmed/);
    assert.equal((await getAlert(h(), id)).status, 'confirmed');
  });

  for (const [name, decision, asUser] of [
    ['Duo deny', 'deny', undefined],
    ['a token for another preferred_username', 'allow', 'mallory'],
  ] as const) {
    it(`yes → ${name} → escalated/2fa_failed in the channel`, async () => {
      const id = await raise(h(), 'U0BOB');
      const link = await yesAndLink(h(), 'U0BOB', id);
      const page = await finishDuo(h(), rig.duo!, link, decision, asUser);
      assert.equal(page.status, 403);
      assert.match(page.html, /security team has been told/);
      const alert = await waitForStatus(h(), id, 'escalated');
      assert.equal(alert.reason, '2fa_failed');
      const post = await waitForEscalation(h(), id);
      assert.match(JSON.stringify(post.blocks), /Duo check failed/);
      assert.match(JSON.stringify(post.blocks), /<@U0BOB>/);
      // The user is told, and gets no mute buttons.
      await h().sim.waitForMessage(
        (m) =>
          m.channel === h().sim.dmChannelFor('U0BOB') &&
          m.text.includes(`couldn't verify with Duo`) &&
          m.text.includes(`#${id}`),
        { since: 0 },
      );
    });
  }

  it('yes → a state already used (first callback died midway) → escalated/2fa_failed', async () => {
    const id = await raise(h(), 'U0DAVE');
    const link = await yesAndLink(h(), 'U0DAVE', id);
    // The first load claimed the state a minute ago and never finished.
    await db()('confirm_duo_states')
      .where({ alert_id: id })
      .update({ used_at: Date.now() - 60_000 });
    const page = await finishDuo(h(), rig.duo!, link, 'allow');
    assert.equal(page.status, 403);
    assert.match(page.html, /already used/);
    const alert = await waitForStatus(h(), id, 'escalated');
    assert.equal(alert.reason, '2fa_failed');
    assert.match(alert.detail ?? '', /used twice/);
    await waitForEscalation(h(), id);
  });

  it('yes → an expired state → escalated/2fa_failed', async () => {
    const id = await raise(h(), 'U0DAVE');
    const link = await yesAndLink(h(), 'U0DAVE', id);
    await db()('confirm_duo_states')
      .where({ alert_id: id })
      .update({ expires_at: Date.now() - 1 });
    const page = await finishDuo(h(), rig.duo!, link, 'allow');
    assert.equal(page.status, 403);
    assert.match(page.html, /expired/);
    assert.equal((await waitForStatus(h(), id, 'escalated')).reason, '2fa_failed');
    await waitForEscalation(h(), id);
  });

  it('an unknown state gets an honest page and touches nothing', async () => {
    const res = await fetch(`${h().url}/duo/callback?state=${'x'.repeat(32)}&duo_code=abc`);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /not valid/);
  });

  it('yes while Duo is unhealthy → escalated/2fa_unavailable, said so in the channel', async () => {
    rig.duo!.setHealthy(false);
    try {
      const id = await raise(h(), 'U0ALICE');
      const q = await waitForQuestion(h(), 'U0ALICE', id);
      h().sim.clickButton('U0ALICE', q, 'confirm_yes');
      const alert = await waitForStatus(h(), id, 'escalated');
      assert.equal(alert.reason, '2fa_unavailable');
      const post = await waitForEscalation(h(), id);
      assert.match(JSON.stringify(post.blocks), /could not be verified/);
    } finally {
      rig.duo!.setHealthy(true);
    }
  });

  it('no → escalated/denied; the next DM is attached to the escalation as a thread reply', async () => {
    const id = await raise(h(), 'U0BOB');
    const q = await waitForQuestion(h(), 'U0BOB', id);
    h().sim.clickButton('U0BOB', q, 'confirm_no');
    const alert = await waitForStatus(h(), id, 'escalated');
    assert.equal(alert.reason, 'denied');
    const post = await waitForEscalation(h(), id);
    assert.match(JSON.stringify(post.blocks), /NOT them/);
    await h().sim.waitForMessage((m) => m.channel === h().sim.dmChannelFor('U0BOB') && /reply here/.test(m.text), {
      since: 0,
    });
    h().sim.sendDm('U0BOB', 'I never touched AWS today <!channel>');
    const reply = await h().sim.waitForMessage((m) => m.channel === 'C0ESCAL' && m.thread_ts === post.ts, {
      since: 0,
    });
    assert.match(reply.text, /I never touched AWS today/);
    assert.doesNotMatch(reply.text, /<!channel>/);
    const stored = await getAlert(h(), id);
    assert.equal(stored.comment, 'I never touched AWS today <!channel>');
    assert.ok(stored.history.some((e) => e.action === 'confirm.commented'));
  });

  it('unknown email, deactivated and bot users → escalated/unknown_user in the channel', async () => {
    for (const user of ['nobody@example.com', 'U0ERIN', 'U0SCANNER']) {
      const id = await raise(h(), user);
      const alert = await waitForStatus(h(), id, 'escalated');
      assert.equal(alert.reason, 'unknown_user', user);
      const post = await waitForEscalation(h(), id);
      assert.match(JSON.stringify(post.blocks), /not found in Slack/);
    }
  });

  it('another user clicking the buttons is refused and changes nothing', async () => {
    const id = await raise(h(), 'U0ALICE');
    const q = await waitForQuestion(h(), 'U0ALICE', id);
    const before = await getAlert(h(), id);
    for (const action of ['confirm_yes', 'confirm_no']) {
      const mark = h().sim.mark();
      h().sim.clickButton('U0BOB', q, action);
      const e = await h().sim.waitForEphemeral((x) => x.user === 'U0BOB', { since: mark });
      assert.match(e.text, /only they can answer/);
    }
    const afterClicks = await getAlert(h(), id);
    assert.equal(afterClicks.status, 'asked');
    assert.equal(afterClicks.history.length, before.history.length);
  });

  it('a double click applies once', async () => {
    const id = await raise(h(), 'U0DAVE');
    const q = await waitForQuestion(h(), 'U0DAVE', id);
    h().sim.clickButton('U0DAVE', q, 'confirm_no');
    h().sim.clickButton('U0DAVE', q, 'confirm_no');
    await waitForStatus(h(), id, 'escalated');
    await new Promise((r) => setTimeout(r, 300));
    const alert = await getAlert(h(), id);
    assert.equal(alert.history.filter((e) => e.action === 'confirm.escalated').length, 1);
    assert.equal(escalationsFor(h(), id).length, 1);
  });

  it('ignore rule: mutes that title for that user only, expires, never after a failed 2FA', async () => {
    const title = 'Login from a new country (IS)';
    const id = await raise(h(), 'U0ALICE', { title });
    await finishDuo(h(), rig.duo!, await yesAndLink(h(), 'U0ALICE', id), 'allow');
    await waitForStatus(h(), id, 'confirmed');
    const thanks = await h().sim.waitForMessage(
      (m) => m.channel === h().sim.dmChannelFor('U0ALICE') && hasButton(m, 'confirm_mute', `${id}:2000`),
      { since: 0 },
    );
    // Bob cannot mute Alice's alert.
    let mark = h().sim.mark();
    h().sim.clickButton('U0BOB', thanks, 'confirm_mute');
    assert.match(
      (await h().sim.waitForEphemeral((e) => e.user === 'U0BOB', { since: mark })).text,
      /only they can mute/,
    );
    mark = h().sim.mark();
    h().sim.clickButton('U0ALICE', thanks, 'confirm_mute');
    assert.match(
      (await h().sim.waitForEphemeral((e) => e.user === 'U0ALICE', { since: mark })).text,
      /Muted alerts titled/,
    );

    const muted = await raise(h(), 'U0ALICE', { title: '  login FROM a new   country (IS) ' });
    const ignored = await waitForStatus(h(), muted, 'ignored');
    assert.ok(ignored.rule_id);
    const forBob = await raise(h(), 'U0BOB', { title });
    await waitForStatus(h(), forBob, 'asked');
    await new Promise((r) => setTimeout(r, 2100));
    const afterExpiry = await raise(h(), 'U0ALICE', { title });
    await waitForStatus(h(), afterExpiry, 'asked');
    assert.equal(escalationsFor(h(), muted).length, 0);

    // A failed 2FA: no mute buttons, and forging a mute click for it is refused.
    const failedTitle = 'Sudo on prod-db-1';
    const failed = await raise(h(), 'U0ALICE', { title: failedTitle });
    await finishDuo(h(), rig.duo!, await yesAndLink(h(), 'U0ALICE', failed), 'deny');
    await waitForStatus(h(), failed, 'escalated');
    mark = h().sim.mark();
    h().sim.clickButton('U0ALICE', thanks, 'confirm_mute', `${failed}:2000`);
    assert.match(
      (await h().sim.waitForEphemeral((e) => e.user === 'U0ALICE', { since: mark })).text,
      /Only an alert you confirmed/,
    );
    assert.equal((await db()('confirm_ignore_rules').where({ alert_id: failed })).length, 0);
    const next = await raise(h(), 'U0ALICE', { title: failedTitle });
    await waitForStatus(h(), next, 'asked');
  });

  it('DM `test` runs a harmless test alert through the flow', async () => {
    const mark = h().sim.mark();
    h().sim.sendDm('U0DAVE', 'test');
    const q = await h().sim.waitForMessage(
      (m) =>
        m.channel === h().sim.dmChannelFor('U0DAVE') &&
        hasButton(m, 'confirm_yes') &&
        /test alert/.test(m.text + JSON.stringify(m.blocks)),
      { since: mark },
    );
    const id = Number((q.blocks!.find((b) => b.type === 'actions')!.elements as { value: string }[])[0]!.value);
    await finishDuo(h(), rig.duo!, await yesAndLink(h(), 'U0DAVE', id), 'allow');
    await waitForStatus(h(), id, 'confirmed');
    assert.equal(questionsFor(h(), 'U0DAVE', 'Test alert').length >= 1, true);
  });

  it('alert text cannot inject mentions, links or formatting', async () => {
    const id = await raise(h(), 'U0ALICE', {
      title: '<!channel> *urgent*',
      description: 'see <https://evil.example|your bank> <@U0BOB> `code`',
    });
    const q = await waitForQuestion(h(), 'U0ALICE', id);
    const all = q.text + JSON.stringify(q.blocks);
    for (const bad of ['<!channel>', '<https://evil', '<@U0BOB>', '*urgent*', '`code`']) {
      assert.ok(!all.includes(bad), `${bad} leaked`);
    }
  });
});
