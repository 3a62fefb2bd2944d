import type { Knex } from 'knex';

/**
 * On-call state (issue 10). Every table's key is what makes its action happen once across
 * replicas: one current acknowledgement per alert (taken by a conditional update), one
 * announcement per handoff instant, one stored answer per Twilio webhook (a replay gets the
 * stored answer and changes nothing), one "escalate now" per alert and tier.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('oncall_acks', (t) => {
    t.string('alert_id', 128).primary();
    /** Slack user ID, or a masked phone number for phone and SMS acknowledgements */
    t.string('by_who', 64).notNullable();
    /** phone | sms | slack */
    t.string('how', 16).notNullable();
    t.bigInteger('acked_at').notNullable();
    t.bigInteger('until').notNullable();
    /** sla_alerts.fired_tier when acknowledged: the tier after it resumes the ladder */
    t.integer('tier_at_ack').notNullable();
    /** set when promote or close ended it */
    t.bigInteger('ended_at').nullable();
    t.string('ended_reason', 32).nullable();
    t.bigInteger('updated_at').notNullable();
  });
  await db.schema.createTable('oncall_overrides', (t) => {
    t.bigIncrements('id').primary();
    t.string('slack_user', 32).notNullable();
    t.bigInteger('starts_at').notNullable();
    t.bigInteger('ends_at').notNullable();
    t.string('set_by', 32).notNullable();
    t.bigInteger('created_at').notNullable();
    t.index(['ends_at'], 'oncall_overrides_ends');
  });
  await db.schema.createTable('oncall_handoffs', (t) => {
    /** the handoff instant: its primary key is what makes the announcement happen once */
    t.bigInteger('handoff_at').primary();
    t.string('person', 64).notNullable();
    t.string('replica', 128).notNullable();
    t.bigInteger('claimed_at').notNullable();
  });
  await db.schema.createTable('oncall_pages', (t) => {
    t.bigIncrements('id').primary();
    t.string('alert_id', 128).notNullable();
    t.string('phone', 32).notNullable();
    /** sms | call | escalate */
    t.string('method', 16).notNullable();
    t.string('sid', 64).nullable().index();
    t.bigInteger('paged_at').notNullable();
    t.index(['phone', 'paged_at'], 'oncall_pages_latest');
  });
  await db.schema.createTable('oncall_webhook_receipts', (t) => {
    /** sha256 of the signed URL and parameters: Twilio signs the same request the same way */
    t.string('receipt_key', 64).primary();
    t.string('path', 64).notNullable();
    /** the answer given the first time, sent again to a replay */
    t.text('response').notNullable();
    t.bigInteger('received_at').notNullable().index();
  });
  await db.schema.createTable('oncall_escalations', (t) => {
    t.string('alert_id', 128).notNullable();
    t.integer('tier').notNullable();
    t.string('by_who', 64).notNullable();
    t.string('how', 16).notNullable();
    t.bigInteger('escalated_at').notNullable();
    t.primary(['alert_id', 'tier']);
  });
  // "The latest alert paged to this number" also reads the SLA's own sends, by recipient.
  await db.schema.alterTable('sla_notifications', (t) => {
    t.index(['recipient', 'updated_at'], 'sla_notifications_recipient');
  });
  await db.schema.createTable('oncall_sms_optouts', (t) => {
    t.string('phone', 32).primary();
    t.bigInteger('since').notNullable();
    /** when the alerts channel was told; null until the one replica that claimed it has */
    t.bigInteger('told_at').nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('sla_notifications', (t) => {
    t.dropIndex(['recipient', 'updated_at'], 'sla_notifications_recipient');
  });
  for (const table of [
    'oncall_sms_optouts',
    'oncall_escalations',
    'oncall_webhook_receipts',
    'oncall_pages',
    'oncall_handoffs',
    'oncall_overrides',
    'oncall_acks',
  ]) {
    await db.schema.dropTable(table);
  }
}
