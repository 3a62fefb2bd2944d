/**
 * The SLA monitor: on the lease holder only, polls TheHive for open alerts, stores them, and fires
 * each alert's next tier at its exact deadline from one timer armed at the earliest `next_due`.
 * This file owns the lease, the poll and the timer; firing and recovery are `TierFirer`'s.
 */
import type { Logger } from 'winston';
import type { Clock, TicketAlert, TicketingPort } from '../core/ports.js';
import { evaluateSla } from '../core/sla/evaluate.js';
import { boundAlertFacts } from '../core/sla/fact-bounds.js';
import type { SlaPolicy } from '../core/sla/policy.js';
import type { HomeSignals } from '../feature.js';
import { DeadlineTimer } from '../jobs/deadline-timer.js';
import type { Db } from '../store/db.js';
import type { LeaseKeeper } from '../store/leases.js';
import type { SlaNotifier } from './notifier.js';
import { reopenClosedAlerts } from './reopened-alerts.js';
import type { SlaRepository } from './repository.js';
import { TierFirer } from './tier-firer.js';
import { factsFingerprint } from './tracked-alert-repository.js';

export interface SlaMonitorDeps {
  db: Db;
  repo: SlaRepository;
  ticketing: TicketingPort;
  notifier: SlaNotifier;
  policy: SlaPolicy;
  lease: LeaseKeeper;
  clock: Clock;
  logger: Logger;
  pollIntervalMs: number;
  home?: HomeSignals;
}

export interface PollResult {
  seen: number;
  added: number;
  changed: number;
  stopped: number;
}

export class SlaMonitor {
  private readonly timer: DeadlineTimer;
  private readonly firer: TierFirer;
  private pollTimer: NodeJS.Timeout | null = null;
  /** re-reads of the earliest deadline begun, and the latest one that armed the timer */
  private rearmsStarted = 0;
  private rearmsApplied = 0;
  private running = false;
  /** Due alerts that passes could not move on, by id: at which tier, and how many passes in a row. */
  private readonly stuck = new Map<string, { firedTier: number; passes: number }>();
  /** Alerts the store refused, by id, with the facts that failed: each version is reported once. */
  private readonly refused = new Map<string, string>();

  constructor(private readonly d: SlaMonitorDeps) {
    const { db, repo, ticketing, notifier, policy, clock, logger } = d;
    this.firer = new TierFirer({
      db,
      repo,
      ticketing,
      notifier,
      policy,
      clock,
      logger,
      isActive: () => this.running && this.d.lease.isHeld(),
      afterPass: () => this.rearm(),
      home: d.home,
    });
    this.timer = new DeadlineTimer(
      () => this.now(),
      () => void this.fireDue(),
    );
  }

  start(): void {
    this.running = true;
    this.d.lease.onChange((held) => (held ? void this.onLeaseGained() : this.onLeaseLost()));
    if (this.d.lease.isHeld()) void this.onLeaseGained();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.onLeaseLost();
    await this.firer.settle();
  }

  /**
   * One full poll: store new alerts, take changes, stop alerts TheHive no longer has open. New
   * alerts go in first, and every write is its own, so an alert the store refuses is reported and
   * skipped while every other alert is still tracked.
   */
  async poll(): Promise<PollResult> {
    const alerts = (await this.d.ticketing.listOpenAlerts()).map(boundAlertFacts);
    const now = this.now();
    const stored = await this.d.repo.alerts.openFingerprints();
    const fresh: TicketAlert[] = [];
    const changedAlerts: TicketAlert[] = [];
    for (const alert of alerts) {
      const fingerprint = stored.get(alert.id);
      if (fingerprint === undefined) fresh.push(alert);
      else if (fingerprint !== factsFingerprint(alert)) changedAlerts.push(alert);
    }
    // A promoted alert stays a case; one we saw closed and TheHive lists open again is tracked again.
    const known = await this.d.repo.alerts.knownIds(fresh.map((a) => a.id));
    const added = fresh.filter((a) => !known.has(a.id));
    await reopenClosedAlerts(
      this.d.db,
      fresh.filter((a) => known.has(a.id)),
      now,
    );
    const failed = await this.d.repo.alerts.insertAlerts(
      added.map((alert) => ({ alert, nextDue: this.firstDue(alert, now) })),
      now,
    );
    const byId = new Map(alerts.map((a) => [a.id, a]));
    const refusedNow = new Set<string>();
    for (const { alertId, err } of failed) {
      refusedNow.add(alertId);
      this.reportRefused(byId.get(alertId), err);
    }
    let changed = 0;
    for (const alert of changedAlerts) {
      try {
        await this.d.repo.alerts.updateFacts(alert, now);
        changed++;
      } catch (err) {
        refusedNow.add(alert.id);
        this.reportRefused(alert, err);
      }
    }
    // Forget alerts stored since (or gone), so a later refusal of them is reported again.
    for (const id of this.refused.keys()) if (!refusedNow.has(id)) this.refused.delete(id);
    for (const id of this.stuck.keys()) if (!byId.has(id)) this.stuck.delete(id);
    const stopped = await this.closeUnlisted(new Set(alerts.map((a) => a.id)));
    if (stopped.length)
      this.d.logger.info('alerts no longer open in TheHive; escalation stopped', { count: stopped.length });
    if (added.length + changed + stopped.length > 0) this.d.home?.changed('responders');
    await this.rearm();
    return { seen: alerts.length, added: added.length - failed.length, changed, stopped: stopped.length };
  }

  /**
   * Once per version of the alert, and never the error itself: a database error's message carries
   * the whole statement, alert text included.
   */
  private reportRefused(alert: TicketAlert | undefined, err: unknown): void {
    if (!alert) return;
    const fingerprint = factsFingerprint(alert);
    if (this.refused.get(alert.id) === fingerprint) return;
    this.refused.set(alert.id, fingerprint);
    this.d.logger.error('could not store a TheHive alert; skipping it, the others are tracked', {
      component: 'sla',
      alert: alert.id.slice(0, 128),
      ...dbErrorSummary(err),
    });
  }

  /**
   * An open alert missing from the listing may only have moved between pages while TheHive
   * changed, so each one is closed only when TheHive itself says it is gone or no longer open.
   */
  private async closeUnlisted(listedIds: Set<string>): Promise<string[]> {
    const closed: string[] = [];
    for (const alertId of await this.d.repo.alerts.openMissingFrom(listedIds)) {
      let alert: TicketAlert | null;
      try {
        alert = await this.d.ticketing.getAlert(alertId);
      } catch (err) {
        this.d.logger.warn('could not confirm an unlisted alert is closed; keeping it open', {
          component: 'sla',
          alert: alertId,
          err,
        });
        continue;
      }
      if (alert?.state === 'open') continue;
      if (await this.d.repo.alerts.markClosed(alertId, this.now())) {
        closed.push(alertId);
        await this.d.notifier.onCall?.endAck(alertId, 'closed');
      }
    }
    return closed;
  }

  /** Re-reads the earliest deadline; call after anything that may have moved one. */
  async rearm(): Promise<void> {
    if (!this.running || !this.d.lease.isHeld()) return;
    const mine = ++this.rearmsStarted;
    const at = await this.d.repo.alerts.earliestDue();
    // A read that began before another one armed the timer may predate a fire: arming from it
    // would bring back a deadline already dealt with, which the timer takes for a stall.
    if (mine < this.rearmsApplied) return;
    this.rearmsApplied = mine;
    this.timer.arm(at);
  }

  /**
   * Fires every due alert; concurrent calls fold into one extra pass. An alert the pass left due
   * (its fire failed, or could not be claimed) is then moved back with its own back-off, so it
   * neither holds the timer at its deadline nor delays the alerts due after it.
   */
  async fireDue(): Promise<void> {
    const startedAt = this.now();
    await this.firer.fireDue();
    await this.deferStuck(startedAt).catch((err: unknown) =>
      this.d.logger.error('could not defer stuck SLA alerts', { component: 'sla', ...dbErrorSummary(err) }),
    );
  }

  private async deferStuck(startedAt: number): Promise<void> {
    if (!this.running || !this.d.lease.isHeld()) return;
    // A row written just before the pass (a poll racing it) may simply not have been read yet.
    const left = await this.d.repo.alerts.leftDue(startedAt, startedAt - STUCK_SETTLE_MS, STUCK_BATCH);
    if (left.length === 0) return;
    const now = this.now();
    for (const alert of left) {
      const before = this.stuck.get(alert.alertId);
      const passes = before?.firedTier === alert.firedTier ? before.passes + 1 : 1;
      this.stuck.set(alert.alertId, { firedTier: alert.firedTier, passes });
      if (passes === 1)
        this.d.logger.warn('a due SLA alert could not be fired; retrying it with back-off, the others go on', {
          component: 'sla',
          alert: alert.alertId,
        });
      const delay = Math.min(STUCK_MAX_BACKOFF_MS, STUCK_FIRST_BACKOFF_MS * 2 ** (passes - 1));
      await this.d.repo.alerts.setNextDue(alert.alertId, now + delay, alert.firedTier, now);
    }
    await this.rearm();
  }

  /** Resolves when every send started so far has finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.firer.idle();
  }

  /** Finishes sends claimed but never attempted, and reports sends a previous holder cut off. */
  recover(): Promise<void> {
    return this.firer.recover();
  }

  private firstDue(alert: TicketAlert, now: number): number | null {
    const decision = evaluateSla(
      alert,
      { firedTier: null, snoozedUntil: null, highRiskFired: false },
      this.d.policy,
      now,
    );
    if (decision.kind === 'fire') return now;
    return decision.kind === 'wait' ? decision.next : null;
  }

  private async onLeaseGained(): Promise<void> {
    if (!this.running) return;
    // The first poll (scheduled now) also recovers what a previous holder left behind.
    this.schedulePoll(0);
    await this.rearm().catch((err: unknown) => this.d.logger.error('could not arm SLA timer', { err }));
  }

  private onLeaseLost(): void {
    this.timer.cancel();
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  private schedulePoll(delayMs: number): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => void this.pollOnce(), delayMs);
  }

  private async pollOnce(): Promise<void> {
    this.pollTimer = null;
    if (!this.running || !this.d.lease.isHeld()) return;
    const started = Date.now();
    try {
      await this.recover();
    } catch (err) {
      this.d.logger.error('SLA recovery failed', { component: 'sla', err });
    }
    try {
      const result = await this.poll();
      this.d.logger.debug('TheHive poll done', { ...result, ms: Date.now() - started });
    } catch (err) {
      // Deadlines live in the database, so tiers keep firing on time while TheHive is unreachable.
      this.d.logger.warn('TheHive poll failed; trying again at the next poll', { component: 'sla', err });
    }
    if (this.running && this.d.lease.isHeld()) this.schedulePoll(this.d.pollIntervalMs);
  }

  private now(): number {
    return this.d.clock.now().getTime();
  }
}

const ERROR_TEXT_MAX = 200;
const STUCK_BATCH = 100;
const STUCK_FIRST_BACKOFF_MS = 1000;
const STUCK_SETTLE_MS = 500;
const STUCK_MAX_BACKOFF_MS = 60_000;

/** The driver's own code and message, capped; knex prefixes MySQL messages with the statement. */
export function dbErrorSummary(err: unknown): { code: string; error: string } {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    code?: unknown;
    sqlMessage?: unknown;
    message?: unknown;
  };
  const message = typeof e.sqlMessage === 'string' ? e.sqlMessage : typeof e.message === 'string' ? e.message : '';
  const statementCut = typeof e.sqlMessage === 'string' ? message : message.replace(/^[\s\S]* - (?=\S)/, '');
  return { code: typeof e.code === 'string' ? e.code : 'unknown', error: statementCut.slice(0, ERROR_TEXT_MAX) };
}
