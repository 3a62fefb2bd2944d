import type { Knex } from 'knex';
import { dialectOf } from '../src/store/db.js';

/**
 * Confirmation alerts ("did you do this?"), their single-use Duo states and the users' ignore rules.
 * Every timestamp is BIGINT ms since the epoch; indexed strings stay within 191 chars for utf8mb4.
 */
export async function up(db: Knex): Promise<void> {
  // MySQL's default collations compare case-insensitively, so "aB3" would dedupe to "Ab3" and a Duo
  // state would match in any case. Binary collation makes both exact, as they are on SQLite.
  const exact = (column: Knex.ColumnBuilder) => (dialectOf(db) === 'mysql' ? column.collate('utf8mb4_bin') : column);
  await db.schema.createTable('confirm_alerts', (t) => {
    t.bigIncrements('id').primary();
    // NULL for alerts without a key; unique otherwise, so a repeated POST finds the first alert.
    exact(t.string('dedupe_key', 191)).nullable().unique();
    t.string('source', 16).notNullable();
    /** the user as the detector named them: a Slack ID or an email */
    t.string('user_ref', 191).notNullable();
    t.string('user_id', 32).nullable().index();
    t.string('duo_username', 191).nullable();
    t.string('title', 255).notNullable();
    t.text('description').notNullable();
    t.string('reason', 600).nullable();
    t.text('url').nullable();
    t.string('status', 16).notNullable().index();
    t.string('escalation_reason', 32).nullable();
    t.text('outcome_detail').nullable();
    t.bigInteger('deadline').nullable().index();
    t.bigInteger('rule_id').nullable();
    t.string('dm_channel', 32).nullable();
    t.string('dm_ts', 32).nullable();
    t.bigInteger('dm_claimed_at').nullable();
    t.bigInteger('escalation_claimed_at').nullable();
    t.string('escalation_ts', 32).nullable();
    t.text('comment').nullable();
    t.bigInteger('comment_until').nullable();
    t.bigInteger('comment_posted_at').nullable();
    t.bigInteger('created_at').notNullable().index();
    t.bigInteger('updated_at').notNullable();
  });
  await db.schema.createTable('confirm_duo_states', (t) => {
    exact(t.string('state', 64)).primary();
    t.bigInteger('alert_id').notNullable().index();
    t.string('user_id', 32).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('used_at').nullable();
  });
  await db.schema.createTable('confirm_ignore_rules', (t) => {
    t.bigIncrements('id').primary();
    t.string('user_id', 32).notNullable();
    t.string('title', 255).notNullable();
    // One rule per confirmed alert: a double click on the mute buttons cannot make two.
    t.bigInteger('alert_id').notNullable().unique();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.index(['user_id', 'expires_at']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('confirm_ignore_rules');
  await db.schema.dropTable('confirm_duo_states');
  await db.schema.dropTable('confirm_alerts');
}
