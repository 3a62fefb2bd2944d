import type { Knex } from 'knex';

/**
 * The sender's look for each lane's next row (OutboxRepository.laneHeads) groups the pending
 * rows by lane. With only (status, next_attempt_at) to go on, the database read every pending
 * row from the table and sorted them: under a backlog of thousands that one query took most of
 * the sender's time. This index holds everything the query reads, in the order it groups, so
 * it is answered from the index alone.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('outbox', (t) => {
    t.index(['status', 'lane', 'kind', 'id', 'next_attempt_at'], 'outbox_lane_heads');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('outbox', (t) => {
    t.dropIndex(['status', 'lane', 'kind', 'id', 'next_attempt_at'], 'outbox_lane_heads');
  });
}
