import assert from 'node:assert/strict';
import { silentLogger } from '../../src/log.js';
import { appendAudit, listAudit } from '../../src/store/audit.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { acquireLease, LeaseKeeper, leaseHolder, releaseLease } from '../../src/store/leases.js';
import { migrateLatest, migrateRollbackAll } from '../../src/store/migrate.js';
import { storeKinds } from '../helpers/stores.js';

/** A fresh, empty database of one store kind for `test`, dropped afterwards. */
async function withDb(store: ReturnType<typeof storeKinds>[number], test: (db: Db) => Promise<void>): Promise<void> {
  const s = await store.create();
  const db = openDatabase(s.url);
  try {
    await test(db);
  } finally {
    await db.destroy();
    await s.drop();
  }
}

const clock = { now: () => new Date() };

for (const store of storeKinds()) {
  store.describe(`store on ${store.kind}`, ({ it }) => {
    it('migrates up, down and up again', () =>
      withDb(store, async (db) => {
        const applied = await migrateLatest(db);
        assert.ok(applied.some((n) => n.includes('foundation')));
        assert.ok(await db.schema.hasTable('audit_log'));
        assert.ok(await db.schema.hasTable('leases'));
        assert.deepEqual(await migrateLatest(db), [], 'second run applies nothing');
        const rolledBack = await migrateRollbackAll(db);
        assert.equal(rolledBack.length, applied.length);
        assert.equal(await db.schema.hasTable('audit_log'), false);
        assert.equal(await db.schema.hasTable('leases'), false);
        assert.deepEqual(await migrateLatest(db), applied);
      }));

    it('audit log is append-only and keeps order and details', () =>
      withDb(store, async (db) => {
        await migrateLatest(db);
        const at = new Date('2026-11-23T10:00:00.123Z');
        await appendAudit(db, {
          at,
          actor: 'U0ALICE',
          action: 'answered_yes',
          subject: 'confirm:1',
          details: { from: 'asked', to: 'verifying' },
        });
        await appendAudit(db, {
          at,
          actor: 'system',
          action: 'timed_out',
          subject: 'confirm:1',
          details: { emoji: '🚨', n: 1 },
        });
        await appendAudit(db, { at, actor: 'system', action: 'other', subject: 'confirm:2', details: {} });
        const rows = await listAudit(db, 'confirm:1');
        assert.deepEqual(
          rows.map((r) => [r.actor, r.action, r.at.getTime()]),
          [
            ['U0ALICE', 'answered_yes', at.getTime()],
            ['system', 'timed_out', at.getTime()],
          ],
        );
        assert.deepEqual(rows[1]!.details, { emoji: '🚨', n: 1 });
      }));

    it('lease: one holder at a time, renewal, expiry and release', () =>
      withDb(store, async (db) => {
        await migrateLatest(db);
        const t0 = 1_800_000_000_000;
        assert.equal(await acquireLease(db, 'scheduler', 'a', 1000, t0), true);
        assert.equal(await acquireLease(db, 'scheduler', 'b', 1000, t0 + 10), false, 'b cannot take a live lease');
        assert.equal(await acquireLease(db, 'scheduler', 'a', 1000, t0 + 500), true, 'a renews');
        assert.equal(await acquireLease(db, 'scheduler', 'b', 1000, t0 + 1400), false, 'renewal extended it');
        assert.equal(await leaseHolder(db, 'scheduler', t0 + 1400), 'a');
        assert.equal(await acquireLease(db, 'scheduler', 'b', 1000, t0 + 1500), true, 'b takes the expired lease');
        assert.equal(await acquireLease(db, 'scheduler', 'a', 1000, t0 + 1600), false, 'a lost it');
        assert.equal(await acquireLease(db, 'other', 'a', 1000, t0 + 1600), true, 'leases are independent');
        await releaseLease(db, 'scheduler', 'a');
        assert.equal(await leaseHolder(db, 'scheduler', t0 + 1600), 'b', 'only the holder can release');
        await releaseLease(db, 'scheduler', 'b');
        assert.equal(await leaseHolder(db, 'scheduler', t0 + 1600), null);
      }));

    it('lease: racing acquirers get exactly one winner', async () => {
      const s = await store.create();
      const dbs = Array.from({ length: s.kind === 'mysql' ? 5 : 1 }, () => openDatabase(s.url));
      try {
        await migrateLatest(dbs[0]!);
        const now = 1_800_000_000_000;
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => acquireLease(dbs[i % dbs.length]!, 'race', `holder-${i}`, 5000, now)),
        );
        assert.equal(results.filter(Boolean).length, 1);
      } finally {
        for (const db of dbs) await db.destroy();
        await s.drop();
      }
    });

    it('LeaseKeeper: a second keeper takes over when the first stops', () =>
      withDb(store, async (db) => {
        const a = new LeaseKeeper(db, 'jobs', 'a', clock, silentLogger(), 300);
        const b = new LeaseKeeper(db, 'jobs', 'b', clock, silentLogger(), 300);
        try {
          await migrateLatest(db);
          await a.start();
          await b.start();
          assert.equal(a.isHeld(), true);
          assert.equal(b.isHeld(), false);
          const gained = new Promise<void>((resolve) => b.onChange((held) => held && resolve()));
          await a.stop();
          await gained;
          assert.equal(b.isHeld(), true);
        } finally {
          await a.stop();
          await b.stop();
        }
      }));

    it('LeaseKeeper: stopping during a renewal that would gain the lease leaves it released', () =>
      withDb(store, async (db) => {
        await migrateLatest(db);
        await acquireLease(db, 'jobs', 'other', 60_000, Date.now());
        const keeper = new LeaseKeeper(db, 'jobs', 'k', clock, silentLogger(), 150);
        const changes: boolean[] = [];
        keeper.onChange((held) => changes.push(held));
        try {
          await keeper.start();
          assert.equal(keeper.isHeld(), false);
          await db('leases').where({ name: 'jobs' }).update({ expires_at: 0 });
          // Stop exactly when the next renewal's UPDATE goes to the database: it will take the expired lease.
          const stopped = new Promise<void>((resolve) => {
            const onQuery = (q: { sql: string }) => {
              if (!/^update\b/i.test(q.sql)) return;
              db.removeListener('query', onQuery);
              resolve(keeper.stop());
            };
            db.on('query', onQuery);
          });
          await stopped;
          assert.equal(keeper.isHeld(), false);
          assert.deepEqual(changes, [], 'a lease gained while stopping is never announced');
          assert.equal(await leaseHolder(db, 'jobs', Date.now()), null, 'and it is released');
        } finally {
          await keeper.stop();
        }
      }));
  });
}
