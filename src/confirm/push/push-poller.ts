/**
 * Runs every pending push of this replica at once, each in its own loop, so one slow long poll
 * never holds another up. A periodic scan picks up pushes whose lease lapsed (a replica died) or
 * whose back-off ended; every replica scans, and the row's lease makes one of them the poller.
 */
import type { ConfirmContext } from '../context.js';
import { runPush } from './push-runner.js';

export class PushPoller {
  private readonly running = new Set<number>();
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ctx: ConfirmContext,
    private readonly scanIntervalMs: number,
    private readonly track: <T>(p: Promise<T>) => Promise<T>,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.scan(), this.scanIntervalMs);
    this.timer.unref();
    void this.scan();
  }

  /** Starts (or joins) the work on one push; a push already running here is not started twice. */
  kick(alertId: number): void {
    if (this.running.has(alertId) || this.stopping.signal.aborted) return;
    this.running.add(alertId);
    void this.track(runPush(this.ctx, alertId, this.ctx.replicaId, this.stopping.signal))
      .catch((err: unknown) => {
        // Cut off by shutdown (the store closes under a held long poll): the next process resumes it.
        if (this.stopping.signal.aborted)
          this.ctx.logger.info('confirm: push left for the next start', { alert: alertId });
        else this.ctx.logger.error('confirm: push failed', { alert: alertId, err });
      })
      .finally(() => this.running.delete(alertId));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.timer) clearInterval(this.timer);
  }

  /** Gives this replica's leases back so another process resumes its pushes at once. */
  async releaseAll(): Promise<void> {
    await this.ctx.pushes.releaseAll(this.ctx.replicaId).catch(() => {});
  }

  private async scan(): Promise<void> {
    if (this.stopping.signal.aborted || !this.ctx.push) return;
    try {
      for (const id of await this.ctx.pushes.claimable(this.ctx.clock.now().getTime())) this.kick(id);
    } catch (err) {
      this.ctx.logger.warn('confirm: push scan failed', { err });
    }
  }
}
