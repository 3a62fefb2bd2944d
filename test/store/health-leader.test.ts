/**
 * Issue 16 §2: /healthz shows no host name or pid (the replica id is opaque), and "leader" needs a
 * recent successful renewal: with the database frozen it turns false before the lease could pass
 * to another replica.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { startHarness } from '../helpers/bot-harness.js';
import { storeKinds } from '../helpers/stores.js';
import { eventually } from '../sla/sla-helpers.js';

const health = async (url: string) =>
  (await (await fetch(`${url}/healthz`)).json()) as { leader: boolean; replica: string; leaseHolder: string | null };

describe('/healthz and the scheduler lease', () => {
  it('names this replica and the lease holder by opaque ids only', async () => {
    const h = await startHarness();
    try {
      const text = await (await fetch(`${h.url}/healthz`)).text();
      const body = JSON.parse(text) as { replica: string; leader: boolean; leaseHolder: string };
      assert.match(body.replica, /^replica-[0-9a-f]{8}$/);
      assert.equal(body.leader, true);
      assert.equal(body.leaseHolder, body.replica);
      assert.equal(text.includes(hostname()), false, 'no host name');
      assert.equal(new RegExp(`\\b${process.pid}\\b`).test(text), false, 'no pid');
    } finally {
      await h.stop();
    }
  });

  const mysqlKind = storeKinds().find((k) => k.kind === 'mysql')!;
  it('with the leases table frozen, leader turns false before the TTL runs out', { skip: mysqlKind.skip }, async () => {
    const store = await mysqlKind.create();
    const ttlMs = 9000;
    const h = await startHarness({ store, botOptions: { leaseTtlMs: ttlMs } });
    const locker = await mysql.createConnection(store.url);
    try {
      assert.equal((await health(h.url)).leader, true);
      // Renewals now wait on the lock (50 s by default); `select 1` for the health check still answers.
      await locker.query('LOCK TABLES leases WRITE');
      const frozenAt = Date.now();
      await eventually(async () => (await health(h.url)).leader === false, ttlMs, 'leader: false');
      const after = Date.now() - frozenAt;
      assert.ok(after < ttlMs, `still leader ${after} ms into the freeze`);
      await locker.query('UNLOCK TABLES');
      await eventually(async () => (await health(h.url)).leader, ttlMs, 'leader again after the freeze');
    } finally {
      await locker.query('UNLOCK TABLES').catch(() => {});
      await locker.end();
      await h.stop();
      await store.drop();
    }
  });
});
