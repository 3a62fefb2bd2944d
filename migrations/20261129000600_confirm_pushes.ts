import type { Knex } from 'knex';
import { dialectOf } from '../src/store/db.js';

/**
 * One Duo Push per "yes" (Auth API). The row is the push's memory across restarts and replicas:
 * `pushed_at` is set before /auth/v2/auth is called and `txid` after, so a restart resumes
 * polling and never pushes twice; `lease_owner`/`lease_until` are the expiring claim of the one
 * replica that polls it. The Duo-link DM's ts is kept so the link can be taken away once settled.
 */
export async function up(db: Knex): Promise<void> {
  const exact = (column: Knex.ColumnBuilder) => (dialectOf(db) === 'mysql' ? column.collate('utf8mb4_bin') : column);
  await db.schema.createTable('confirm_pushes', (t) => {
    t.bigInteger('alert_id').primary();
    t.string('user_id', 32).notNullable();
    t.string('username', 191).notNullable();
    /** new → pushing (auth called) → pushed (txid stored) → done */
    t.string('stage', 16).notNullable();
    t.string('device_name', 100).nullable();
    exact(t.string('txid', 64)).nullable();
    t.string('verification_code', 16).nullable();
    t.string('dm_ts', 32).nullable();
    t.string('lease_owner', 100).nullable();
    t.bigInteger('lease_until').nullable();
    /** a 429 or a failed poll: not before this */
    t.bigInteger('poll_after').nullable();
    t.integer('failures').notNullable().defaultTo(0);
    t.string('result', 16).nullable();
    t.string('status', 32).nullable();
    t.bigInteger('pushed_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['stage', 'lease_until']);
    t.index(['user_id', 'created_at']);
  });
  await db.schema.alterTable('confirm_duo_states', (t) => {
    t.string('dm_channel', 32).nullable();
    t.string('dm_ts', 32).nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('confirm_duo_states', (t) => {
    t.dropColumn('dm_ts');
    t.dropColumn('dm_channel');
  });
  await db.schema.dropTable('confirm_pushes');
}
