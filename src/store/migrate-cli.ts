import { openDatabase } from './db.js';
import { migrateLatest } from './migrate.js';

/** `npm run migrate`: apply pending migrations to DATABASE_URL and report what changed. */
const url = process.env.DATABASE_URL?.trim() || 'sqlite:./data/secops-bot.sqlite';
const db = openDatabase(url);
try {
  const applied = await migrateLatest(db);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
} catch (err) {
  console.error(`migration failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
