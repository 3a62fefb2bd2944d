import cronParser from 'cron-parser';
import schedule, { type Job } from 'node-schedule';
import type { Logger } from 'winston';
import type { FeatureDeps } from '../feature.js';
import type { DigestRepository } from './digest-repository.js';
import type { DigestService } from './digest-service.js';

/** How late a slot missed while no replica ran the schedule may still be posted. */
const GRACE_MS = 3 * 60 * 60 * 1000;

/**
 * Runs the digest schedule on the replica that holds the lease. Every slot is
 * claimed in the database with its post queued under the slot's outbox key, so
 * even two replicas that both believe they hold the lease post it once. On gaining the lease (start-up,
 * fail-over) the most recent slot is caught up late if it was missed within the
 * grace period, and skipped with a log line if it is older.
 */
export class DigestScheduler {
  private job: Job | null = null;
  private readonly running = new Set<Promise<unknown>>();
  private stopped = false;
  private readonly logger: Logger;

  constructor(
    private readonly deps: FeatureDeps,
    private readonly service: DigestService,
    private readonly repo: DigestRepository,
  ) {
    this.logger = deps.logger.child({ component: 'digest-scheduler' });
  }

  start(): void {
    this.deps.lease.onChange((held) => (held ? this.arm() : this.disarm()));
    if (this.deps.lease.isHeld()) this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.disarm();
    await Promise.allSettled([...this.running]);
  }

  /** The last slot at or before `now` in the configured zone. */
  private previousSlot(now: Date): Date {
    const { schedule: rule, tz } = this.deps.config.digest;
    return cronParser.parseExpression(rule, { currentDate: now, tz }).prev().toDate();
  }

  private arm(): void {
    if (this.stopped || this.job) return;
    const { schedule: rule, tz } = this.deps.config.digest;
    this.job = schedule.scheduleJob({ rule, tz }, (fireDate: Date) => {
      // A lease lost between the timer being set and firing: the new holder has the slot.
      if (this.deps.lease.isHeld()) this.track(this.service.postSlot(fireDate, false), fireDate);
    });
    this.logger.info('digest schedule armed', { schedule: rule, tz, next: this.job?.nextInvocation()?.toISOString() });
    this.track(this.catchUp(), null);
  }

  private disarm(): void {
    this.job?.cancel();
    this.job = null;
  }

  private async catchUp(): Promise<void> {
    const now = this.deps.clock.now();
    const slot = this.previousSlot(now);
    if (await this.repo.isClaimed(slot)) return;
    // A slot can only have been "missed" if a bot was running the schedule before;
    // a fresh install (or a newly configured digest) starts with the next slot.
    if (!(await this.repo.hasScheduledHistory())) return;
    const missedByMs = now.getTime() - slot.getTime();
    if (missedByMs > GRACE_MS) {
      this.logger.info('missed digest slot is too old to post late; skipped', {
        slot: slot.toISOString(),
        missedByMinutes: Math.round(missedByMs / 60_000),
        graceMinutes: GRACE_MS / 60_000,
      });
      return;
    }
    const result = await this.service.postSlot(slot, true);
    if (result === 'queued') this.logger.info('missed digest slot queued to post late', { slot: slot.toISOString() });
  }

  private track(work: Promise<unknown>, slot: Date | null): void {
    const run = work.catch((err: unknown) =>
      this.logger.error('digest run failed', { slot: slot?.toISOString() ?? 'catch-up', err }),
    );
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }
}
