/**
 * The SLA monitor: on the lease holder only, polls TheHive for open alerts, stores them, and fires
 * each alert's next tier at its exact deadline from one timer armed at the earliest `next_due`.
 * Every decision comes from the pure core (`evaluateSla`); every fire is claimed in the database.
 */
import type { Logger } from 'winston';
import type { Clock, TicketAlert, TicketingPort } from '../core/ports.js';
import { evaluateSla, type SlaAlertFacts } from '../core/sla/evaluate.js';
import type { SlaPolicy } from '../core/sla/policy.js';
import { appendAudit } from '../store/audit.js';
import type { Db } from '../store/db.js';
import type { LeaseKeeper } from '../store/leases.js';
import { DeadlineTimer } from './deadline-timer.js';
import type { SlaNotifier } from './notifier.js';
import { factsFingerprint, type SlaRepository, type TrackedAlert } from './repository.js';

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
}

const DUE_BATCH = 100;
const FIRE_CONCURRENCY = 8;
/** How long a fire waits for TheHive to confirm the alert is still open before sending anyway. */
const STILL_OPEN_CHECK_MS = 1500;
/** A send left in "sending" this long by a previous holder is treated as interrupted. */
const IN_FLIGHT_GRACE_MS = 30_000;

export interface PollResult {
  seen: number;
  added: number;
  changed: number;
  stopped: number;
}

export class SlaMonitor {
  private readonly timer: DeadlineTimer;
  private pollTimer: NodeJS.Timeout | null = null;
  private running = false;
  private firing: Promise<void> | null = null;
  private fireAgain = false;
  private readonly deliveries = new Set<Promise<void>>();

  constructor(private readonly d: SlaMonitorDeps) {
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
    await this.firing?.catch(() => {});
    await Promise.allSettled([...this.deliveries]);
  }

  /** One full poll: store new alerts, take changes, stop alerts TheHive no longer has open. */
  async poll(): Promise<PollResult> {
    const alerts = await this.d.ticketing.listOpenAlerts();
    const now = this.now();
    const stored = await this.d.repo.openFingerprints();
    const fresh: TicketAlert[] = [];
    let changed = 0;
    for (const alert of alerts) {
      const fingerprint = stored.get(alert.id);
      if (fingerprint === undefined) fresh.push(alert);
      else if (fingerprint !== factsFingerprint(alert)) {
        await this.d.repo.updateFacts(alert, now);
        changed++;
      }
    }
    // An alert we promoted or saw closed stays that way even if TheHive lists it again meanwhile.
    const known = await this.d.repo.knownIds(fresh.map((a) => a.id));
    const added = fresh.filter((a) => !known.has(a.id));
    await this.d.repo.insertAlerts(
      added.map((alert) => ({ alert, nextDue: this.firstDue(alert, now) })),
      now,
    );
    const stopped = await this.closeUnlisted(new Set(alerts.map((a) => a.id)));
    if (stopped.length)
      this.d.logger.info('alerts no longer open in TheHive; escalation stopped', { count: stopped.length });
    await this.rearm();
    return { seen: alerts.length, added: added.length, changed, stopped: stopped.length };
  }

  /**
   * An open alert missing from the listing may only have moved between pages while TheHive
   * changed, so each one is closed only when TheHive itself says it is gone or no longer open.
   */
  private async closeUnlisted(listedIds: Set<string>): Promise<string[]> {
    const closed: string[] = [];
    for (const alertId of await this.d.repo.openMissingFrom(listedIds)) {
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
      if (await this.d.repo.markClosed(alertId, this.now())) closed.push(alertId);
    }
    return closed;
  }

  /** Re-reads the earliest deadline; call after anything that may have moved one. */
  async rearm(): Promise<void> {
    if (!this.running || !this.d.lease.isHeld()) return;
    this.timer.arm(await this.d.repo.earliestDue());
  }

  /** Fires every due alert; concurrent calls fold into one extra pass. */
  fireDue(): Promise<void> {
    if (this.firing) {
      this.fireAgain = true;
      return this.firing;
    }
    const pass = (async () => {
      do {
        this.fireAgain = false;
        await this.fireDuePass();
      } while (this.fireAgain && this.running);
    })()
      .catch((err: unknown) => {
        this.d.logger.error('SLA deadline pass failed', { err });
      })
      .finally(() => {
        this.firing = null;
        void this.rearm().catch((err: unknown) => this.d.logger.error('could not re-arm SLA timer', { err }));
      });
    this.firing = pass;
    return pass;
  }

  /** Resolves when every send started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.firing || this.deliveries.size > 0) {
      await this.firing;
      await Promise.allSettled([...this.deliveries]);
    }
  }

  private async fireDuePass(): Promise<void> {
    for (;;) {
      if (!this.running || !this.d.lease.isHeld()) return;
      const due = await this.d.repo.dueAlerts(this.now(), DUE_BATCH);
      for (let i = 0; i < due.length; i += FIRE_CONCURRENCY) {
        await Promise.all(due.slice(i, i + FIRE_CONCURRENCY).map((alert) => this.fireOne(alert)));
      }
      if (due.length < DUE_BATCH) return;
    }
  }

  private async fireOne(alert: TrackedAlert): Promise<void> {
    const log = this.d.logger.child({ component: 'sla', alert: alert.alertId });
    try {
      const now = this.now();
      const decision = evaluateSla(factsOf(alert), stateOf(alert), this.d.policy, now);
      if (decision.kind !== 'fire') {
        await this.d.repo.setNextDue(
          alert.alertId,
          decision.kind === 'wait' ? decision.next : null,
          alert.firedTier,
          now,
        );
        return;
      }
      if (!(await this.stillOpen(alert.alertId, log))) {
        await this.d.repo.markClosed(alert.alertId, this.now());
        log.info('alert closed in TheHive before its tier fired; escalation stopped');
        return;
      }
      const firedAt = this.now();
      const claimed = await this.d.repo.claimFire(
        alert.alertId,
        {
          expectedTier: alert.firedTier,
          expectedHighRisk: alert.highRiskFired,
          tier: decision.tier,
          label: decision.tierLabel,
          highRisk: decision.highRisk,
          next: decision.next,
          notifications: this.d.notifier.keysFor(decision.tier, decision.notify),
        },
        firedAt,
      );
      if (!claimed) return;
      log.info('SLA tier fired', {
        tier: decision.tier,
        label: decision.tierLabel,
        lateMs: firedAt - (alert.nextDue ?? firedAt),
      });
      await appendAudit(this.d.db, {
        at: new Date(firedAt),
        actor: 'system',
        action: 'sla.breached',
        subject: `hive:${alert.alertId}`,
        details: { tier: decision.tier, label: decision.tierLabel, notify: decision.notify, skipped: decision.skipped },
      });
      this.track(this.d.notifier.deliver(alert.alertId, decision.notify, decision.tier), log);
    } catch (err) {
      log.error('firing SLA tier failed', { err });
    }
  }

  /** TheHive's word at fire time, so a close between polls stops the tier; when TheHive is down we send. */
  private async stillOpen(alertId: string, log: Logger): Promise<boolean> {
    let timeout: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timeout = setTimeout(() => resolve('timeout'), STILL_OPEN_CHECK_MS);
    });
    try {
      const answer = await Promise.race([this.d.ticketing.getAlert(alertId), gaveUp]);
      if (answer === 'timeout') {
        log.warn('TheHive did not answer in time; firing on stored state');
        return true;
      }
      return answer !== null && answer.state === 'open';
    } catch (err) {
      log.warn('could not ask TheHive whether the alert is still open; firing on stored state', { err });
      return true;
    } finally {
      clearTimeout(timeout);
    }
  }

  private track(delivery: Promise<void>, log: Logger): void {
    const tracked = delivery
      .catch((err: unknown) => {
        log.error('SLA delivery failed', { err });
      })
      .finally(() => this.deliveries.delete(tracked));
    this.deliveries.add(tracked);
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

  /**
   * Every poll on the holder: finish what was claimed but never attempted, and report what a
   * crashed or replaced holder cut off. A takeover happens sooner than the grace ends, so this
   * cannot wait for a lease change; rows this process is still sending are not touched.
   */
  async recover(): Promise<void> {
    const now = this.now();
    const interrupted = await this.d.repo.abandonInFlight(now - IN_FLIGHT_GRACE_MS, now, this.d.notifier.sendingIds());
    for (const n of interrupted) {
      await this.d.notifier
        .threadReply(
          n.alertId,
          `:warning: A ${n.method} notification was interrupted by a restart; it may not have been sent.`,
        )
        .catch((err: unknown) => this.d.logger.warn('could not report an interrupted send', { err }));
    }
    for (const alertId of await this.d.repo.alertsWithStatus('pending')) {
      const alert = await this.d.repo.get(alertId);
      if (!alert) continue;
      const log = this.d.logger.child({ component: 'sla', alert: alertId });
      this.track(this.d.notifier.deliver(alertId, [], alert.firedTier), log);
    }
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

function factsOf(alert: TrackedAlert): SlaAlertFacts {
  return {
    severity: alert.severity,
    createdAt: alert.createdAt,
    title: alert.title,
    description: alert.description,
    observables: alert.observables,
  };
}

function stateOf(alert: TrackedAlert) {
  return { firedTier: alert.firedTier, snoozedUntil: alert.snoozedUntil, highRiskFired: alert.highRiskFired };
}
