import type { Knex } from 'knex';

/**
 * Indexes for the queries that run on every tick: the confirmation scheduler reads the
 * earliest open deadline every second, and every SLA poll looks for pending and stuck
 * sends. Also widens the Twilio delivery status to the width of the raw status table, so
 * no status Twilio can send fails the update (SQLite does not enforce varchar lengths).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('confirm_alerts', (t) => {
    t.index(['status', 'deadline'], 'confirm_alerts_status_deadline');
  });
  await db.schema.alterTable('sla_notifications', (t) => {
    t.index(['status', 'updated_at'], 'sla_notifications_status_updated');
  });
  if (db.client.config.client === 'mysql2') {
    await db.schema.alterTable('sla_notifications', (t) => {
      t.string('delivery_status', 32).nullable().alter();
    });
  }
}

export async function down(db: Knex): Promise<void> {
  if (db.client.config.client === 'mysql2') {
    await db.schema.alterTable('sla_notifications', (t) => {
      t.string('delivery_status', 24).nullable().alter();
    });
  }
  await db.schema.alterTable('sla_notifications', (t) => {
    t.dropIndex(['status', 'updated_at'], 'sla_notifications_status_updated');
  });
  await db.schema.alterTable('confirm_alerts', (t) => {
    t.dropIndex(['status', 'deadline'], 'confirm_alerts_status_deadline');
  });
}
