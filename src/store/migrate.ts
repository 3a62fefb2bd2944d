import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import type { Db } from './db.js';

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * From source this file is src/store/migrate.ts and the migrations sit at the repository root;
 * in the build (scripts/build.ts) it is bundled into a file at the top of dist/, next to
 * dist/migrations/.
 */
export const MIGRATIONS_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  ...(FROM_SOURCE ? ['..', '..'] : []),
  'migrations',
);

/**
 * Migrations are loaded in the language this module runs in: `.ts` through tsx from source,
 * `.js` in the build. Names are stored without the extension, so a database migrated
 * from source is up to date for the build of the same code and the other way round.
 */
const EXTENSION = FROM_SOURCE ? 'ts' : 'js';
const MIGRATION_FILE = new RegExp(`^\\d+_[\\w-]+\\.${EXTENSION}$`);

/** The schema cannot be brought up to date: the bot must not start on it. */
export class SchemaError extends Error {
  override name = 'SchemaError';
}

interface MigrationModule {
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

/**
 * Migrations are ES modules loaded with import() rather than by knex's own file loader,
 * which does not understand ESM TypeScript. Names sort by their timestamp prefix, so
 * every feature adds its own file and nobody edits a list.
 */
class DirectoryMigrationSource implements Knex.MigrationSource<string> {
  constructor(private readonly dir: string) {}

  async getMigrations(): Promise<string[]> {
    let files: string[];
    try {
      files = readdirSync(this.dir);
    } catch (err) {
      throw new SchemaError(`migrations directory ${this.dir} cannot be read (${(err as NodeJS.ErrnoException).code})`);
    }
    const migrations = files.filter((f) => MIGRATION_FILE.test(f)).sort();
    // An empty list would "succeed" and leave a fresh database without tables.
    if (migrations.length === 0) throw new SchemaError(`no .${EXTENSION} migrations found in ${this.dir}`);
    return migrations;
  }
  getMigrationName(migration: string): string {
    return migration.replace(/\.(ts|js)$/, '');
  }
  async getMigration(migration: string): Promise<Knex.Migration> {
    const mod = (await import(pathToFileURL(join(this.dir, migration)).href)) as MigrationModule;
    return { up: mod.up, down: mod.down };
  }
}

const config = (dir: string): Knex.MigratorConfig => ({
  migrationSource: new DirectoryMigrationSource(dir),
  tableName: 'knex_migrations',
});

/**
 * Applies pending migrations and verifies that none is left; returns the names applied.
 * Every failure is a SchemaError with a one-line message, so start-up can refuse to run
 * on a schema it does not understand instead of answering health checks without tables.
 */
export async function migrateLatest(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  try {
    const [, applied] = (await db.migrate.latest(config(dir))) as [number, string[]];
    const [, pending] = (await db.migrate.list(config(dir))) as [unknown[], unknown[]];
    if (pending.length > 0) throw new SchemaError(`${pending.length} migrations are still pending after migrating`);
    return applied;
  } catch (err) {
    if (err instanceof SchemaError) throw err;
    // e.g. knex's "migration directory is corrupt": the database is newer than this code
    const message = (err as Error).message?.split('\n')[0] ?? String(err);
    throw new SchemaError(`migrations failed: ${message.slice(0, 500)}`, { cause: err });
  }
}

export async function migrateRollbackAll(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  const [, rolledBack] = (await db.migrate.rollback(config(dir), true)) as [number, string[]];
  return rolledBack;
}
