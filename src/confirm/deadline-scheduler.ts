/**
 * One timer for the earliest open deadline, on the lease-holding replica only. It is re-armed
 * whenever alerts change here, when the lease is gained and on each periodic sweep (which is how
 * it learns of deadlines set on other replicas), and fires overdue deadlines at once on start-up,
 * so a time-out made here lands within about a second of its stored time, also after a restart.
 */
import type { Logger } from 'winston';
import type { Clock } from '../core/ports.js';
import type { LeaseKeeper } from '../store/leases.js';

/** setTimeout overflows past ~24.8 days; far deadlines are re-checked instead. */
const MAX_DELAY_MS = 60 * 60_000;

export interface DeadlineSource {
  earliestOpenDeadline(): Promise<number | null>;
}

export class DeadlineScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private rearmRequested = false;
  private stopped = false;

  constructor(
    private readonly source: DeadlineSource,
    private readonly lease: Pick<LeaseKeeper, 'isHeld' | 'onChange'>,
    private readonly clock: Clock,
    private readonly fireDue: (now: Date) => Promise<void>,
    private readonly logger: Logger,
  ) {}

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
    if (next === null || this.stopped) return;
    const delay = next - this.clock.now().getTime();
    if (delay <= 0) {
      await this.fireDue(this.clock.now());
      // Look again soon (more may be due) without spinning if one cannot be moved.
      this.schedule(50);
      return;
    }
    this.schedule(Math.min(delay, MAX_DELAY_MS));
  }

  private schedule(delayMs: number): void {
    this.clear();
    if (this.stopped) return;
    this.timer = setTimeout(() => this.rearm(), delayMs);
    this.timer.unref();
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
