import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import winston from 'winston';
import { collectActivity } from '../../src/digest/activity.js';
import { DigestRepository } from '../../src/digest/digest-repository.js';
import type { Feature } from '../../src/feature.js';
import { openDatabase } from '../../src/store/db.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { storeKinds, type TestStore } from '../helpers/stores.js';

const at = (iso: string) => new Date(iso);

for (const kind of storeKinds()) {
  kind.describe(`digest repository on ${kind.kind}`, ({ it, before, after }) => {
    let store: TestStore;
    let db: ReturnType<typeof openDatabase>;
    let other: ReturnType<typeof openDatabase>;
    before(async () => {
      store = await kind.create();
      db = openDatabase(store.url);
      await migrateLatest(db);
      // A second pool stands in for a second replica.
      other = openDatabase(store.url);
    });
    after(async () => {
      await db.destroy();
      await other.destroy();
      await store.drop();
    });

    it('a slot is claimed once, even by many racing claimers on two connections', async () => {
      const slot = at('2026-03-02T09:00:00Z');
      const repos = [new DigestRepository(db), new DigestRepository(other)];
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          repos[i % 2]!.claimSlot(slot, { late: false, now: slot, replica: `r${i % 2}` }),
        ),
      );
      assert.equal(claims.filter((id) => id !== null).length, 1);
      assert.equal(await repos[0]!.isClaimed(slot), true);
      assert.equal(await repos[1]!.isClaimed(at('2026-03-03T09:00:00Z')), false);
    });

    it('on-demand digests never use up a slot and never become the trend baseline', async () => {
      const repo = new DigestRepository(db);
      assert.equal(await repo.previousWithValues(at('2026-03-01T00:00:00Z')), null);
      const done = { status: 'posted' as const, failures: [], channel: 'C0ALERTS', ts: '1.2' };
      const morning = await repo.claimSlot(at('2026-03-02T08:00:00Z'), {
        late: false,
        now: at('2026-03-02T08:00:00Z'),
        replica: 'r',
      });
      await repo.complete(morning!, { ...done, generatedAt: at('2026-03-02T09:00:01Z'), health: 0.9, p0: 5 });
      const first = await repo.createOnDemand({
        requestedBy: 'U0ALICE',
        now: at('2026-03-02T10:00:00Z'),
        replica: 'r',
      });
      const second = await repo.createOnDemand({ requestedBy: 'U0BOB', now: at('2026-03-02T10:00:00Z'), replica: 'r' });
      assert.notEqual(first, second);
      await repo.complete(first, { ...done, generatedAt: at('2026-03-02T10:00:00Z'), health: 0.91, p0: 4 });
      await repo.complete(second, {
        ...done,
        generatedAt: at('2026-03-02T11:00:00Z'),
        health: null,
        p0: null,
        failures: ['Health score unavailable: x', 'P0 issues unavailable: y'],
      });
      const previous = await repo.previousWithValues(at('2026-03-02T12:00:00Z'));
      assert.deepEqual(previous, { health: 0.9, p0: 5, generatedAt: at('2026-03-02T09:00:01Z') }, 'the scheduled one');
      assert.equal(await repo.previousWithValues(at('2026-03-02T09:00:01Z')), null, 'strictly before');
      const stored = (await repo.list()).find((d) => d.id === second)!;
      assert.equal(stored.kind, 'on_demand');
      assert.equal(stored.slotAt, null);
      assert.deepEqual(stored.failures, ['Health score unavailable: x', 'P0 issues unavailable: y']);
    });

    it('a scheduled digest whose metrics all failed is passed over for the one before it', async () => {
      const repo = new DigestRepository(db);
      const done = { status: 'posted' as const, failures: [], channel: 'C0ALERTS', ts: '1.3' };
      const slot = at('2026-03-03T09:00:00Z');
      const id = await repo.claimSlot(slot, { late: false, now: slot, replica: 'r' });
      await repo.complete(id!, { ...done, generatedAt: slot, health: null, p0: null, failures: ['x', 'y'] });
      const previous = await repo.previousWithValues(at('2026-03-03T12:00:00Z'));
      assert.deepEqual(previous, { health: 0.9, p0: 5, generatedAt: at('2026-03-02T09:00:01Z') });
    });
  });
}

describe('digest activity from the other features', () => {
  const logger = winston.createLogger({ silent: true });
  const feature = (name: string, activity?: Feature['activity']): Feature => ({ name, activity });

  it('merges the figures; a failing or hanging source is left out, not fatal', async () => {
    const sources = [
      feature('confirm', async () => ({ confirmations: { asked: 3, confirmed: 2, escalated: 1 } })),
      feature('broken', async () => {
        throw new Error('db gone');
      }),
      feature('hanging', () => new Promise(() => {})),
      feature('digest'),
      feature('sla', async (since) => ({ sla: { breaches: since.getTime() > 0 ? 2 : 0, openPastTier: 1 } })),
    ];
    const activity = await collectActivity(sources, at('2026-03-01T09:00:00Z'), logger, 50);
    assert.deepEqual(activity, {
      confirmations: { asked: 3, confirmed: 2, escalated: 1 },
      sla: { breaches: 2, openPastTier: 1 },
    });
  });
});
