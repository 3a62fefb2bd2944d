/**
 * Announces each rotation handoff once across replicas: the replica holding the scheduler lease
 * wakes at the next handoff, claims the handoff instant in the database (a unique key), and only
 * the claimer sends. A replica that starts shortly after a handoff nobody announced still does.
 */
import type { Logger } from 'winston';
import { handoffAt, type OnCallPolicy, onCallAt, shiftIndexAt } from '../core/oncall/rotation.js';
import type { Clock } from '../core/ports.js';
import type { Db } from '../store/db.js';
import type { OnCallRecords } from './oncall-records.js';
import type { OverrideStore } from './override-store.js';
import type { HandoffSender } from './senders.js';

/** A handoff older than this when first noticed (a long outage) is not announced any more. */
const ANNOUNCE_WINDOW_MS = 60 * 60_000;
/** Wake at least this often, so a clock jump or a lease change is noticed. */
const MAX_SLEEP_MS = 30_000;

export interface HandoffAnnouncerDeps {
  db: Db;
  policy: OnCallPolicy;
  records: OnCallRecords;
  overrides: OverrideStore;
  sender: HandoffSender;
  replicaId: string;
  isLeader: () => boolean;
  clock: Clock;
  logger: Logger;
}

export class HandoffAnnouncer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly d: HandoffAnnouncerDeps) {}

  start(): void {
    if (!this.d.policy.rotation || this.d.policy.rotation.members.length === 0) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass: announce the current shift's handoff if it is recent and nobody has. Exposed for tests. */
  async tick(): Promise<boolean> {
    const rotation = this.d.policy.rotation;
    if (!rotation || !this.d.isLeader()) return false;
    const now = this.d.clock.now().getTime();
    const at = handoffAt(rotation, shiftIndexAt(rotation, now));
    if (now - at > ANNOUNCE_WINDOW_MS) return false;
    const current = onCallAt(this.d.policy, await this.d.overrides.current(now), now);
    const name =
      current.holder.kind === 'rotation' || current.holder.kind === 'override' ? current.holder.person.name : '';
    // The messages are queued with the claim: exactly one replica's claim commits, with its messages.
    const claimed = await this.d.db.transaction(async (trx) => {
      if (!(await this.d.records.claimHandoff(at, name, this.d.replicaId, now, trx))) return false;
      await this.d.sender.announce(trx, at, current.holder, current.until);
      return true;
    });
    if (claimed) {
      this.d.logger.info('on-call handoff', { component: 'oncall', at: new Date(at).toISOString(), person: name });
    }
    return claimed;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err: unknown) => this.d.logger.error('handoff announcement failed', { component: 'oncall', err }))
        .then(() => this.schedule(this.nextDelay()))
        .then(() => undefined);
    }, delayMs);
    this.timer.unref();
  }

  private nextDelay(): number {
    const rotation = this.d.policy.rotation!;
    const now = this.d.clock.now().getTime();
    const next = handoffAt(rotation, shiftIndexAt(rotation, now) + 1);
    return Math.max(50, Math.min(next - now, MAX_SLEEP_MS));
  }
}
