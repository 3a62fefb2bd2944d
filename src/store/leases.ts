import type { Logger } from 'winston';
import type { Clock } from '../core/ports.js';
import { type Db, isUniqueViolation } from './db.js';

/**
 * Try to take or renew lease `name` for `holder` until now+ttl. Succeeds when the
 * lease is free, expired, or already ours. A single conditional UPDATE decides
 * between racing replicas, so it is safe on MySQL and SQLite alike.
 */
export async function acquireLease(db: Db, name: string, holder: string, ttlMs: number, now: number): Promise<boolean> {
  const expiresAt = now + ttlMs;
  const updated = await db('leases')
    .where({ name })
    .andWhere((q) => q.where({ holder }).orWhere('expires_at', '<=', now))
    .update({ holder, expires_at: expiresAt });
  if (updated === 1) return true;
  try {
    await db('leases').insert({ name, holder, expires_at: expiresAt });
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db('leases').where({ name, holder }).delete();
}

export async function leaseHolder(db: Db, name: string, now: number): Promise<string | null> {
  const row = await db('leases').where({ name }).andWhere('expires_at', '>', now).first();
  return row ? (row.holder as string) : null;
}

/**
 * Keeps a lease renewed in the background and tells its owner whether this replica
 * is the one that may run schedulers. Renewal runs at a third of the TTL, so a
 * replica that dies is replaced within one TTL.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | null = null;
  private held = false;
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
    private readonly ttlMs = 15_000,
  ) {}

  isHeld(): boolean {
    return this.held;
  }

  /** Called with true when this replica gains the lease and false when it loses it. */
  onChange(listener: (held: boolean) => void): void {
    this.listeners.add(listener);
  }

  async start(): Promise<void> {
    await this.renew();
    if (this.stopped) return;
    this.timer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // A renewal still in flight could otherwise take the lease back after it is released.
    await this.renewing;
    this.set(false);
    await releaseLease(this.db, this.name, this.holder).catch(() => {});
  }

  private renew(): Promise<void> {
    this.renewing ??= this.tick().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  private async tick(): Promise<void> {
    try {
      const held = await acquireLease(this.db, this.name, this.holder, this.ttlMs, this.clock.now().getTime());
      if (!this.stopped) this.set(held);
    } catch (err) {
      // Losing the database means we can no longer prove we hold the lease.
      this.logger.warn('lease renewal failed', { lease: this.name, err });
      this.set(false);
    }
  }

  private set(held: boolean): void {
    if (held === this.held) return;
    this.held = held;
    this.logger.info(held ? 'lease acquired' : 'lease lost', { lease: this.name, holder: this.holder });
    for (const l of this.listeners) l(held);
  }
}
