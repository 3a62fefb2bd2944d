import type { Knex } from 'knex';

/**
 * Who has opened the bot's Home tab. Slack shows a Home only to people who open it, so the bot
 * publishes (and republishes on change) only for these users, never for the whole workspace.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('home_openers', (t) => {
    t.string('user_id', 32).primary();
    t.bigInteger('first_opened_at').notNullable();
    t.bigInteger('last_opened_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('home_openers');
}
