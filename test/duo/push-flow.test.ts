/**
 * "Yes" → Duo Push end to end: real Bolt against the Slack simulator, the bot's real Auth API
 * signing against the Duo simulator (which verifies every signature), the real store. One test
 * per outcome of issue 11.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  clickYes,
  escalationsFor,
  getAlert,
  hasButton,
  raise,
  waitForDuoLink,
  waitForEscalation,
  waitForStatus,
} from '../confirm/helpers.js';
import { type PushRig, startPushRig, waitForPush } from './push-rig.js';

describe('Duo Push from the chat', () => {
  let rig: PushRig;
  before(async () => {
    rig = await startPushRig({ pushTimeoutMs: 800 });
  });
  after(() => rig.stop());
  const dm = (user: string) => rig.h.sim.messages(rig.h.sim.dmChannelFor(user));
  const dmText = (user: string) => JSON.stringify(dm(user));

  it('allow → confirmed; the DM names the device, then says approved, and offers muting', async () => {
    const id = await raise(rig.h, 'U0ALICE', { title: 'Push allow.' });
    await clickYes(rig.h, 'U0ALICE', id);
    const push = await waitForPush(rig.duo, 'alice');
    assert.equal(push.type, 'Security check');
    assert.equal(push.info.Alert, `#${id} Push allow.`);
    assert.equal(push.info.Why, 'role change');
    assert.equal(push.info.From, 'secops-bot');
    await rig.h.sim.waitForMessage((m) => m.text.startsWith('Duo Push sent to iPhone (alice)'), { since: 0 });
    rig.duo.authApi!.answer(push.txid, 'approve');
    const alert = await waitForStatus(rig.h, id, 'confirmed');
    assert.ok(alert.history.some((e) => e.action === 'confirm.push_sent'));
    await rig.h.sim.waitForMessage((m) => hasButton(m, 'confirm_mute'), { since: 0 });
    await rig.h.sim.waitForMessage((m) => m.text === `Duo Push for alert #${id}: :white_check_mark: approved`, {
      since: 0,
    });
    assert.equal(escalationsFor(rig.h, id).length, 0);
    // Every Auth API call the bot made carried a signature the simulator verified.
    assert.ok(rig.duo.authApi!.requests.every((r) => r.signed));
  });

  it('deny → escalated 2fa_failed', async () => {
    const id = await raise(rig.h, 'U0BOB');
    await clickYes(rig.h, 'U0BOB', id);
    rig.duo.authApi!.answer((await waitForPush(rig.duo, 'bob')).txid, 'deny');
    const alert = await waitForStatus(rig.h, id, 'escalated');
    assert.equal(alert.reason, '2fa_failed');
    assert.match(alert.detail ?? '', /denied/);
    await waitForEscalation(rig.h, id);
  });

  it('fraud → escalated 2fa_failed, and the channel post says REPORTED AS FRAUD', async () => {
    const id = await raise(rig.h, 'U0CAROL');
    await clickYes(rig.h, 'U0CAROL', id);
    rig.duo.authApi!.answer((await waitForPush(rig.duo, 'carol')).txid, 'fraud');
    const alert = await waitForStatus(rig.h, id, 'escalated');
    assert.equal(alert.reason, '2fa_failed');
    const post = await waitForEscalation(rig.h, id);
    assert.match(JSON.stringify(post.blocks), /REPORTED AS FRAUD/);
    // The push message is updated right after the escalation is posted.
    for (let i = 0; i < 250 && !/reported as fraud/.test(dmText('U0CAROL')); i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.match(dmText('U0CAROL'), /reported as fraud/);
  });

  it('no answer on the phone → Duo times the push out → escalated 2fa_failed (time-out)', async () => {
    const id = await raise(rig.h, 'U0DAVE');
    await clickYes(rig.h, 'U0DAVE', id);
    await waitForPush(rig.duo, 'dave');
    const alert = await waitForStatus(rig.h, id, 'escalated', 8000);
    assert.equal(alert.reason, '2fa_failed');
    assert.match(alert.detail ?? '', /timed out/);
  });

  it('preauth allow (bypass) is never a confirmation: escalated 2fa_unavailable, saying why', async () => {
    rig.duo.authApi!.setPreauth('alice', { result: 'allow' });
    try {
      const id = await raise(rig.h, 'U0ALICE');
      await clickYes(rig.h, 'U0ALICE', id);
      const alert = await waitForStatus(rig.h, id, 'escalated');
      assert.equal(alert.reason, '2fa_unavailable');
      assert.match(alert.detail ?? '', /bypass/);
      assert.equal(rig.duo.authApi!.pushes().filter((p) => p.username === 'alice' && p.result === 'waiting').length, 0);
    } finally {
      rig.duo.authApi!.setPreauth('alice', null);
    }
  });

  it('preauth deny → escalated 2fa_failed without a push', async () => {
    rig.duo.authApi!.setPreauth('bob', { result: 'deny' });
    try {
      const id = await raise(rig.h, 'U0BOB');
      await clickYes(rig.h, 'U0BOB', id);
      const alert = await waitForStatus(rig.h, id, 'escalated');
      assert.equal(alert.reason, '2fa_failed');
      assert.match(alert.detail ?? '', /refused bob/);
    } finally {
      rig.duo.authApi!.setPreauth('bob', null);
    }
  });

  for (const setting of [{ result: 'enroll' }, { result: 'auth', device: 'sms_only' }] as const) {
    const what = setting.result === 'enroll' ? 'not enrolled' : 'no push-capable device';
    it(`${what} → the Universal Prompt link instead (fallback)`, async () => {
      rig.duo.authApi!.setPreauth('dave', setting);
      try {
        const id = await raise(rig.h, 'U0DAVE');
        await clickYes(rig.h, 'U0DAVE', id);
        const link = await waitForDuoLink(rig.h, 'U0DAVE', id);
        assert.match(link, /\/oauth\/v1\/authorize/);
        const alert = await getAlert(rig.h, id);
        assert.equal(alert.status, 'verifying');
        assert.ok(alert.history.some((e) => e.action === 'confirm.push_fallback'));
      } finally {
        rig.duo.authApi!.setPreauth('dave', null);
      }
    });
  }

  it('Verified Push: the DM shows the code, and the phone approves with it', async () => {
    rig.duo.authApi!.setPreauth('carol', { result: 'auth', verifiedPush: true });
    try {
      const id = await raise(rig.h, 'U0CAROL');
      await clickYes(rig.h, 'U0CAROL', id);
      const push = await waitForPush(rig.duo, 'carol');
      assert.ok(push.verificationCode);
      const msg = await rig.h.sim.waitForMessage(
        (m) => m.text.startsWith('Duo Push sent') && JSON.stringify(m.blocks).includes(`Alert #${id}:`),
        { since: 0 },
      );
      assert.match(JSON.stringify(msg.blocks), new RegExp(`type \\*${push.verificationCode}\\* in Duo Mobile`));
      rig.duo.authApi!.answer(push.txid, 'approve', push.verificationCode!);
      await waitForStatus(rig.h, id, 'confirmed');
    } finally {
      rig.duo.authApi!.setPreauth('carol', null);
    }
  });
});

describe('confirm.second_factor: prompt with both Duo applications configured', () => {
  let rig: PushRig;
  before(async () => {
    rig = await startPushRig({ policy: '  timeout: 1h\n  second_factor: prompt\n' });
  });
  after(() => rig.stop());

  it('a yes gets the Universal Prompt link and no push', async () => {
    const id = await raise(rig.h, 'U0ALICE');
    await clickYes(rig.h, 'U0ALICE', id);
    assert.match(await waitForDuoLink(rig.h, 'U0ALICE', id), /\/oauth\/v1\/authorize/);
    assert.equal(rig.duo.authApi!.pushes().length, 0);
    assert.equal(rig.duo.authApi!.requests.filter((r) => r.path !== '/auth/v2/check').length, 0);
  });
});
