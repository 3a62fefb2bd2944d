/**
 * One timer for the earliest open deadline, on the lease-holding replica only. It is re-armed
 * whenever alerts change here and when the lease is gained, and fires overdue deadlines at once
 * on start-up. Deadlines can also be set or moved on another replica (its intake, a click it
 * received), which never reaches this one, so the earliest deadline is re-read at least every
 * RECHECK_MS: every time-out lands within about a second of its stored time, wherever it was set
 * and across restarts. The re-read is one indexed MIN() query.
 */
import type { Logger } from 'winston';
import type { Clock } from '../core/ports.js';
import { DeadlineTimer } from '../jobs/deadline-timer.js';
import type { LeaseKeeper } from '../store/leases.js';

const RECHECK_MS = 1000;

export interface DeadlineSource {
  earliestOpenDeadline(): Promise<number | null>;
}

export class DeadlineScheduler {
  private readonly timer: DeadlineTimer;
  private running: Promise<void> | null = null;
  private rearmRequested = false;
  private stopped = false;

  constructor(
    private readonly source: DeadlineSource,
    private readonly lease: Pick<LeaseKeeper, 'isHeld' | 'onChange'>,
    private readonly clock: Clock,
    private readonly fireDue: (now: Date) => Promise<void>,
    private readonly logger: Logger,
  ) {
    this.timer = new DeadlineTimer(
      () => this.clock.now().getTime(),
      () => this.rearm(),
    );
  }

  start(): void {
    this.lease.onChange(() => this.rearm());
    this.rearm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clear();
    await this.running;
  }

  /** Cheap to call often: concurrent requests collapse into one re-read of the earliest deadline. */
  rearm(): void {
    if (this.stopped) return;
    if (this.running) {
      this.rearmRequested = true;
      return;
    }
    this.running = this.arm()
      .catch((err: unknown) => {
        this.logger.error('confirm: deadline scheduler failed; retrying in 1 s', { err });
        this.schedule(1000);
      })
      .finally(() => {
        this.running = null;
        if (this.rearmRequested) {
          this.rearmRequested = false;
          this.rearm();
        }
      });
  }

  private async arm(): Promise<void> {
    this.clear();
    if (!this.lease.isHeld()) return;
    const next = await this.source.earliestOpenDeadline();
    if (this.stopped) return;
    if (next === null) {
      // Nothing open here, but another replica may open one at any moment.
      this.schedule(RECHECK_MS);
      return;
    }
    const delay = next - this.clock.now().getTime();
    if (delay <= 0) {
      await this.fireDue(this.clock.now());
      // Look again soon (more may be due) without spinning if one cannot be moved.
      this.schedule(50);
      return;
    }
    this.schedule(Math.min(delay, RECHECK_MS));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer.arm(this.clock.now().getTime() + delayMs);
  }

  private clear(): void {
    this.timer.cancel();
  }
}
