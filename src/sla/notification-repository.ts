/**
 * Rows for what the SLA monitor sends about an alert: one per (alert, tier, method, recipient),
 * the alert's Slack notice, and Twilio's delivery callbacks. As with the tracked alerts, every
 * change that decides whether something is sent is a conditional UPDATE or an INSERT against a
 * unique key, so racing replicas and restarts settle in the database.
 */
import { type Db, isUniqueViolation } from '../store/db.js';
import { type Row, str } from './row-values.js';

export interface NotificationKey {
  tier: number;
  method: string;
  recipient: string;
}

export interface NotificationRow extends NotificationKey {
  id: number;
  alertId: string;
  status: string;
  /** Twilio's latest status callback, if any */
  deliveryStatus: string | null;
  attempts: number;
  sid: string | null;
  error: string | null;
}

function toNotification(r: Row): NotificationRow {
  return {
    id: Number(r.id),
    alertId: String(r.alert_id),
    tier: Number(r.tier),
    method: String(r.method),
    recipient: String(r.recipient),
    status: String(r.status),
    deliveryStatus: str(r.delivery_status),
    attempts: Number(r.attempts),
    sid: str(r.sid),
    error: str(r.error),
  };
}

export class NotificationRepository {
  constructor(private readonly db: Db) {}

  /** A one-off message (e.g. "phone not configured"): true only for the first caller, ever. */
  async claimOnce(alertId: string, key: NotificationKey, now: number): Promise<boolean> {
    try {
      await this.db('sla_notifications').insert({
        alert_id: alertId,
        tier: key.tier,
        method: key.method,
        recipient: key.recipient,
        status: 'sent',
        attempts: 1,
        created_at: now,
        updated_at: now,
      });
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async forAlert(alertId: string, statuses?: string[]): Promise<NotificationRow[]> {
    const q = this.db('sla_notifications').where({ alert_id: alertId });
    if (statuses) q.whereIn('status', statuses);
    const rows: Row[] = await q.orderBy('id', 'asc');
    return rows.map(toNotification);
  }

  /** Alerts with claimed notifications that were never attempted (a crash between claim and send). */
  async alertsWithStatus(status: string): Promise<string[]> {
    const rows: Row[] = await this.db('sla_notifications').where({ status }).distinct('alert_id');
    return rows.map((r) => String(r.alert_id));
  }

  /** pending → sending; only one replica wins, and a row already attempted is never attempted again. */
  async startAttempt(id: number, now: number): Promise<boolean> {
    const updated = await this.db('sla_notifications')
      .where({ id, status: 'pending' })
      .update({ status: 'sending', attempts: this.db.raw('attempts + 1'), updated_at: now });
    return updated === 1;
  }

  async recordAttempts(id: number, attempts: number, now: number): Promise<void> {
    await this.db('sla_notifications').where({ id }).update({ attempts, updated_at: now });
  }

  /** A claimed row that must not be sent any more (the alert was promoted, closed or snoozed). */
  async cancelAttempt(id: number, reason: string, now: number): Promise<void> {
    await this.db('sla_notifications')
      .where({ id, status: 'sending' })
      .update({ status: 'cancelled', error: reason, updated_at: now });
  }

  async finishAttempt(
    id: number,
    outcome: { status: 'sent' | 'failed' | 'unknown'; sid?: string; error?: string },
    now: number,
  ): Promise<void> {
    await this.db('sla_notifications')
      .where({ id })
      .update({ status: outcome.status, sid: outcome.sid ?? null, error: outcome.error ?? null, updated_at: now });
  }

  /** Sends interrupted mid-flight by a crash: whether they went out is unknown, so they are not retried. */
  /** `exceptIds`: rows this process is still sending, which are slow, not interrupted. Returns the rows it abandoned. */
  async abandonInFlight(olderThan: number, now: number, exceptIds: number[] = []): Promise<NotificationRow[]> {
    const q = this.db('sla_notifications').where({ status: 'sending' }).andWhere('updated_at', '<', olderThan);
    if (exceptIds.length > 0) q.whereNotIn('id', exceptIds);
    const rows: Row[] = await q;
    const abandoned: NotificationRow[] = [];
    for (const r of rows) {
      const updated = await this.db('sla_notifications')
        .where({ id: r.id, status: 'sending' })
        .update({ status: 'unknown', error: 'interrupted while sending (restart)', updated_at: now });
      if (updated === 1) abandoned.push(toNotification(r));
    }
    return abandoned;
  }

  /**
   * The right to post the alert's notice: true for one caller. A claim older than `staleBefore`
   * with no notice stored (its holder died before posting) may be taken over. An alert has one
   * notice, so the claim and the posted message live on its `sla_alerts` row.
   */
  async claimNotice(alertId: string, now: number, staleBefore: number): Promise<boolean> {
    const updated = await this.db('sla_alerts')
      .where({ alert_id: alertId })
      .whereNull('notice_ts')
      .andWhere((q) => q.whereNull('notice_claimed_at').orWhere('notice_claimed_at', '<', staleBefore))
      .update({ notice_claimed_at: now });
    return updated === 1;
  }

  async setNotice(alertId: string, channel: string, ts: string, now: number): Promise<void> {
    await this.db('sla_alerts')
      .where({ alert_id: alertId })
      .update({ notice_channel: channel, notice_ts: ts, updated_at: now });
  }

  /**
   * Twilio status callback: stored as received, and noted as the send's delivery status only if
   * it moves the status forward (callbacks arrive out of order and repeat: delivered, then a late
   * queued, must stay delivered; a final status is never replaced). The bot's own `status` (what
   * it knows it did) is left alone.
   */
  async recordTwilioStatus(sid: string, status: string, params: Record<string, string>, now: number) {
    await this.db('sla_twilio_status').insert({ sid, status, params: JSON.stringify(params), received_at: now });
    const current = await this.db('sla_notifications').where({ sid }).first();
    if (!current) return null;
    if (twilioRank(status) > twilioRank(str(current.delivery_status))) {
      await this.db('sla_notifications')
        .where({ sid, delivery_status: current.delivery_status ?? null })
        .update({ delivery_status: status, updated_at: now });
    }
    const row = await this.db('sla_notifications').where({ sid }).first();
    return row ? toNotification(row) : null;
  }

  async twilioStatuses(sid: string): Promise<string[]> {
    const rows: Row[] = await this.db('sla_twilio_status').where({ sid }).orderBy('id', 'asc');
    return rows.map((r) => String(r.status));
  }
}

/** How far along a Twilio message or call status is; unknown statuses sit with the first ones. */
const TWILIO_ORDER: Record<string, number> = {
  queued: 1,
  accepted: 1,
  scheduled: 1,
  sending: 2,
  initiated: 2,
  sent: 3,
  ringing: 3,
  'in-progress': 4,
  answered: 4,
  delivered: 5,
  completed: 5,
  read: 6,
  // A failure outranks a success: it is the one a person must hear about.
  undelivered: 7,
  failed: 7,
  busy: 7,
  'no-answer': 7,
  canceled: 7,
};

function twilioRank(status: string | null): number {
  if (status === null) return 0;
  return TWILIO_ORDER[status] ?? 1;
}
