import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import knex, { type Knex } from 'knex';

export type Db = Knex;

export type Dialect = 'mysql' | 'sqlite';

export function dialectOf(db: Db): Dialect {
  return db.client.config.client === 'mysql2' ? 'mysql' : 'sqlite';
}

/**
 * Opens the store named by DATABASE_URL. All timestamps are stored as BIGINT
 * milliseconds since the epoch, so SQLite and MySQL agree and no driver time-zone
 * conversion can shift a deadline.
 */
export function openDatabase(url: string): Db {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
    return knex({
      client: 'better-sqlite3',
      connection: { filename: file },
      useNullAsDefault: true,
      pool: {
        // One connection: better-sqlite3 is synchronous, and a single writer avoids SQLITE_BUSY.
        min: 1,
        max: 1,
        afterCreate: (conn: { pragma(s: string): unknown }, done: (err: Error | null, conn: unknown) => void) => {
          conn.pragma('journal_mode = WAL');
          conn.pragma('busy_timeout = 5000');
          conn.pragma('foreign_keys = ON');
          done(null, conn);
        },
      },
    });
  }
  const u = new URL(url.replace(/^mariadb:/, 'mysql:'));
  return knex({
    client: 'mysql2',
    connection: {
      host: u.hostname,
      port: u.port ? Number(u.port) : 3306,
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      database: decodeURIComponent(u.pathname.slice(1)),
      charset: 'utf8mb4',
      supportBigNumbers: true,
      // BIGINT ms timestamps fit in a double; return them as numbers, not strings.
      bigNumberStrings: false,
    },
    pool: {
      min: 0,
      max: 10,
      afterCreate: (conn: MysqlConnection, done: (err: Error | null, conn: unknown) => void) => {
        conn.query(STRICT_SQL_MODE, (err) => done(err, conn));
      },
    },
    // The failed acquire is thrown to the caller too, which says what it means; knex's copy is a stack trace.
    log: { warn: (m: string) => (m.startsWith('Acquire connection error') ? undefined : console.warn(m)) },
  });
}

interface MysqlConnection {
  query(sql: string, cb: (err: Error | null) => void): void;
}

/**
 * Strict mode on every connection, whatever the server's default: a value too long for its column
 * (or otherwise invalid) is an error instead of being cut or zeroed silently, so a write either
 * stores exactly what the bot meant or fails where the bot can see it. The server's other modes
 * are kept; only the strict one is added.
 */
const STRICT_SQL_MODE = "SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'STRICT_ALL_TABLES')";

/** True when the error is a unique-key violation on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  return (
    e?.code === 'ER_DUP_ENTRY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

export async function pingDatabase(db: Db): Promise<void> {
  await db.raw('select 1');
}

/** MariaDB chose this transaction as a deadlock victim (or it waited too long): it was rolled back whole. */
export function isLockConflict(err: unknown): boolean {
  const e = err as { code?: string };
  return e?.code === 'ER_LOCK_DEADLOCK' || e?.code === 'ER_LOCK_WAIT_TIMEOUT';
}

/**
 * A transaction that is run again when it loses a lock conflict. Concurrent writers inserting
 * into one unique index (outbox keys, notifications) deadlock now and then on MariaDB's gap
 * locks; the victim was rolled back, so running it again is safe and beats a retry a poll later.
 */
export async function transactionWithRetry<T>(
  db: Db,
  body: (trx: Knex.Transaction) => Promise<T>,
  attempts = 4,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(body);
    } catch (err) {
      if (!isLockConflict(err) || attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 10 * attempt + Math.floor(Math.random() * 20)));
    }
  }
}
