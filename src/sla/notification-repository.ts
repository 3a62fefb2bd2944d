/**
 * Rows for what the SLA monitor sends about an alert: one per (alert, tier, method, recipient),
 * written with the tier's claim and sent through the outbox, and Twilio's delivery callbacks,
 * which only ever move a row's delivery status forward.
 */
import type { Db } from '../store/db.js';
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
