/**
 * Rows for the alerts the SLA monitor tracks: TheHive's facts, where each alert's escalation
 * stands, and when it is next due. Every change that decides whether something is sent is a
 * conditional UPDATE or an INSERT against a unique key, so racing replicas and restarts settle in
 * the database.
 */
import type { Knex } from 'knex';
import type { Severity, TicketAlert, TicketCase } from '../core/ports.js';
import { boundAlertFacts, boundObservables } from '../core/sla/fact-bounds.js';
import { type Db, transactionWithRetry } from '../store/db.js';
import type { NotificationKey } from './notification-repository.js';
import { num, type Row, str } from './row-values.js';

export type TrackedState = 'open' | 'promoted' | 'closed';

export interface TrackedAlert {
  alertId: string;
  severity: Severity;
  title: string;
  description: string;
  observables: string[];
  createdAt: number;
  state: TrackedState;
  firedTier: number;
  firedLabel: string | null;
  firedAt: number | null;
  highRiskFired: boolean;
  snoozedUntil: number | null;
  nextDue: number | null;
  noticeChannel: string | null;
  noticeTs: string | null;
  caseId: string | null;
  caseNumber: number | null;
  promotedBy: string | null;
}

export interface FireClaim {
  /** the state the decision was computed from; the claim fails if another replica moved it */
  expectedTier: number;
  expectedHighRisk: boolean;
  tier: number;
  label: string;
  highRisk: boolean;
  next: number | null;
  notifications: NotificationKey[];
}

function toTracked(r: Row): TrackedAlert {
  return {
    alertId: String(r.alert_id),
    severity: Number(r.severity) as Severity,
    title: String(r.title),
    description: String(r.description),
    observables: observablesOf(r.observables),
    createdAt: Number(r.created_at),
    state: String(r.state) as TrackedState,
    firedTier: Number(r.fired_tier),
    firedLabel: str(r.fired_label),
    firedAt: num(r.fired_at),
    highRiskFired: Boolean(Number(r.high_risk_fired)),
    snoozedUntil: num(r.snoozed_until),
    nextDue: num(r.next_due),
    noticeChannel: str(r.notice_channel),
    noticeTs: str(r.notice_ts),
    caseId: str(r.case_id),
    caseNumber: num(r.case_number),
    promotedBy: str(r.promoted_by),
  };
}

/**
 * Observables as stored. A row written before the bounds (or cut by an old INSERT IGNORE) may not
 * parse; it reads as "no observables", so its fingerprint differs and the next poll rewrites it,
 * instead of one row throwing every pass away.
 */
function observablesOf(value: unknown): string[] {
  try {
    const parsed: unknown = JSON.parse(String(value));
    return Array.isArray(parsed) ? boundObservables(parsed.filter((v): v is string => typeof v === 'string')) : [];
  } catch {
    return [];
  }
}

/** What a poll compares to decide whether a stored alert changed in TheHive. */
export function factsFingerprint(a: Pick<TicketAlert, 'severity' | 'title' | 'description' | 'observables'>): string {
  return JSON.stringify([a.severity, a.title, a.description, a.observables]);
}

const CHUNK = 200;
function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export class TrackedAlertRepository {
  constructor(private readonly db: Db) {}

  /** `exec`: a transaction to read in (the outbox's handlers run inside one). */
  async get(alertId: string, exec: Db | Knex.Transaction = this.db): Promise<TrackedAlert | null> {
    const row = await exec('sla_alerts').where({ alert_id: alertId }).first();
    return row ? toTracked(row) : null;
  }

  /** Fingerprints of every open alert, keyed by id: one query per poll instead of one per alert. */
  async openFingerprints(): Promise<Map<string, string>> {
    const rows: Row[] = await this.db('sla_alerts')
      .where({ state: 'open' })
      .select('alert_id', 'severity', 'title', 'description', 'observables');
    const out = new Map<string, string>();
    for (const r of rows) {
      out.set(
        String(r.alert_id),
        factsFingerprint({
          severity: Number(r.severity) as Severity,
          title: String(r.title),
          description: String(r.description),
          observables: observablesOf(r.observables),
        }),
      );
    }
    return out;
  }

  async knownIds(ids: string[]): Promise<Set<string>> {
    const known = new Set<string>();
    for (const part of chunks(ids)) {
      const rows: Row[] = await this.db('sla_alerts').whereIn('alert_id', part).select('alert_id');
      for (const r of rows) known.add(String(r.alert_id));
    }
    return known;
  }

  /**
   * Inserts alerts seen for the first time; a row another replica inserted first is left alone.
   * Not INSERT IGNORE: on MySQL that also turns a too-long value into a silent cut. A chunk that
   * fails is retried one row at a time so one bad alert fails alone; the ids that failed are
   * returned with their error, for the caller to report.
   */
  async insertAlerts(
    alerts: Array<{ alert: TicketAlert; nextDue: number | null }>,
    now: number,
  ): Promise<Array<{ alertId: string; err: unknown }>> {
    const failed: Array<{ alertId: string; err: unknown }> = [];
    const row = ({ alert, nextDue }: { alert: TicketAlert; nextDue: number | null }) => {
      const facts = boundAlertFacts(alert);
      return {
        alert_id: alert.id,
        severity: alert.severity,
        title: facts.title,
        description: facts.description,
        observables: JSON.stringify(facts.observables),
        created_at: alert.createdAt,
        state: 'open',
        fired_tier: -1,
        high_risk_fired: false,
        next_due: nextDue,
        first_seen_at: now,
        updated_at: now,
      };
    };
    // A no-op update on conflict keeps the first replica's row without IGNORE's silent cuts.
    const insert = (rows: ReturnType<typeof row>[]) =>
      this.db('sla_alerts').insert(rows).onConflict('alert_id').merge(['alert_id']);
    for (const part of chunks(alerts)) {
      try {
        await insert(part.map(row));
      } catch {
        for (const one of part) {
          try {
            await insert([row(one)]);
          } catch (err) {
            failed.push({ alertId: one.alert.id, err });
          }
        }
      }
    }
    return failed;
  }

  /** TheHive changed an alert's text or severity; the deadline is re-evaluated right away. */
  async updateFacts(alert: TicketAlert, now: number): Promise<void> {
    const facts = boundAlertFacts(alert);
    await this.db('sla_alerts')
      .where({ alert_id: alert.id, state: 'open' })
      .update({
        severity: alert.severity,
        title: facts.title,
        description: facts.description,
        observables: JSON.stringify(facts.observables),
        next_due: now,
        updated_at: now,
      });
  }

  /**
   * Open alerts the poll did not list. Paging can shift rows while TheHive changes, so these are
   * only candidates: the monitor asks TheHive about each before closing it.
   */
  async openMissingFrom(listedIds: Set<string>): Promise<string[]> {
    const rows: Row[] = await this.db('sla_alerts').where({ state: 'open' }).select('alert_id');
    return rows.map((r) => String(r.alert_id)).filter((id) => !listedIds.has(id));
  }

  /** True when this call closed it. */
  async markClosed(alertId: string, now: number): Promise<boolean> {
    const updated = await this.db('sla_alerts')
      .where({ alert_id: alertId, state: 'open' })
      .update({ state: 'closed', next_due: null, updated_at: now });
    return updated === 1;
  }

  async dueAlerts(now: number, limit: number): Promise<TrackedAlert[]> {
    const rows: Row[] = await this.db('sla_alerts')
      .where({ state: 'open' })
      .whereNotNull('next_due')
      .andWhere('next_due', '<=', now)
      .orderBy('next_due', 'asc')
      .limit(limit);
    return rows.map(toTracked);
  }

  /**
   * Open alerts still due at `dueBy` whose row nobody wrote since `untouchedSince`: what a pass
   * that began at `dueBy` left behind. A row the poll wrote while the pass ran is not among them.
   */
  async leftDue(
    dueBy: number,
    untouchedSince: number,
    limit: number,
  ): Promise<Array<{ alertId: string; firedTier: number }>> {
    const rows: Row[] = await this.db('sla_alerts')
      .where({ state: 'open' })
      .whereNotNull('next_due')
      .andWhere('next_due', '<=', dueBy)
      .andWhere('updated_at', '<', untouchedSince)
      .orderBy('next_due', 'asc')
      .limit(limit)
      .select('alert_id', 'fired_tier');
    return rows.map((r) => ({ alertId: String(r.alert_id), firedTier: Number(r.fired_tier) }));
  }

  async earliestDue(): Promise<number | null> {
    const row = (await this.db('sla_alerts')
      .where({ state: 'open' })
      .whereNotNull('next_due')
      .min({ due: 'next_due' })
      .first()) as Row | undefined;
    return num(row?.due);
  }

  async setNextDue(alertId: string, nextDue: number | null, expectedTier: number, now: number): Promise<void> {
    await this.db('sla_alerts')
      .where({ alert_id: alertId, state: 'open', fired_tier: expectedTier })
      .update({ next_due: nextDue, updated_at: now });
  }

  /**
   * Records that a tier fired and claims its notifications, in one transaction. False when
   * another replica (or an earlier run of this one) already moved the alert on: then nothing is sent.
   */
  /** `also` runs in the claim's transaction (the outbox rows for what the tier sends). */
  async claimFire(
    alertId: string,
    claim: FireClaim,
    now: number,
    also: (trx: Knex.Transaction) => Promise<void> = async () => {},
  ): Promise<boolean> {
    return transactionWithRetry(this.db, async (trx) => {
      const updated = await trx('sla_alerts')
        .where({
          alert_id: alertId,
          state: 'open',
          fired_tier: claim.expectedTier,
          high_risk_fired: claim.expectedHighRisk,
        })
        .andWhere((q) => q.whereNull('snoozed_until').orWhere('snoozed_until', '<=', now))
        .update({
          fired_tier: claim.tier,
          fired_label: claim.label,
          fired_at: now,
          high_risk_fired: claim.expectedHighRisk || claim.highRisk,
          next_due: claim.next,
          updated_at: now,
        });
      if (updated !== 1) return false;
      if (claim.notifications.length > 0) {
        await trx('sla_notifications')
          .insert(
            claim.notifications.map((n) => ({
              alert_id: alertId,
              tier: n.tier,
              method: n.method,
              recipient: n.recipient,
              status: 'pending',
              attempts: 0,
              created_at: now,
              updated_at: now,
            })),
          )
          .onConflict(['alert_id', 'tier', 'method', 'recipient'])
          // Not IGNORE (a silent cut on MySQL): a no-op update keeps the row already claimed.
          .merge(['tier']);
      }
      await also(trx);
      return true;
    });
  }

  async markPromoted(alertId: string, c: TicketCase, by: string | null, now: number): Promise<void> {
    await this.db('sla_alerts').where({ alert_id: alertId }).update({
      state: 'promoted',
      case_id: c.id,
      case_number: c.number,
      promoted_by: by,
      next_due: null,
      updated_at: now,
    });
  }

  /** False when the alert is not open (promoted, closed or unknown). */
  async snooze(alertId: string, until: number, now: number): Promise<boolean> {
    const updated = await this.db('sla_alerts')
      .where({ alert_id: alertId, state: 'open' })
      .update({ snoozed_until: until, next_due: until, updated_at: now });
    return updated === 1;
  }

  async listOpen(limit: number): Promise<TrackedAlert[]> {
    const rows: Row[] = await this.db('sla_alerts').where({ state: 'open' }).orderBy('created_at', 'asc').limit(limit);
    return rows.map(toTracked);
  }

  async countOpen(): Promise<number> {
    const row = (await this.db('sla_alerts').where({ state: 'open' }).count({ n: '*' }).first()) as Row | undefined;
    return Number(row?.n ?? 0);
  }

  /** Digest figures: tiers fired since `since`, and open alerts that have breached at least one tier. */
  async activity(since: number): Promise<{ breaches: number; openPastTier: number }> {
    // SQLite's COUNT(DISTINCT …) takes one column, so the (alert, tier) pairs are counted here.
    const firedRows: Row[] = await this.db('sla_notifications')
      .where('created_at', '>=', since)
      .whereNot({ method: 'notice' })
      .distinct('alert_id', 'tier');
    const open = (await this.db('sla_alerts')
      .where({ state: 'open' })
      .andWhere('fired_tier', '>=', 0)
      .count({ n: '*' })
      .first()) as Row | undefined;
    return { breaches: firedRows.length, openPastTier: Number(open?.n ?? 0) };
  }
}
