/**
 * An alert the bot saw closed in TheHive and that TheHive lists as open again (someone reopened
 * it) is tracked again: back to open, facts refreshed, and due for evaluation at once so the
 * ladder carries on from the tiers already sent. A promoted alert is a case and stays so.
 */
import type { TicketAlert } from '../core/ports.js';
import { appendAudit } from '../store/audit.js';
import type { Db } from '../store/db.js';

/** Reopens those of `alerts` stored as closed; returns their ids. Conditional, so replicas agree. */
export async function reopenClosedAlerts(db: Db, alerts: TicketAlert[], now: number): Promise<string[]> {
  const reopened: string[] = [];
  for (const alert of alerts) {
    const changed = await db('sla_alerts')
      .where({ alert_id: alert.id, state: 'closed' })
      .update({
        state: 'open',
        severity: alert.severity,
        title: alert.title,
        description: alert.description,
        observables: JSON.stringify(alert.observables),
        next_due: now,
        updated_at: now,
      });
    if (changed !== 1) continue;
    reopened.push(alert.id);
    await appendAudit(db, {
      at: new Date(now),
      actor: 'thehive',
      action: 'sla.reopened',
      subject: `hive:${alert.id}`,
      details: {},
    });
  }
  return reopened;
}
