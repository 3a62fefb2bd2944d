/**
 * Duo Push across restarts, replicas, rate limits and outages: a push is sent once and its
 * answer applied once, whatever happens between the push and the answer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PushStore } from '../../src/confirm/push/push-store.js';
import { DuoSimulator } from '../../src/sandbox/duo/duo-simulator.js';
import { SlackSimulator } from '../../src/sandbox/slack/index.js';
import { openDatabase } from '../../src/store/db.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { clickYes, escalationsFor, getAlert, raise, waitForEscalation, waitForStatus } from '../confirm/helpers.js';
import { type Harness, startHarness } from '../helpers/bot-harness.js';
import { storeKinds } from '../helpers/stores.js';
import { PUSH_BOT_OPTIONS, PUSH_IKEY, type PushRig, pushEnv, startPushRig, waitForPush } from './push-rig.js';

describe('Duo Push: restart between the push and the answer', () => {
  let rig: PushRig;
  before(async () => {
    rig = await startPushRig();
  });
  after(() => rig.stop());

  it('resumes polling the same txid and never pushes twice', async () => {
    const id = await raise(rig.h, 'U0ALICE');
    await clickYes(rig.h, 'U0ALICE', id);
    const push = await waitForPush(rig.duo, 'alice');
    await rig.h.restart();
    rig.duo.authApi!.answer(push.txid, 'approve');
    await waitForStatus(rig.h, id, 'confirmed', 8000);
    assert.equal(rig.duo.authApi!.pushes().filter((p) => p.username === 'alice').length, 1);
    const alert = await getAlert(rig.h, id);
    assert.equal(alert.history.filter((e) => e.action === 'confirm.confirmed').length, 1);
  });

  it('a restart while the push was being sent is not a second push: 2fa_unavailable, saying why', async () => {
    const id = await raise(rig.h, 'U0BOB');
    await waitForStatus(rig.h, id, 'asked');
    // Simulate dying between "pushing" and learning the txid: the row says pushing, no txid.
    await rig.h.bot.deps.db('confirm_pushes').insert({
      alert_id: id,
      user_id: 'U0BOB',
      username: 'bob',
      stage: 'pushing',
      created_at: Date.now(),
      updated_at: Date.now(),
    });
    await rig.h.bot.deps
      .db('confirm_alerts')
      .where({ id })
      .update({ status: 'verifying', deadline: Date.now() + 60_000 });
    const alert = await waitForStatus(rig.h, id, 'escalated', 8000);
    assert.equal(alert.reason, '2fa_unavailable');
    assert.match(alert.detail ?? '', /not sent a second time/);
    assert.equal(rig.duo.authApi!.pushes().filter((p) => p.username === 'bob').length, 0);
  });

  it('429s are waited out with back-off, then the answer lands', async () => {
    const id = await raise(rig.h, 'U0CAROL');
    rig.duo.authApi!.rateLimitNext(3);
    await clickYes(rig.h, 'U0CAROL', id);
    const push = await waitForPush(rig.duo, 'carol', 8000);
    rig.duo.authApi!.answer(push.txid, 'approve');
    const alert = await waitForStatus(rig.h, id, 'confirmed', 8000);
    assert.ok(alert.history.some((e) => e.action === 'confirm.push_sent'));
  });

  it('a 429 on the push call itself sent nothing: the push is tried again and sent once', async () => {
    const id = await raise(rig.h, 'U0BOB');
    rig.duo.authApi!.rateLimitNext(2, '/auth/v2/auth');
    await clickYes(rig.h, 'U0BOB', id);
    const push = await waitForPush(rig.duo, 'bob');
    rig.duo.authApi!.answer(push.txid, 'approve');
    await waitForStatus(rig.h, id, 'confirmed', 8000);
    assert.equal(rig.duo.authApi!.pushes().filter((p) => p.username === 'bob').length, 1);
  });

  it('a Duo outage during the push is 2fa_unavailable, said as such', async () => {
    const id = await raise(rig.h, 'U0DAVE');
    await clickYes(rig.h, 'U0DAVE', id);
    await waitForPush(rig.duo, 'dave');
    rig.duo.authApi!.setDown(true);
    try {
      const alert = await waitForStatus(rig.h, id, 'escalated', 10_000);
      assert.equal(alert.reason, '2fa_unavailable');
      assert.match(alert.detail ?? '', /Duo could not be reached/);
    } finally {
      rig.duo.authApi!.setDown(false);
    }
  });

  it('/healthz shows Duo ok; the bot stays up when Duo Push is degraded', async () => {
    const res = await fetch(`${rig.h.url}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { duo: string }).duo, 'ok');
  });
});

describe('Duo Push without the Universal Prompt', () => {
  let rig: PushRig;
  before(async () => {
    rig = await startPushRig({ prompt: false, policy: '  timeout: 1h\n  reuse_verification: 10m\n' });
  });
  after(() => rig.stop());

  it('not enrolled and no prompt to fall back on → escalated 2fa_unavailable', async () => {
    rig.duo.authApi!.setPreauth('dave', { result: 'enroll' });
    const id = await raise(rig.h, 'U0DAVE');
    await clickYes(rig.h, 'U0DAVE', id);
    const alert = await waitForStatus(rig.h, id, 'escalated');
    assert.equal(alert.reason, '2fa_unavailable');
    assert.match(alert.detail ?? '', /not enrolled in Duo and the Universal Prompt is not configured/);
  });

  it('reuse_verification: a second alert within the window is confirmed without a push, audited with the reused one', async () => {
    const first = await raise(rig.h, 'U0ALICE');
    await clickYes(rig.h, 'U0ALICE', first);
    rig.duo.authApi!.answer((await waitForPush(rig.duo, 'alice')).txid, 'approve');
    await waitForStatus(rig.h, first, 'confirmed');
    const second = await raise(rig.h, 'U0ALICE');
    await clickYes(rig.h, 'U0ALICE', second);
    const alert = await waitForStatus(rig.h, second, 'confirmed');
    const reused = alert.history.find((e) => e.action === 'confirm.verification_reused') as
      | { reusedAlert?: number; details?: { reusedAlert?: number } }
      | undefined;
    assert.ok(reused, JSON.stringify(alert.history));
    assert.match(JSON.stringify(reused), new RegExp(`"reusedAlert":${first}`));
    assert.equal(rig.duo.authApi!.pushes().filter((p) => p.username === 'alice').length, 1);
    await rig.h.sim.waitForMessage((m) => m.text.includes(`so I didn't push again: alert #${second} is confirmed`), {
      since: 0,
    });
  });

  it('wrong Auth API keys: one clear log line, /healthz 200 with duo degraded, a yes is 2fa_unavailable', async () => {
    await rig.h.restart({ DUO_AUTH_API_SKEY: 'w'.repeat(40) });
    try {
      let body: { duo?: string; status?: string } = {};
      for (let i = 0; i < 50 && body.duo !== 'degraded'; i++) {
        const res = await fetch(`${rig.h.url}/healthz`);
        assert.equal(res.status, 200);
        body = (await res.json()) as typeof body;
        if (body.duo !== 'degraded') await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(body.duo, 'degraded');
      const id = await raise(rig.h, 'U0BOB');
      await clickYes(rig.h, 'U0BOB', id);
      const alert = await waitForStatus(rig.h, id, 'escalated');
      assert.equal(alert.reason, '2fa_unavailable');
      assert.match(alert.detail ?? '', /refused the bot's Auth API keys/);
    } finally {
      await rig.h.restart({ DUO_AUTH_API_SKEY: 'k'.repeat(40) });
    }
  });
});

describe('100 concurrent pushes for 100 users', () => {
  const users = Array.from({ length: 100 }, (_, i) => {
    const n = String(i).padStart(3, '0');
    return {
      id: `U1USER${n}`,
      name: `user${n}`,
      realName: `User ${n}`,
      firstName: 'User',
      lastName: n,
      email: `user${n}@example.com`,
      deleted: false,
      isBot: false,
      tz: 'UTC',
    };
  });
  let rig: PushRig;
  before(async () => {
    const { defaultSeed } = await import('../../src/sandbox/slack/workspace.js');
    const seed = defaultSeed();
    rig = await startPushRig({
      harness: { simOptions: { workspace: { users: [...seed.users, ...users] } } },
      pushTimeoutMs: 60_000,
    });
  });
  after(() => rig.stop());

  it('each is pushed once and resolved by its own answer, none held up by the others', async () => {
    const ids = await Promise.all(users.map((u) => raise(rig.h, u.id)));
    await Promise.all(ids.map((id) => waitForStatus(rig.h, id, 'asked', 30_000)));
    const { waitForQuestion } = await import('../confirm/helpers.js');
    await Promise.all(users.map((u, i) => waitForQuestion(rig.h, u.id, ids[i]!, 30_000)));
    await Promise.all(users.map((u, i) => clickYes(rig.h, u.id, ids[i]!)));
    const pushes = await Promise.all(users.map((u) => waitForPush(rig.duo, u.name, 20_000)));
    // Every push is long-polled at the same time: none waits for another's poll to return.
    for (let i = 0; i < 200 && rig.duo.authApi!.maxHeldPolls < 90; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(rig.duo.authApi!.maxHeldPolls >= 90, `only ${rig.duo.authApi!.maxHeldPolls} polls were open at once`);
    // Answer in reverse order: the last push answered first must not wait for the first.
    for (let i = users.length - 1; i >= 0; i--)
      rig.duo.authApi!.answer(pushes[i]!.txid, i % 2 === 0 ? 'approve' : 'deny');
    const done = await Promise.all(
      ids.map((id, i) => waitForStatus(rig.h, id, i % 2 === 0 ? 'confirmed' : 'escalated', 20_000)),
    );
    done.forEach((a, i) => {
      if (i % 2 === 1) assert.equal(a.reason, '2fa_failed');
    });
    assert.equal(rig.duo.authApi!.pushes().filter((p) => p.username.startsWith('user')).length, 100);
    await waitForEscalation(rig.h, ids[1]!, 20_000);
    assert.equal(escalationsFor(rig.h, ids[1]!).length, 1);
  });
});

const mysql = storeKinds().find((k) => k.kind === 'mysql')!;

mysql.describe('two replicas against one MariaDB', ({ it, before, after }) => {
  let duo: DuoSimulator;
  let sim: SlackSimulator;
  let a: Harness;
  let b: Harness;
  let dir: string;
  let drop: () => Promise<void>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'push-replicas-'));
    writeFileSync(join(dir, 'policy.yaml'), 'confirm:\n  timeout: 1h\n');
    duo = await DuoSimulator.start({
      clientId: 'DIAAAAAAAAAAAAAAAAAA',
      clientSecret: 's'.repeat(40),
      authApi: { ikey: PUSH_IKEY, skey: 'k'.repeat(40), longPollMs: 300 },
    });
    sim = await SlackSimulator.start();
    const store = await mysql.create();
    drop = () => store.drop();
    const env = pushEnv(duo, join(dir, 'policy.yaml'));
    a = await startHarness({ env, sim, store, botOptions: { ...PUSH_BOT_OPTIONS, replicaId: 'replica-a' } });
    b = await startHarness({ env, sim, store, botOptions: { ...PUSH_BOT_OPTIONS, replicaId: 'replica-b' } });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await sim.stop();
    await duo.stop();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a push is sent once and its answer applied once, though both replicas scan for it', async () => {
    const ids = await Promise.all(['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE'].map((u) => raise(a, u)));
    await Promise.all(['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE'].map((u, i) => clickYes(a, u, ids[i]!)));
    const pushes = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((u) => waitForPush(duo, u)));
    // Stop the replica that took the clicks' pushes half the time: the other must resume them.
    await a.stop();
    for (const [i, p] of pushes.entries()) duo.authApi!.answer(p.txid, i % 2 === 0 ? 'approve' : 'fraud');
    for (const [i, id] of ids.entries()) {
      const alert = await waitForStatus(b, id, i % 2 === 0 ? 'confirmed' : 'escalated', 10_000);
      assert.equal(alert.history.filter((e) => /^confirm\.(confirmed|escalated)$/.test(e.action)).length, 1);
    }
    assert.equal(duo.authApi!.pushes().length, 4);
    // The escalation is an outbox row queued with the status: it is posted after the status is visible.
    await waitForEscalation(b, ids[1]!, 10_000);
    assert.equal(escalationsFor(b, ids[1]!).length, 1);
  });
});

describe('push leases', () => {
  for (const kind of storeKinds()) {
    it(`only one owner holds a push until its lease lapses (${kind.kind})`, { skip: kind.skip }, async () => {
      const store = await kind.create();
      const db = openDatabase(store.url);
      try {
        await migrateLatest(db);
        const pushes = new PushStore(db);
        await pushes.create(7, 'U0ALICE', 'alice', 1000);
        await pushes.create(7, 'U0ALICE', 'alice', 1000);
        const claims = await Promise.all([
          pushes.claim(7, 'a', 1000, 500),
          pushes.claim(7, 'b', 1000, 500),
          pushes.claim(7, 'c', 1000, 500),
        ]);
        assert.equal(claims.filter(Boolean).length, 1);
        const winner = ['a', 'b', 'c'][claims.indexOf(true)]!;
        const other = winner === 'a' ? 'b' : 'a';
        assert.equal(await pushes.claim(7, other, 1400, 500), false);
        assert.equal(await pushes.claim(7, winner, 1400, 500), true, 'the owner renews');
        assert.equal(await pushes.claim(7, other, 2000, 500), true, 'a lapsed lease is taken over');
        assert.equal(await pushes.finish(7, 'verified', 'allow', 2000), true);
        assert.equal(await pushes.finish(7, 'verified', 'allow', 2000), false, 'a result is applied once');
        assert.equal(await pushes.claim(7, winner, 9999, 500), false, 'a finished push is never claimed');
      } finally {
        await db.destroy();
        await store.drop();
      }
    });
  }
});
