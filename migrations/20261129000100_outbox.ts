import type { Knex } from 'knex';
import { dialectOf } from '../src/store/db.js';

/**
 * The persistent outbox: every message the bot sends on its own initiative is a row first,
 * written in the transaction of the state change that needs it, and drained by a sender in
 * each replica (src/outbox). A claim expires, so a dead sender's rows are sent by another.
 *
 * Upgrading mid-flight: the old claims (dm_claimed_at, escalation_claimed_at,
 * comment_posted_at, notice_claimed_at, sla_notifications 'sending') were taken before the
 * send and never expired. Whatever they claimed and did not record as sent is released here,
 * so the new code's sweep and recovery queue it in the outbox: at least once, never lost.
 */
export async function up(db: Knex): Promise<void> {
  const exact = (column: Knex.ColumnBuilder) => (dialectOf(db) === 'mysql' ? column.collate('utf8mb4_bin') : column);
  await db.schema.createTable('outbox', (t) => {
    t.bigIncrements('id').primary();
    /** slack_post | slack_update | sms | call */
    t.string('kind', 16).notNullable();
    /** the delivery lane paced as one: a Slack channel id or an E.164 number */
    t.string('lane', 64).notNullable();
    /** unique forever, so one state change can never enqueue its message twice */
    exact(t.string('idem_key', 191)).notNullable().unique();
    /** JSON, bounded by the writer (MEDIUMTEXT on MySQL) */
    t.text('payload', 'mediumtext').notNullable();
    /** the domain row to update with the result, in the transaction that marks this row sent */
    t.string('ref', 191).nullable();
    /** idem_key of a row that must be sent first; its ts fills thread_ts (post) or ts (update) */
    exact(t.string('depends_on', 191)).nullable();
    /** thread_ts | ts | order (only wait for it) */
    t.string('depends_as', 16).nullable();
    /** rows that may fold into one summary per lane in a storm (sla_notice, page) */
    t.string('fold', 32).nullable();
    /** pending → sending → sent | failed | superseded | folded */
    t.string('status', 16).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('next_attempt_at').notNullable();
    t.string('claimed_by', 128).nullable();
    t.bigInteger('claim_expires_at').nullable();
    t.string('last_error', 500).nullable();
    /** Slack channel and ts, or Twilio sid */
    t.string('result_channel', 32).nullable();
    t.string('result_id', 64).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('sent_at').nullable();
    t.index(['status', 'next_attempt_at'], 'outbox_due');
    t.index(['lane', 'status'], 'outbox_lane');
    t.index(['depends_on'], 'outbox_depends');
  });
  await db('confirm_alerts')
    .whereIn('status', ['asked', 'verifying'])
    .whereNull('dm_ts')
    .whereNotNull('dm_claimed_at')
    .update({ dm_claimed_at: null });
  await db('confirm_alerts')
    .where({ status: 'escalated' })
    .whereNull('escalation_ts')
    .whereNotNull('escalation_claimed_at')
    .update({ escalation_claimed_at: null });
  // A claimed explanation whose post was never recorded cannot be told apart from one that was
  // posted; it is posted again (at least once) rather than lost.
  const claimedComments: { id: number | string }[] = await db('confirm_alerts')
    .whereNotNull('comment')
    .whereNotNull('comment_posted_at')
    .select('id');
  for (const { id } of claimedComments) {
    const posted = await db('audit_log')
      .where({ subject: `confirm:${id}`, action: 'confirm.comment_posted' })
      .first('id');
    if (!posted) await db('confirm_alerts').where({ id }).update({ comment_posted_at: null });
  }
  await db('sla_alerts').whereNull('notice_ts').whereNotNull('notice_claimed_at').update({ notice_claimed_at: null });
  await db('sla_notifications').where({ status: 'sending' }).update({ status: 'pending' });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('outbox');
}
