import type { Knex } from 'knex';
import { dialectOf } from '../src/store/db.js';

/**
 * TheHive alert text as the SLA monitor stores it. The monitor keeps a bounded excerpt
 * (src/core/sla/fact-bounds.ts), but MySQL's TEXT holds 64 KB of bytes and the observables are
 * stored as JSON, whose escaping can make one character six bytes: MEDIUMTEXT (16 MB) leaves room
 * for the worst case of every bound, so no alert can fail its row. SQLite's TEXT has no limit.
 */
export async function up(db: Knex): Promise<void> {
  if (dialectOf(db) !== 'mysql') return;
  await db.schema.alterTable('sla_alerts', (t) => {
    t.text('description', 'mediumtext').notNullable().alter();
    t.text('observables', 'mediumtext').notNullable().alter();
  });
}

export async function down(db: Knex): Promise<void> {
  if (dialectOf(db) !== 'mysql') return;
  // Strict mode makes this fail on a row wider than TEXT rather than cut it.
  await db.schema.alterTable('sla_alerts', (t) => {
    t.text('description').notNullable().alter();
    t.text('observables').notNullable().alter();
  });
}
