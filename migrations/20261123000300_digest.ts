import type { Knex } from 'knex';

/**
 * Every digest the bot produced. A scheduled one carries its slot (the scheduled
 * time, ms): the UNIQUE key on it is how replicas and restarts agree that a slot
 * is posted once. On-demand digests have no slot, and NULLs never collide.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('digests', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('slot_at').nullable().unique();
    t.string('kind', 16).notNullable();
    t.string('status', 16).notNullable();
    t.string('requested_by', 64).notNullable();
    t.boolean('late').notNullable().defaultTo(false);
    t.bigInteger('claimed_at').notNullable();
    t.bigInteger('generated_at').nullable().index();
    t.double('health').nullable();
    t.integer('p0').nullable();
    t.text('failures').nullable();
    t.string('channel', 64).nullable();
    t.string('ts', 64).nullable();
    t.string('replica', 191).nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('digests');
}
