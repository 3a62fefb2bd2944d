import type { Knex } from 'knex';

/**
 * The lease holder's process (PID namespace, pid, start time), so a process restarted on the
 * same machine can see that the holder is gone and take the lease at once instead of after the TTL.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('leases', (t) => {
    t.string('holder_process', 191).nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('leases', (t) => {
    t.dropColumn('holder_process');
  });
}
