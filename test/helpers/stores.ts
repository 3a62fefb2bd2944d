import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex from 'knex';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { describeOrSkip, type SuiteApi } from './skippable.js';

export interface TestStore {
  kind: 'sqlite' | 'mysql';
  /** a DATABASE_URL for a fresh, empty database */
  url: string;
  drop(): Promise<void>;
}

export async function freshSqlite(): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'secops-test-'));
  return {
    kind: 'sqlite',
    url: `sqlite:${join(dir, 'bot.sqlite')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A new database on the TEST_MYSQL_URL server, so test files never see each other's rows. */
export async function freshMysql(): Promise<TestStore> {
  const base = process.env.TEST_MYSQL_URL!;
  const name = `secops_t_${randomBytes(5).toString('hex')}`;
  const u = new URL(base);
  const admin = serverConnection(u);
  await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.destroy();
  u.pathname = `/${name}`;
  return {
    kind: 'mysql',
    url: u.toString(),
    drop: async () => {
      const a = serverConnection(u);
      await a.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      await a.destroy();
    },
  };
}

/** A connection to the MySQL server itself (no database selected), for CREATE/DROP DATABASE. */
function serverConnection(u: URL) {
  return knex({
    client: 'mysql2',
    connection: {
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
    },
  });
}

export interface StoreKind {
  kind: 'sqlite' | 'mysql';
  skip: string | false;
  create: () => Promise<TestStore>;
  /** a describe that, when this store is unavailable, reports each of its tests as skipped with the reason */
  describe(name: string, body: (api: SuiteApi) => void): void;
}

/**
 * The store kinds a test should run against. MySQL is skipped with a visible
 * reason only outside CI; in CI a missing TEST_MYSQL_URL is a failure.
 */
export function storeKinds(): StoreKind[] {
  const mysqlUrl = process.env.TEST_MYSQL_URL;
  if (!mysqlUrl && process.env.CI)
    throw new Error('TEST_MYSQL_URL must be set in CI: MySQL store tests may not be skipped there');
  const kind = (k: StoreKind['kind'], skip: string | false, create: () => Promise<TestStore>): StoreKind => ({
    kind: k,
    skip,
    create,
    describe: (name, body) => describeOrSkip(name, { skip }, body),
  });
  return [
    kind('sqlite', false, freshSqlite),
    kind('mysql', mysqlUrl ? false : 'TEST_MYSQL_URL is not set', freshMysql),
  ];
}

/**
 * A fresh, migrated database of `kind` for the enclosing suite: opened in its `before`, dropped
 * in its `after`. Pass the hooks of a skippable suite so nothing runs when it is skipped.
 */
export function useMigratedStore(kind: StoreKind, hooks: Pick<SuiteApi, 'before' | 'after'>): { readonly db: Db } {
  let store: TestStore | undefined;
  let db: Db | undefined;
  hooks.before(async () => {
    store = await kind.create();
    db = openDatabase(store.url);
    await migrateLatest(db);
  });
  hooks.after(async () => {
    await db?.destroy();
    await store?.drop();
  });
  return {
    get db() {
      if (!db) throw new Error('the store opens in before()');
      return db;
    },
  };
}
