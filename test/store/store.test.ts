import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../src/log.js';
import { appendAudit, listAudit } from '../../src/store/audit.js';
import { openDatabase } from '../../src/store/db.js';
import { acquireLease, LeaseKeeper, leaseHolder, releaseLease } from '../../src/store/leases.js';
import { migrateLatest, migrateRollbackAll } from '../../src/store/migrate.js';
import { storeKinds } from '../helpers/stores.js';

for (const store of storeKinds()) {
  describe(`store on ${store.kind}`, { skip: store.skip }, () => {
    it('migrates up, down and up again', async () => {
      const s = await store.create();
      const db = openDatabase(s.url);
      try {
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
      } finally {
        await db.destroy();
        await s.drop();
      }
    });

    it('audit log is append-only and keeps order and details', async () => {
      const s = await store.create();
      const db = openDatabase(s.url);
      try {
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
      } finally {
        await db.destroy();
        await s.drop();
      }
    });

    it('lease: one holder at a time, renewal, expiry and release', async () => {
      const s = await store.create();
      const db = openDatabase(s.url);
      try {
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
      } finally {
        await db.destroy();
        await s.drop();
      }
    });

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

    it('LeaseKeeper: a second keeper takes over when the first stops', async () => {
      const s = await store.create();
      const db = openDatabase(s.url);
      const logger = silentLogger();
      const clock = { now: () => new Date() };
      const a = new LeaseKeeper(db, 'jobs', 'a', clock, logger, 300);
      const b = new LeaseKeeper(db, 'jobs', 'b', clock, logger, 300);
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
        await db.destroy();
        await s.drop();
      }
    });
  });
}
