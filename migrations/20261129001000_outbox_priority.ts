import type { Knex } from 'knex';

/**
 * Outbox priority: within one lane a higher priority row is sent before older rows, so a user's
 * "No" (or a failed Duo check) is not queued behind hundreds of time-out escalations to the
 * same channel. Almost every row stays at 0, and sent rows are kept: the index (status, then
 * priority) lets the sender's extra look for due urgent rows read only the pending or in-flight
 * urgent ones, never the backlog of routine rows nor the history of sent ones.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('outbox', (t) => {
    t.integer('priority').notNullable().defaultTo(0);
    t.index(['status', 'priority', 'next_attempt_at'], 'outbox_priority_due');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('outbox', (t) => {
    t.dropIndex(['status', 'priority', 'next_attempt_at'], 'outbox_priority_due');
    t.dropColumn('priority');
  });
}
