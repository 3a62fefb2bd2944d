import type { Knex } from 'knex';
import { dialectOf } from '../src/store/db.js';
import { exactCollation, type KeyColumn, previousCollation, setCollation } from '../src/store/exact-collation.js';

/**
 * MySQL/MariaDB only: the second wave's key columns compared byte for byte, as
 * 20261129000300 made the first wave's (see there why). Outbox keys and Duo txids were
 * `utf8mb4_bin` (PAD SPACE); the on-call tables' alert ids and receipt keys had the table's
 * default collation, usually case-insensitive. TheHive alert ids reach all of these.
 */
const KEYS: KeyColumn[] = [
  { table: 'outbox', column: 'idem_key', type: 'VARCHAR(191)', nullable: false, was: 'bin' },
  { table: 'outbox', column: 'depends_on', type: 'VARCHAR(191)', nullable: true, was: 'bin' },
  { table: 'confirm_pushes', column: 'txid', type: 'VARCHAR(64)', nullable: true, was: 'bin' },
  { table: 'oncall_acks', column: 'alert_id', type: 'VARCHAR(128)', nullable: false, was: 'table' },
  { table: 'oncall_pages', column: 'alert_id', type: 'VARCHAR(128)', nullable: false, was: 'table' },
  { table: 'oncall_pages', column: 'sid', type: 'VARCHAR(64)', nullable: true, was: 'table' },
  { table: 'oncall_escalations', column: 'alert_id', type: 'VARCHAR(128)', nullable: false, was: 'table' },
  { table: 'oncall_webhook_receipts', column: 'receipt_key', type: 'VARCHAR(64)', nullable: false, was: 'table' },
];

export async function up(db: Knex): Promise<void> {
  if (dialectOf(db) !== 'mysql') return;
  const collation = await exactCollation(db);
  for (const key of KEYS) await setCollation(db, key, collation);
}

export async function down(db: Knex): Promise<void> {
  if (dialectOf(db) !== 'mysql') return;
  for (const key of KEYS) await setCollation(db, key, await previousCollation(db, key));
}
