import type { Knex } from 'knex';
import { dialectOf } from '../src/store/db.js';
import { exactCollation, type KeyColumn, previousCollation, setCollation } from '../src/store/exact-collation.js';

/**
 * Two MySQL/MariaDB-only fixes; SQLite already behaves as wanted.
 *
 * 1. TheHive alert text as the SLA monitor stores it. The monitor keeps a bounded excerpt
 *    (src/core/sla/fact-bounds.ts), but MySQL's TEXT holds 64 KB of bytes and the observables are
 *    stored as JSON, whose escaping can make one character six bytes: MEDIUMTEXT (16 MB) leaves
 *    room for the worst case of every bound, so no alert can fail its row.
 *
 * 2. Keys compared byte for byte. `utf8mb4_bin` is a PAD SPACE collation: "pad", "pad " and
 *    "pad  " are equal to it, so three dedupe keys became one alert, while SQLite (memcmp) keeps
 *    them apart. The other key columns used the database's default collation, usually
 *    case-insensitive as well. Rejecting or trimming trailing spaces would change what clients
 *    sent; a NO PAD binary collation makes MySQL compare exactly as SQLite does, for every key a
 *    lookup or a unique index depends on. Left alone: `leases.name` (constants of ours) and Slack
 *    user ids (Slack's canonical upper-case form, never typed by anyone).
 */
const KEYS: KeyColumn[] = [
  { table: 'confirm_alerts', column: 'dedupe_key', type: 'VARCHAR(191)', nullable: true, was: 'bin' },
  { table: 'confirm_duo_states', column: 'state', type: 'VARCHAR(64)', nullable: false, was: 'bin' },
  { table: 'sla_alerts', column: 'alert_id', type: 'VARCHAR(128)', nullable: false, was: 'table' },
  { table: 'sla_notifications', column: 'alert_id', type: 'VARCHAR(128)', nullable: false, was: 'table' },
  { table: 'sla_notifications', column: 'sid', type: 'VARCHAR(64)', nullable: true, was: 'table' },
  { table: 'sla_twilio_status', column: 'sid', type: 'VARCHAR(64)', nullable: false, was: 'table' },
  { table: 'audit_log', column: 'subject', type: 'VARCHAR(191)', nullable: false, was: 'table' },
];

export async function up(db: Knex): Promise<void> {
  if (dialectOf(db) !== 'mysql') return;
  await db.schema.alterTable('sla_alerts', (t) => {
    t.text('description', 'mediumtext').notNullable().alter();
    t.text('observables', 'mediumtext').notNullable().alter();
  });
  const collation = await exactCollation(db);
  for (const key of KEYS) await setCollation(db, key, collation);
}

export async function down(db: Knex): Promise<void> {
  if (dialectOf(db) !== 'mysql') return;
  // Keys that only differ in trailing spaces or case can no longer coexist; strict unique indexes
  // then stop the rollback instead of merging them.
  for (const key of KEYS) await setCollation(db, key, await previousCollation(db, key));
  // Strict mode makes this fail on a row wider than TEXT rather than cut it.
  await db.schema.alterTable('sla_alerts', (t) => {
    t.text('description').notNullable().alter();
    t.text('observables').notNullable().alter();
  });
}
