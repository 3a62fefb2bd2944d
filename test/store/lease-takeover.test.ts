/**
 * Issue 12 §2: a crash costs seconds, not the lease TTL. Same-machine holders whose process is
 * gone are taken over at once; live ones, and holders on other machines, are not.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { silentLogger } from '../../src/log.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { format, type HolderProcess, parse, provablyGone, thisHolderProcess } from '../../src/store/holder-process.js';
import { LeaseKeeper, leaseHolder, tryLease } from '../../src/store/leases.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { storeKinds } from '../helpers/stores.js';

const me = thisHolderProcess()!;
const self = parse(me)!;
const clock = { now: () => new Date() };

/** A process that ran on this machine and is gone now, as its lease record names it. */
async function deadProcess(): Promise<string> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const started = (await import('node:fs')).readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  const startTime = started.slice(started.lastIndexOf(')') + 2).split(' ')[19];
  child.kill('SIGKILL');
  await once(child, 'exit');
  return format({ ...self, pid: child.pid!, started: startTime! });
}

async function withDb(store: ReturnType<typeof storeKinds>[number], test: (db: Db) => Promise<void>): Promise<void> {
  const s = await store.create();
  const db = openDatabase(s.url);
  try {
    await migrateLatest(db);
    await test(db);
  } finally {
    await db.destroy();
    await s.drop();
  }
}

describe('provablyGone: containers', () => {
  const noStat = () => null;
  const inContainer = (over: Partial<HolderProcess> = {}): HolderProcess => ({
    boot: 'boot-1',
    container: 'c'.repeat(64),
    pidNamespace: 'pid:[1]',
    pid: 1,
    started: '100',
    ...over,
  });

  it('the same container restarted (a new PID namespace): the old holder died with the old namespace', () => {
    assert.equal(provablyGone(inContainer(), inContainer({ pidNamespace: 'pid:[2]', started: '900' }), noStat), true);
  });

  it('another container, even with the same host name and pid: not provable', () => {
    const other = inContainer({ container: 'd'.repeat(64), pidNamespace: 'pid:[2]' });
    assert.equal(provablyGone(inContainer(), other, noStat), false);
  });

  it('outside containers, another PID namespace or another boot: not provable', () => {
    const bare = inContainer({ container: '' });
    assert.equal(provablyGone(bare, { ...bare, pidNamespace: 'pid:[2]' }, noStat), false);
    assert.equal(provablyGone(inContainer(), inContainer({ boot: 'boot-2', pidNamespace: 'pid:[2]' }), noStat), false);
  });
});

for (const store of storeKinds()) {
  store.describe(`lease takeover on ${store.kind}`, ({ it }) => {
    const t0 = 1_800_000_000_000;

    it('a holder on this machine whose process is gone is taken over at once', () =>
      withDb(store, async (db) => {
        const dead = await deadProcess();
        assert.equal((await tryLease(db, 'scheduler', 'crashed', 60_000, t0, dead)).held, true);
        const r = await tryLease(db, 'scheduler', 'restarted', 60_000, t0 + 10);
        assert.deepEqual(r, { held: true, holder: 'restarted', tookOverFrom: 'crashed' });
        assert.equal(await leaseHolder(db, 'scheduler', t0 + 10), 'restarted');
      }));

    it('a pid now used by a later process is not the holder any more', () =>
      withDb(store, async (db) => {
        await tryLease(db, 'scheduler', 'earlier', 60_000, t0, format({ ...self, started: '1' }));
        assert.equal((await tryLease(db, 'scheduler', 'later', 60_000, t0 + 10)).held, true);
      }));

    it('a live holder (another replica in this very process) keeps its lease', () =>
      withDb(store, async (db) => {
        await tryLease(db, 'scheduler', 'a', 60_000, t0, me);
        assert.deepEqual(await tryLease(db, 'scheduler', 'b', 60_000, t0 + 10, me), { held: false, holder: 'a' });
      }));

    it('a holder on another machine keeps its lease until the TTL', () =>
      withDb(store, async (db) => {
        const dead = parse(await deadProcess())!;
        await tryLease(db, 'scheduler', 'remote', 1000, t0, format({ ...dead, boot: 'another-machine' }));
        assert.equal((await tryLease(db, 'scheduler', 'local', 1000, t0 + 999)).held, false);
        assert.equal((await tryLease(db, 'scheduler', 'local', 1000, t0 + 1000)).held, true, 'expired');
      }));

    it('racing restarted processes: exactly one takes over a dead holder', async () => {
      const s = await store.create();
      const dbs = Array.from({ length: s.kind === 'mysql' ? 4 : 1 }, () => openDatabase(s.url));
      try {
        await migrateLatest(dbs[0]!);
        await tryLease(dbs[0]!, 'scheduler', 'crashed', 60_000, t0, await deadProcess());
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => tryLease(dbs[i % dbs.length]!, 'scheduler', `r${i}`, 60_000, t0 + 10)),
        );
        assert.equal(results.filter((r) => r.held).length, 1);
      } finally {
        for (const db of dbs) await db.destroy();
        await s.drop();
      }
    });

    it('LeaseKeeper: a released lease goes to a waiting keeper within about a second, not a renewal period', () =>
      withDb(store, async (db) => {
        const a = new LeaseKeeper(db, 'jobs', 'a', clock, silentLogger(), 60_000);
        const b = new LeaseKeeper(db, 'jobs', 'b', clock, silentLogger(), 60_000);
        try {
          await a.start();
          await b.start();
          assert.equal(b.holderNow(), 'a', 'b knows who holds it');
          const gained = new Promise<number>((resolve) => b.onChange((held) => held && resolve(Date.now())));
          const stoppedAt = Date.now();
          await a.stop();
          // The holder renews every 20 s here; a waiting keeper asks every second.
          const after = (await gained) - stoppedAt;
          assert.ok(after < 5000, `taken over ${after} ms after the release`);
          assert.equal(b.holderNow(), 'b');
        } finally {
          await a.stop();
          await b.stop();
        }
      }));
  });
}
