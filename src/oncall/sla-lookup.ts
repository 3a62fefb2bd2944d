/**
 * What the on-call loop needs to know about SLA alerts and pages, read from the SLA feature's
 * tables (never written here) and from our own page log. Reading both means a page sent by the
 * SLA notifier today can be answered by SMS or keypress without the notifier knowing about us.
 */
import type { Severity } from '../core/ports.js';
import type { Db } from '../store/db.js';

export interface AlertSnapshot {
  alertId: string;
  title: string;
  severity: Severity;
  /** open | promoted | closed */
  state: string;
  firedTier: number;
  noticeChannel: string | null;
  noticeTs: string | null;
}

const PHONE_METHODS = ['sms', 'call', 'escalate'];

export class SlaLookup {
  constructor(private readonly db: Db) {}

  async alert(alertId: string): Promise<AlertSnapshot | null> {
    const r = await this.db('sla_alerts').where({ alert_id: alertId }).first();
    if (!r) return null;
    return {
      alertId: r.alert_id,
      title: r.title,
      severity: Number(r.severity) as Severity,
      state: r.state,
      firedTier: Number(r.fired_tier),
      noticeChannel: r.notice_channel ?? null,
      noticeTs: r.notice_ts ?? null,
    };
  }

  /** The alert a call was about, and the number it rang: from our page log, else the SLA's sends. */
  async callTarget(callSid: string): Promise<{ alertId: string; phone: string } | null> {
    const ours = await this.db('oncall_pages').where({ sid: callSid }).first('alert_id', 'phone');
    if (ours) return { alertId: ours.alert_id, phone: ours.phone };
    const sla = await this.db('sla_notifications').where({ sid: callSid }).first('alert_id', 'recipient');
    return sla ? { alertId: sla.alert_id, phone: sla.recipient } : null;
  }

  /** The alert most recently paged to `phone` (SMS or call), or null when it never was. */
  async latestPagedAlert(phone: string): Promise<string | null> {
    const ours = await this.db('oncall_pages')
      .where({ phone })
      .orderBy([
        { column: 'paged_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .first('alert_id', 'paged_at');
    const sla = await this.db('sla_notifications')
      .where({ recipient: phone })
      .whereIn('method', PHONE_METHODS)
      .whereIn('status', ['sent', 'sending', 'unknown'])
      .orderBy([
        { column: 'updated_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .first('alert_id', 'updated_at');
    if (!ours && !sla) return null;
    if (!sla) return ours.alert_id;
    if (!ours) return sla.alert_id;
    return Number(ours.paged_at) >= Number(sla.updated_at) ? ours.alert_id : sla.alert_id;
  }

  async wasPaged(phone: string, alertId: string): Promise<boolean> {
    const ours = await this.db('oncall_pages').where({ phone, alert_id: alertId }).first('id');
    if (ours) return true;
    const sla = await this.db('sla_notifications')
      .where({ recipient: phone, alert_id: alertId })
      .whereIn('method', PHONE_METHODS)
      .first('id');
    return sla !== undefined;
  }
}
