import type { Knex } from 'knex';

/**
 * SLA monitor state. `sla_alerts` holds one row per TheHive alert we track, so a restart or
 * another replica continues exactly where the last left off; `sla_notifications` has one row per
 * (alert, tier, method, recipient), and its unique key is what makes every send happen at most once.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('sla_alerts', (t) => {
    t.string('alert_id', 128).primary();
    t.integer('severity').notNullable();
    t.text('title').notNullable();
    t.text('description').notNullable();
    /** JSON array of observable data strings, for high-risk matching at fire time */
    t.text('observables').notNullable();
    t.bigInteger('created_at').notNullable();
    /** open | promoted | closed (closed or imported in TheHive) */
    t.string('state', 16).notNullable();
    t.integer('fired_tier').notNullable().defaultTo(-1);
    t.string('fired_label', 128).nullable();
    t.bigInteger('fired_at').nullable();
    t.boolean('high_risk_fired').notNullable().defaultTo(false);
    t.bigInteger('snoozed_until').nullable();
    t.bigInteger('next_due').nullable();
    t.string('notice_channel', 32).nullable();
    t.string('notice_ts', 32).nullable();
    /** set by the one replica allowed to post the notice, before it posts (a stale claim may be taken over) */
    t.bigInteger('notice_claimed_at').nullable();
    /** Slack user who promoted the alert, for the notice's "by …" */
    t.string('promoted_by', 32).nullable();
    t.string('case_id', 128).nullable();
    t.integer('case_number').nullable();
    t.bigInteger('first_seen_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['state', 'next_due']);
  });
  await db.schema.createTable('sla_notifications', (t) => {
    t.bigIncrements('id').primary();
    t.string('alert_id', 128).notNullable();
    t.integer('tier').notNullable();
    /** slack | sms | call | escalate | notice (a one-off thread message such as "phone not configured") */
    t.string('method', 16).notNullable();
    t.string('recipient', 64).notNullable();
    /** pending → sending → sent | failed | unknown, or cancelled (alert no longer open or snoozed before sending) */
    t.string('status', 24).notNullable();
    /** Twilio's latest status callback (delivered, completed, failed, …); kept apart from our own send status */
    t.string('delivery_status', 24).nullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('sid', 64).nullable().index();
    t.text('error').nullable();
    t.bigInteger('created_at').notNullable().index();
    t.bigInteger('updated_at').notNullable();
    t.unique(['alert_id', 'tier', 'method', 'recipient'], { indexName: 'sla_notifications_once' });
  });
  await db.schema.createTable('sla_twilio_status', (t) => {
    t.bigIncrements('id').primary();
    t.string('sid', 64).notNullable().index();
    t.string('status', 32).notNullable();
    t.text('params').notNullable();
    t.bigInteger('received_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('sla_twilio_status');
  await db.schema.dropTable('sla_notifications');
  await db.schema.dropTable('sla_alerts');
}
