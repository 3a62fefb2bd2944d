/** `npm run migrate`: apply pending migrations to DATABASE_URL (read as `npm start` reads it) and report what changed. */
import { ConfigError } from '../config/config-error.js';
import { databaseUrlFrom, loadDotEnv } from '../config/env.js';
import { explainDatabaseError } from '../startup/database-errors.js';
import { openDatabase } from './db.js';
import { migrateLatest } from './migrate.js';

let url: string;
try {
  loadDotEnv();
  url = databaseUrlFrom(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`config error: ${err.message}`);
  process.exit(1);
}
const db = openDatabase(url);
try {
  const applied = await migrateLatest(db);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
} catch (err) {
  console.error(`migration failed: ${explainDatabaseError(err, url) ?? (err as Error).message}`);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
