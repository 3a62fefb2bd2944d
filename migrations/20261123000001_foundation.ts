import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('at').notNullable().index();
    t.string('actor', 128).notNullable();
    t.string('action', 64).notNullable();
    t.string('subject', 191).notNullable().index();
    t.text('details').notNullable();
  });
  await db.schema.createTable('leases', (t) => {
    t.string('name', 128).primary();
    t.string('holder', 191).notNullable();
    t.bigInteger('expires_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('leases');
  await db.schema.dropTable('audit_log');
}
