/**
 * Reads what a Home shows straight from the tables the features write (read-only), so the Home
 * depends on their schema, not on their classes. Employee reads are filtered by user id in SQL:
 * nothing about another employee is ever loaded into an employee's view.
 */
import type { ConfirmStatus, EscalationReason } from '../core/confirm/state-machine.js';
import type { Severity } from '../core/ports.js';
import type { SlaPolicy } from '../core/sla/policy.js';
import type { Db } from '../store/db.js';
import type { AckProvider, OnCallProvider } from './providers.js';
import type { EmployeeHome, HomeAlert, HomeTrackedAlert, RecentEscalation, ResponderExtras } from './view-model.js';

type Row = Record<string, unknown>;

/** Enough to fill a Home; the view cuts the rest with "and N more". */
const RECENT_ALERTS = 25;
const PENDING_ALERTS = 40;
const TRACKED = 60;
const ESCALATIONS = 30;
const DAY_MS = 86_400_000;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

function toAlert(r: Row): HomeAlert {
  return {
    id: Number(r.id),
    title: String(r.title),
    reason: str(r.reason),
    status: String(r.status) as ConfirmStatus,
    escalationReason: str(r.escalation_reason) as EscalationReason | null,
    outcomeDetail: str(r.outcome_detail),
    createdAt: Number(r.created_at),
  };
}

export interface HomeReaderDeps {
  db: Db;
  sla: SlaPolicy;
  hiveConfigured: boolean;
  acks: AckProvider | null;
  oncall: OnCallProvider | null;
}

export class HomeReader {
  constructor(private readonly d: HomeReaderDeps) {}

  async employee(userId: string, now: number): Promise<EmployeeHome> {
    const { db } = this.d;
    const columns = ['id', 'title', 'reason', 'status', 'escalation_reason', 'outcome_detail', 'created_at'];
    const pending: Row[] = await db('confirm_alerts')
      .where({ user_id: userId, status: 'asked' })
      .orderBy('created_at', 'desc')
      .limit(PENDING_ALERTS)
      .select(columns);
    const recent: Row[] = await db('confirm_alerts')
      .where({ user_id: userId })
      .whereNot({ status: 'asked' })
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(RECENT_ALERTS)
      .select(columns);
    const total = (await db('confirm_alerts').where({ user_id: userId }).count({ n: '*' }).first()) as Row | undefined;
    const rules: Row[] = await db('confirm_ignore_rules')
      .where({ user_id: userId })
      .andWhere('expires_at', '>', now)
      .orderBy('expires_at', 'asc')
      .limit(50)
      .select('id', 'title', 'expires_at');
    return {
      userId,
      alerts: [...pending, ...recent].map(toAlert),
      totalAlerts: Number(total?.n ?? 0),
      rules: rules.map((r) => ({ id: Number(r.id), title: String(r.title), expiresAt: Number(r.expires_at) })),
    };
  }

  async responder(now: number): Promise<ResponderExtras> {
    const { db, sla } = this.d;
    const rows: Row[] = await db('sla_alerts')
      .where({ state: 'open' })
      // Next due first; alerts with nothing more due go last (NULLs sort first on both engines otherwise).
      .orderByRaw('CASE WHEN next_due IS NULL THEN 1 ELSE 0 END, next_due ASC, created_at ASC')
      .limit(TRACKED)
      .select('alert_id', 'severity', 'title', 'created_at', 'fired_tier', 'next_due', 'snoozed_until');
    const count = (await db('sla_alerts').where({ state: 'open' }).count({ n: '*' }).first()) as Row | undefined;
    const acks = this.d.acks
      ? await this.d.acks.forAlerts(
          rows.map((r) => String(r.alert_id)),
          now,
        )
      : null;
    const tracked: HomeTrackedAlert[] = rows.map((r) => {
      const severity = Number(r.severity) as Severity;
      const alertId = String(r.alert_id);
      return {
        alertId,
        severity,
        title: String(r.title),
        createdAt: Number(r.created_at),
        firedTier: Number(r.fired_tier),
        tiersTotal: sla.severities[severity]?.tiers.length ?? 0,
        nextDue: num(r.next_due),
        snoozedUntil: num(r.snoozed_until),
        ...(acks ? { ack: acks.get(alertId) ?? null } : {}),
      };
    });
    const [escalations, escalationCounts] = await this.escalations(now);
    return {
      tracked,
      totalTracked: Number(count?.n ?? 0),
      hiveConfigured: this.d.hiveConfigured,
      ackAvailable: this.d.acks !== null,
      snoozeMs: sla.snoozeMs,
      oncall: this.d.oncall ? await this.d.oncall.current(now) : null,
      digest: await this.lastDigest(),
      escalations,
      escalationCounts,
    };
  }

  private async lastDigest(): Promise<ResponderExtras['digest']> {
    const row = (await this.d
      .db('digests')
      .where({ status: 'posted' })
      .whereNotNull('generated_at')
      .orderBy('generated_at', 'desc')
      .orderBy('id', 'desc')
      .first()) as Row | undefined;
    if (!row) return null;
    return {
      generatedAt: Number(row.generated_at),
      health: num(row.health),
      p0: num(row.p0),
      failures: row.failures ? (JSON.parse(String(row.failures)) as string[]) : [],
    };
  }

  private async escalations(now: number): Promise<[RecentEscalation[], ResponderExtras['escalationCounts']]> {
    const { db } = this.d;
    const since = now - DAY_MS;
    const base = () =>
      db('audit_log').where('at', '>=', since).whereIn('action', ['confirm.escalated', 'sla.breached']);
    const counts: Row[] = await base().groupBy('action').select('action').count({ n: '*' });
    const byAction = new Map(counts.map((c) => [String(c.action), Number(c.n)]));
    const rows: Row[] = await base().orderBy('at', 'desc').orderBy('id', 'desc').limit(ESCALATIONS);
    const confirmIds = rows
      .filter((r) => r.action === 'confirm.escalated')
      .map((r) => Number(String(r.subject).slice('confirm:'.length)))
      .filter((id) => Number.isSafeInteger(id));
    const alerts: Row[] = confirmIds.length
      ? await db('confirm_alerts').whereIn('id', confirmIds).select('id', 'user_id', 'title', 'user_ref')
      : [];
    const byId = new Map(alerts.map((a) => [Number(a.id), a]));
    const list = rows.map((r): RecentEscalation => {
      const details = JSON.parse(String(r.details)) as Record<string, unknown>;
      if (r.action === 'sla.breached') {
        return {
          at: Number(r.at),
          kind: 'sla',
          ref: String(r.subject).replace(/^hive:/, ''),
          detail: `${String(details.label ?? 'a tier')} breached`,
        };
      }
      const id = Number(String(r.subject).slice('confirm:'.length));
      const alert = byId.get(id);
      return {
        at: Number(r.at),
        kind: 'confirm',
        ref: String(id),
        userId: str(alert?.user_id) ?? undefined,
        detail: `${String(details.why ?? 'escalated')}: ${String(alert?.title ?? '')}`,
      };
    });
    return [list, { confirm: byAction.get('confirm.escalated') ?? 0, sla: byAction.get('sla.breached') ?? 0 }];
  }
}
