/**
 * Fires SLA tiers that are due and finishes sends a previous holder left behind. Each fire is
 * decided by the pure core (`evaluateSla`) and claimed in the database before anything is sent,
 * so a second replica or a re-run can never send the same tier twice.
 */
import type { Logger } from 'winston';
import type { Clock, TicketingPort } from '../core/ports.js';
import { evaluateSla, type SlaAlertFacts } from '../core/sla/evaluate.js';
import type { SlaPolicy } from '../core/sla/policy.js';
import type { HomeSignals } from '../feature.js';
import { tierLateness } from '../metrics/metrics.js';
import { appendAudit } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { withTimeout } from '../with-timeout.js';
import type { SlaNotifier } from './notifier.js';
import type { SlaRepository } from './repository.js';
import type { TrackedAlert } from './tracked-alert-repository.js';

export interface TierFirerDeps {
  db: Db;
  repo: SlaRepository;
  ticketing: TicketingPort;
  notifier: SlaNotifier;
  policy: SlaPolicy;
  clock: Clock;
  logger: Logger;
  /** false once the monitor stops or loses the lease: a pass in progress ends there */
  isActive: () => boolean;
  /** after every pass, since firing moves deadlines */
  afterPass: () => Promise<void>;
  home?: HomeSignals;
}

const DUE_BATCH = 100;
const FIRE_CONCURRENCY = 8;
/** How long a fire waits for TheHive to confirm the alert is still open before sending anyway. */
const STILL_OPEN_CHECK_MS = 1500;

export class TierFirer {
  private firing: Promise<void> | null = null;
  private fireAgain = false;

  constructor(private readonly d: TierFirerDeps) {}

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
      } while (this.fireAgain && this.d.isActive());
    })()
      .catch((err: unknown) => {
        this.d.logger.error('SLA deadline pass failed', { err });
      })
      .finally(() => {
        this.firing = null;
        void this.d.afterPass().catch((err: unknown) => this.d.logger.error('could not re-arm SLA timer', { err }));
      });
    this.firing = pass;
    return pass;
  }

  /** Resolves when every send started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.firing) await this.firing;
  }

  /** Waits once for the pass and sends in flight now; what they start afterwards is not awaited. */
  async settle(): Promise<void> {
    await this.firing?.catch(() => {});
  }

  /**
   * Every poll on the holder: notifications an earlier version claimed and never sent (the
   * upgrade migration put them back to pending) are queued in the outbox. New tiers queue their
   * rows in the transaction that fires them, so they never need this.
   */
  async recover(): Promise<void> {
    for (const alertId of await this.d.repo.notifications.alertsWithStatus('pending')) {
      await this.d.db.transaction((trx) => this.d.notifier.queue(trx, alertId, []));
    }
  }

  private async fireDuePass(): Promise<void> {
    for (;;) {
      if (!this.d.isActive()) return;
      const due = await this.d.repo.alerts.dueAlerts(this.now(), DUE_BATCH);
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
      const onCall = this.d.notifier.onCall;
      // Acknowledgement and quiet hours: an acknowledged alert waits for ack_timeout, then resumes.
      const human = onCall ? await onCall.slaInputs(alert.alertId) : {};
      const decision = evaluateSla(factsOf(alert), stateOf(alert), this.d.policy, now, human);
      if (decision.kind !== 'fire') {
        await this.d.repo.alerts.setNextDue(
          alert.alertId,
          decision.kind === 'wait' ? decision.next : null,
          alert.firedTier,
          now,
        );
        return;
      }
      if (!(await this.stillOpen(alert.alertId, log))) {
        if (await this.d.repo.alerts.markClosed(alert.alertId, this.now()))
          await onCall?.endAck(alert.alertId, 'closed');
        log.info('alert closed in TheHive before its tier fired; escalation stopped');
        return;
      }
      // Who is on call when the tier fires (rotation, override, primary; seniors by name or number).
      const plan = onCall ? await onCall.planPage(decision.notify) : null;
      const extras = { tier: decision.tier, plan, resumed: decision.resumed === true };
      const firedAt = this.now();
      const claimed = await this.d.repo.alerts.claimFire(
        alert.alertId,
        {
          expectedTier: alert.firedTier,
          expectedHighRisk: alert.highRiskFired,
          tier: decision.tier,
          label: decision.tierLabel,
          highRisk: decision.highRisk,
          next: decision.next,
          notifications: this.d.notifier.keysFor(decision.tier, decision.notify, plan),
        },
        firedAt,
        // What the tier sends is queued with the fire itself: a crash can lose neither.
        (trx) => this.d.notifier.queue(trx, alert.alertId, decision.notify, extras),
      );
      if (!claimed) return;
      tierLateness.observe(Math.max(0, firedAt - (alert.nextDue ?? firedAt)) / 1000);
      this.d.home?.changed('responders');
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
        details: {
          tier: decision.tier,
          label: decision.tierLabel,
          notify: decision.notify,
          skipped: decision.skipped,
          ...(extras.resumed ? { resumed: true } : {}),
        },
      });
    } catch (err) {
      log.error('firing SLA tier failed', { err });
    }
  }

  /** TheHive's word at fire time, so a close between polls stops the tier; when TheHive is down or slow we send. */
  private async stillOpen(alertId: string, log: Logger): Promise<boolean> {
    try {
      const answer = await withTimeout(this.d.ticketing.getAlert(alertId), STILL_OPEN_CHECK_MS);
      return answer !== null && answer.state === 'open';
    } catch (err) {
      log.warn('could not ask TheHive whether the alert is still open; firing on stored state', { err });
      return true;
    }
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
