import { hostname } from 'node:os';
import type { Logger } from 'winston';
import type { Clock } from '../core/ports.js';
import { type Db, isUniqueViolation } from './db.js';
import { holderProcessIsGone, thisHolderProcess } from './holder-process.js';

export const DEFAULT_LEASE_TTL_MS = 15_000;

export interface LeaseAttempt {
  held: boolean;
  /** who holds it after the attempt (null: nobody, as far as this attempt saw) */
  holder: string | null;
  /** set when the lease was taken from a holder whose process is provably gone */
  tookOverFrom?: string;
}

/**
 * Try to take or renew lease `name` for `holder` until now+ttl. Succeeds when the lease is
 * free, expired, already ours, or held by a process on this machine that no longer runs
 * (a crash followed by a restart need not wait for the TTL). Every write is one conditional
 * statement, so racing replicas on MySQL and SQLite alike get one winner.
 */
export async function tryLease(
  db: Db,
  name: string,
  holder: string,
  ttlMs: number,
  now: number,
  holderProcess: string | null = thisHolderProcess(),
): Promise<LeaseAttempt> {
  const row = { holder, holder_process: holderProcess, expires_at: now + ttlMs };
  const updated = await db('leases')
    .where({ name })
    .andWhere((q) => q.where({ holder }).orWhere('expires_at', '<=', now))
    .update(row);
  if (updated === 1) return { held: true, holder };
  const current = (await db('leases').where({ name }).first()) as
    | { holder: string; holder_process: string | null; expires_at: number }
    | undefined;
  if (!current) {
    try {
      await db('leases').insert({ name, ...row });
      return { held: true, holder };
    } catch (err) {
      if (isUniqueViolation(err)) return { held: false, holder: null };
      throw err;
    }
  }
  if (holderProcessIsGone(current.holder_process)) {
    // Compare-and-set on what was read: a replica that renewed or took it meanwhile wins.
    const taken = await db('leases')
      .where({ name, holder: current.holder, expires_at: current.expires_at })
      .update(row);
    if (taken === 1) return { held: true, holder, tookOverFrom: current.holder };
  }
  return { held: false, holder: current.holder };
}

export async function acquireLease(db: Db, name: string, holder: string, ttlMs: number, now: number): Promise<boolean> {
  return (await tryLease(db, name, holder, ttlMs, now)).held;
}

export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db('leases').where({ name, holder }).delete();
}

export async function leaseHolder(db: Db, name: string, now: number): Promise<string | null> {
  const row = await db('leases').where({ name }).andWhere('expires_at', '>', now).first();
  return row ? (row.holder as string) : null;
}

/**
 * Keeps a lease renewed in the background and tells its owner whether this replica is the
 * one that may run schedulers. Renewal runs at a third of the TTL. Leadership is claimed only
 * on the strength of a recent successful renewal: a renewal the database has not answered
 * within a third of the TTL drops it, so a frozen database never leaves a replica believing
 * it leads until the lease has long passed to another.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | null = null;
  private held = false;
  /** performance.now() until which the last successful renewal proves leadership */
  private validUntil = 0;
  private currentHolder: string | null = null;
  private stopped = false;
  /** the renewal in flight; a slow database must not stack renewals on top of it */
  private renewing: Promise<void> | null = null;
  private readonly listeners = new Set<(held: boolean) => void>();

  constructor(
    private readonly db: Db,
    readonly name: string,
    readonly holder: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    readonly ttlMs = DEFAULT_LEASE_TTL_MS,
  ) {}

  isHeld(): boolean {
    return this.held && performance.now() < this.validUntil;
  }

  /** The replica id that held the lease at the last renewal (opaque; null: nobody). */
  holderNow(): string | null {
    return this.isHeld() ? this.holder : this.currentHolder === this.holder ? null : this.currentHolder;
  }

  /** Called with true when this replica gains the lease and false when it loses it. */
  onChange(listener: (held: boolean) => void): void {
    this.listeners.add(listener);
  }

  async start(): Promise<void> {
    await this.renew();
    this.scheduleNext();
  }

  /**
   * The holder renews at a third of the TTL; the others ask every second, so a lease released
   * by a clean shutdown, or held by a process on this machine that died, changes hands at once.
   */
  private scheduleNext(): void {
    if (this.stopped) return;
    const waitMs = this.held ? this.renewEveryMs() : Math.min(this.renewEveryMs(), 1000);
    this.timer = setTimeout(() => void this.renew().finally(() => this.scheduleNext()), waitMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // A renewal still in flight could otherwise take the lease back after it is released.
    await this.bounded(this.renewing ?? Promise.resolve());
    this.set(false);
    // Released, a restarted process or another replica takes over at its next renewal, not after the TTL.
    await this.bounded(releaseLease(this.db, this.name, this.holder)).catch((err: unknown) =>
      this.logger.warn('lease release failed; it expires on its own', { lease: this.name, err }),
    );
  }

  private renewEveryMs(): number {
    return Math.max(50, Math.floor(this.ttlMs / 3));
  }

  private bounded<T>(work: Promise<T>): Promise<T | undefined> {
    return Promise.race([
      work,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), this.renewEveryMs()).unref()),
    ]);
  }

  private renew(): Promise<void> {
    if (this.renewing) return this.renewing;
    const startedAt = performance.now();
    const attempt = this.tick(startedAt).finally(() => {
      clearTimeout(unanswered);
      this.renewing = null;
    });
    const unanswered = setTimeout(() => {
      if (!this.held) return;
      this.logger.warn('lease renewal not answered in time; no longer leading', {
        lease: this.name,
        waitedMs: this.renewEveryMs(),
      });
      this.set(false);
    }, this.renewEveryMs());
    unanswered.unref();
    this.renewing = attempt;
    return attempt;
  }

  private async tick(startedAt: number): Promise<void> {
    try {
      const result = await tryLease(this.db, this.name, this.holder, this.ttlMs, this.clock.now().getTime());
      if (this.stopped) return;
      if (result.tookOverFrom) {
        this.logger.info('lease taken over from a process that is gone', {
          lease: this.name,
          previous: result.tookOverFrom,
        });
      }
      this.noteHolder(result.holder);
      // Valid for two renewal periods from when this one started: one missed renewal is tolerated.
      this.validUntil = startedAt + 2 * this.renewEveryMs();
      this.set(result.held && performance.now() < this.validUntil);
    } catch (err) {
      // Losing the database means we can no longer prove we hold the lease.
      this.logger.warn('lease renewal failed', { lease: this.name, err });
      this.set(false);
    }
  }

  private noteHolder(holder: string | null): void {
    if (holder === this.currentHolder) return;
    this.currentHolder = holder;
    if (holder !== null && holder !== this.holder)
      this.logger.info('lease held by another replica', { lease: this.name, holder });
  }

  private set(held: boolean): void {
    if (held === this.held) return;
    this.held = held;
    if (!held) this.validUntil = 0;
    // The replica id is opaque (it is shown by /healthz); the log says which machine and process it is.
    this.logger.info(held ? 'lease acquired' : 'lease lost', {
      lease: this.name,
      holder: this.holder,
      host: hostname(),
      pid: process.pid,
    });
    for (const l of this.listeners) l(held);
  }
}
