/**
 * transactionWithRetry: a transaction MariaDB picked as a deadlock victim was rolled back whole,
 * so it is run again; any other error is not. On MariaDB a real deadlock is made: two
 * transactions lock two rows in opposite orders.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type Db, isLockConflict, openDatabase, transactionWithRetry } from '../../src/store/db.js';
import { storeKinds } from '../helpers/stores.js';

const deadlock = () => Object.assign(new Error('Deadlock found when trying to get lock'), { code: 'ER_LOCK_DEADLOCK' });

it('runs the body again after a lock conflict, and not after any other error', async () => {
  const db = openDatabase('sqlite::memory:');
  try {
    let runs = 0;
    const value = await transactionWithRetry(db, async () => {
      runs++;
      if (runs < 3) throw deadlock();
      return 'done';
    });
    assert.equal(value, 'done');
    assert.equal(runs, 3);

    runs = 0;
    await assert.rejects(
      transactionWithRetry(db, async () => {
        runs++;
        throw new Error('constraint');
      }),
      /constraint/,
    );
    assert.equal(runs, 1, 'other errors are not retried');

    runs = 0;
    await assert.rejects(
      transactionWithRetry(
        db,
        async () => {
          runs++;
          throw deadlock();
        },
        3,
      ),
      (err: unknown) => isLockConflict(err),
    );
    assert.equal(runs, 3, 'gives up after its attempts');
  } finally {
    await db.destroy();
  }
});

const mysql = storeKinds().find((k) => k.kind === 'mysql')!;

mysql.describe('transactionWithRetry on MariaDB', ({ it, before, after }) => {
  let store: Awaited<ReturnType<typeof mysql.create>>;
  let db: Db;
  before(async () => {
    store = await mysql.create();
    db = openDatabase(store.url);
    await db.schema.createTable('pair', (t) => {
      t.integer('id').primary();
      t.integer('n').notNullable();
    });
    await db('pair').insert([
      { id: 1, n: 0 },
      { id: 2, n: 0 },
    ]);
  });
  after(async () => {
    await db?.destroy();
    await store?.drop();
  });

  it('two transactions that deadlock both complete, the victim on its second run', async () => {
    let bothHoldFirst!: () => void;
    const holding = new Promise<void>((r) => {
      let n = 0;
      bothHoldFirst = () => {
        if (++n === 2) r();
      };
    });
    let runs = 0;
    const crosswise = (first: number, second: number) =>
      transactionWithRetry(db, async (trx) => {
        runs++;
        await trx('pair').where({ id: first }).increment('n', 1);
        // Only the first run of each waits for the other: a rerun must not wait for a partner.
        if (runs <= 2) {
          bothHoldFirst();
          await Promise.race([holding, new Promise((r) => setTimeout(r, 2000))]);
        }
        await trx('pair').where({ id: second }).increment('n', 1);
      });
    await Promise.all([crosswise(1, 2), crosswise(2, 1)]);
    assert.ok(runs >= 3, `a deadlock victim ran again (runs: ${runs})`);
    const rows = await db('pair').orderBy('id');
    assert.deepEqual(
      rows.map((r: { n: number }) => Number(r.n)),
      [2, 2],
      'each transaction counted once',
    );
  });
});
