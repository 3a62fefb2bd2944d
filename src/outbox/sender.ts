/**
 * Drains the outbox in one replica. Each tick reads the next due row of every lane (a Slack
 * channel's posts, its updates, one phone number's SMS or calls), claims it with an expiring
 * claim and sends it, one row per lane at a time, at the lane's pace. A lane's next row is its
 * most urgent (OutboxMessage.priority), then its oldest, so a human's "No" overtakes a backlog
 * of routine posts to the same channel; a child still waits for its parent. Nothing waits in
 * memory beyond the rows in flight; the backlog stays in the database.
 *
 * A dead sender's claims expire and its rows are sent again, marked "re-sent after a restart"
 * (that is the only way a message can repeat). A sender on this host whose process is gone is
 * known dead at once, so a restart does not wait for the claims to expire.
 */
import { hostname } from 'node:os';
import type { Knex } from 'knex';
import type { Logger } from 'winston';
import type { Clock } from '../core/ports.js';
import { outboxGivenUp } from '../metrics/metrics.js';
import { appendAudit } from '../store/audit.js';
import type { StormFolder } from './folding.js';
import type { LaneHead, OutboxRepository } from './repository.js';
import type { Transport } from './transports.js';
import {
  type OutboxKind,
  type OutboxRow,
  type PhonePayload,
  SendError,
  type SendResult,
  type SlackPayload,
} from './types.js';

/** What a domain (confirm, sla, …) does with its rows' outcomes; keyed by the `type` of `ref`. */
export interface RefHandlers {
  /** in the transaction that marks the row sent */
  sent?(trx: Knex.Transaction, id: string, result: SendResult, row: OutboxRow): Promise<void>;
  /** in the transaction that gives the row up: record it, queue a note for people */
  gaveUp?(trx: Knex.Transaction, id: string, error: string, row: OutboxRow): Promise<void>;
  /** just before sending: a reason not to send any more (e.g. the alert was promoted), or null */
  unwanted?(id: string, row: OutboxRow): Promise<string | null>;
}

export interface SenderTuning {
  /** how often the database is read for rows other replicas wrote and retries that came due */
  pollMs: number;
  /** how long a claim lasts; a sender that has not marked its row by then is taken to be dead */
  claimTtlMs: number;
  /** attempts before a Slack row is given up (429s do not count) */
  maxAttempts: number;
  /** attempts before an SMS or call is given up and reported (Twilio: only failures that surely did not reach it are retried) */
  maxPhoneAttempts: number;
  /** first retry wait; doubles per attempt up to maxBackoffMs */
  backoffMs: number;
  maxBackoffMs: number;
  /** gap between two posts to one Slack channel (Slack: about one per second) */
  slackPostIntervalMs: number;
  /** gap between two updates in one channel */
  slackUpdateIntervalMs: number;
  /** gap between two SMS or calls to one number (a long-code number takes about one a second) */
  phoneIntervalMs: number;
  /** sends in flight at once, over all lanes */
  maxInFlight: number;
  /** a Slack post queued longer than this (Slack down, a backlog) says it is late and since when */
  lateAfterMs: number;
}

export const DEFAULT_TUNING: SenderTuning = {
  pollMs: 250,
  claimTtlMs: 60_000,
  maxAttempts: 12,
  maxPhoneAttempts: 3,
  backoffMs: 1000,
  maxBackoffMs: 60_000,
  slackPostIntervalMs: 1000,
  slackUpdateIntervalMs: 300,
  phoneIntervalMs: 1000,
  maxInFlight: 32,
  lateAfterMs: 60_000,
};

const HEADS_PER_TICK = 500;
/**
 * The gap after a pass is this many times its duration, so looking for work takes at most about
 * a quarter of the sender's time, however long the backlog (a 4 ms pass: the next one 12 ms on).
 */
const PASS_GAP_FACTOR = 3;
/** While Slack cannot be reached at all, each lane probes this many back-off steps apart. */
const UNREACHABLE_BACKOFF = 5;
const RESENT_NOTE = 're-sent after a restart: an earlier copy may have arrived';

export interface SenderDeps {
  repo: OutboxRepository;
  replicaId: string;
  clock: Clock;
  logger: Logger;
  transports: Partial<Record<'slack' | 'phone', Transport>>;
  handlers: Map<string, RefHandlers>;
  tuning: SenderTuning;
  folder: StormFolder | null;
  /** told after every row that reaches a final state (the waiters of Outbox.post) */
  settled(row: OutboxRow, result: SendResult | null, error: string | null): void;
}

interface LaneState {
  busy: boolean;
  nextAt: number;
}

export class OutboxSender {
  private readonly lanes = new Map<string, LaneState>();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  /** when the planned look runs (Date.now() ms) */
  private timerAt = 0;
  /** no look before this: passes are spaced by a multiple of the last one's duration */
  private notBefore = 0;
  private ticking = false;
  private again = false;
  private stopped = true;

  constructor(private readonly d: SenderDeps) {}

  start(): void {
    this.stopped = false;
    void this.releaseDeadLocalClaims().finally(() => this.nudge());
  }

  /** Stops taking rows; sends in flight get up to `waitMs`, the rest stay in the outbox. */
  async stop(waitMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const all = Promise.allSettled([...this.inFlight]);
    await Promise.race([all, new Promise((r) => setTimeout(r, waitMs).unref())]);
  }

  inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * Look in `delayMs` (a local writer just committed a row, or a lane came free); a look planned
   * earlier stands. Under a burst of commits the looks are spaced (PASS_GAP_FACTOR) instead of
   * one full pass per row: each pass reads every lane's head, which costs more as the backlog grows.
   */
  nudge(delayMs = 0): void {
    if (this.stopped) return;
    const at = Math.max(Date.now() + delayMs, this.notBefore);
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => void this.tick(), at - Date.now());
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    this.again = false;
    let next = this.d.tuning.pollMs;
    const started = Date.now();
    try {
      const soonest = await this.pass();
      if (soonest !== null) next = Math.min(next, Math.max(0, soonest - Date.now()));
    } catch (err) {
      this.d.logger.error('outbox: pass failed; retrying', { component: 'outbox', err });
      next = Math.max(next, 1000);
    } finally {
      this.ticking = false;
      this.notBefore = Date.now() + (Date.now() - started) * PASS_GAP_FACTOR;
    }
    // Something asked for a look during the pass: another one, after the gap.
    if (this.again) next = 0;
    if (!this.stopped) this.nudge(next);
  }

  /** One look at every lane; returns when the earliest paced lane comes free, if any. */
  private async pass(): Promise<number | null> {
    const now = this.now();
    this.prune();
    const heads = await this.d.repo.laneHeads(now, HEADS_PER_TICK);
    let soonest: number | null = null;
    const ready: LaneHead[] = [];
    for (const head of heads) {
      const state = this.lanes.get(laneKey(head.kind, head.lane));
      if (state?.busy) continue;
      if (state && state.nextAt > Date.now()) {
        soonest = soonest === null ? state.nextAt : Math.min(soonest, state.nextAt);
        continue;
      }
      ready.push(head);
    }
    if (ready.length === 0) return soonest;
    const byId = await this.d.repo.byIds(ready.map((h) => h.id));
    for (const head of ready) {
      if (this.stopped || this.inFlight.size >= this.d.tuning.maxInFlight) break;
      let row = byId.get(head.id);
      if (!row) continue;
      if (this.d.folder && row.fold && row.status === 'pending') {
        const folded = await this.d.folder.maybeFold(row, now);
        if (folded) continue;
      }
      const parent = await this.parentOf(row);
      if (parent === 'wait') {
        // The head waits for its parent; a later row of this lane may not (a different message).
        const other = await this.firstReadyInLane(head, now);
        if (!other) continue;
        row = other.row;
        if (other.parent === 'wait') continue;
        await this.launch(row, other.parent, now);
        continue;
      }
      await this.launch(row, parent, now);
    }
    return soonest;
  }

  private async firstReadyInLane(
    head: LaneHead,
    now: number,
  ): Promise<{ row: OutboxRow; parent: OutboxRow | null | 'gone' | 'wait' } | null> {
    const rows = await this.d.repo.dueInLane(head.lane, head.kind, now, 20);
    // In the lane's sending order (most urgent, then oldest), so an urgent row that must wait
    // for its parent lets the next urgent one go before the routine backlog.
    for (const row of rows.filter((r) => r.id !== head.id)) {
      const parent = await this.parentOf(row);
      if (parent !== 'wait') return { row, parent };
    }
    return null;
  }

  /** The parent row when it was sent, null without one, 'gone' when it never will be, else 'wait'. */
  private async parentOf(row: OutboxRow): Promise<OutboxRow | null | 'gone' | 'wait'> {
    if (!row.dependsOn) return null;
    const parent = await this.d.repo.byKey(this.d.repo.db, row.dependsOn);
    if (!parent) return 'gone';
    if (parent.status === 'sent') return parent;
    if (parent.status === 'failed' || parent.status === 'superseded' || parent.status === 'folded') return 'gone';
    return 'wait';
  }

  private async launch(row: OutboxRow, parent: OutboxRow | null | 'gone', now: number): Promise<void> {
    if (parent === 'gone') {
      // An update or thread reply of a message that was never posted has nothing to attach to.
      await this.d.repo.finish(row, null, 'superseded', `its parent ${row.dependsOn} was never sent`, async () => {});
      this.d.settled(row, null, 'its parent message was never sent');
      return;
    }
    const resent = row.status === 'sending';
    if (!(await this.d.repo.claim(row, this.d.replicaId, now, this.d.tuning.claimTtlMs))) return;
    const key = laneKey(row.kind, row.lane);
    this.lanes.set(key, { busy: true, nextAt: 0 });
    const work: Promise<void> = this.deliver({ ...row, attempts: row.attempts + 1, status: 'sending' }, parent, resent)
      .catch((err: unknown) => {
        this.d.logger.error('outbox: delivery failed', { component: 'outbox', row: row.id, err });
      })
      .finally(() => {
        this.inFlight.delete(work);
        const state = this.lanes.get(key);
        if (state) state.busy = false;
        this.nudge(Math.max(0, (state?.nextAt ?? 0) - Date.now()));
      });
    this.inFlight.add(work);
  }

  private async deliver(row: OutboxRow, parent: OutboxRow | null, resent: boolean): Promise<void> {
    const log = this.d.logger.child({ component: 'outbox', row: row.id, key: row.key });
    const [refType, refId] = splitRef(row.ref);
    const handlers = refType ? this.d.handlers.get(refType) : undefined;
    const unwanted = handlers?.unwanted && refId !== null ? await handlers.unwanted(refId, row) : null;
    if (unwanted) {
      await this.d.repo.finish(row, this.d.replicaId, 'superseded', unwanted, async () => {});
      this.d.settled(row, null, unwanted);
      return;
    }
    const transport = this.d.transports[row.kind === 'sms' || row.kind === 'call' ? 'phone' : 'slack'];
    let result: SendResult;
    try {
      if (!transport) throw new SendError({ kind: 'permanent', error: `no transport for ${row.kind} is configured` });
      const late =
        row.kind === 'slack_post' && this.d.clock.now().getTime() - row.createdAt > this.d.tuning.lateAfterMs;
      result = await transport.send(row, payloadFor(row, parent, resent, late));
    } catch (err) {
      await this.failed(row, err, log);
      return;
    } finally {
      this.pace(row);
    }
    if (resent) log.warn('outbox: re-sent a message whose sender died before recording it');
    await this.record(row, result, handlers, refId, log);
  }

  /**
   * Marks the row sent. A database that drops just now is retried for as long as it is away and
   * this process runs: it knows the message was sent, so the log never says "not sent" for a sent
   * row, and its lane stays busy meanwhile, so this replica cannot post it a second time (another
   * replica can once the claim expires; that is said once). A record that keeps failing while the
   * database answers is no outage: it is given up after the claim, not left to hold the lane.
   */
  private async record(
    row: OutboxRow,
    result: SendResult,
    handlers: RefHandlers | undefined,
    refId: string | null,
    log: Logger,
  ): Promise<void> {
    const claimEnds = Date.now() + this.d.tuning.claimTtlMs;
    let toldClaimEnded = false;
    let answering = false;
    for (let wait = 200; ; wait = Math.min(wait * 2, 5000)) {
      try {
        const ours = await this.d.repo.markSent(row, this.d.replicaId, result, this.now(), async (trx) => {
          if (handlers?.sent && refId !== null) await handlers.sent(trx, refId, result, row);
        });
        if (!ours) log.warn('outbox: sent, but the claim had passed to another sender');
        else if (toldClaimEnded) log.info('outbox: sent, and recorded now that the database answers', { result });
        this.d.settled(row, result, null);
        return;
      } catch (err) {
        if (this.stopped) {
          log.error('outbox: sent, but recording it failed while stopping; the next start re-sends it, marked', {
            err,
            result,
          });
          return;
        }
        if (answering) {
          log.error('outbox: sent, but recording it fails though the database answers; it may be sent again', {
            err,
            result,
          });
          return;
        }
        const claimEnded = Date.now() > claimEnds;
        // Once more at once if the database answers now: it may just have come back.
        answering = claimEnded && (await this.databaseAnswers());
        if (answering) continue;
        if (!toldClaimEnded && claimEnded) {
          toldClaimEnded = true;
          log.error('outbox: sent, and still cannot record it; another replica may repeat it', { err, result });
        } else {
          log.warn('outbox: sent, but recording it failed; retrying', { err, waitMs: wait });
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  private async databaseAnswers(): Promise<boolean> {
    try {
      await this.d.repo.db.raw('select 1');
      return true;
    } catch {
      return false;
    }
  }

  private async failed(row: OutboxRow, err: unknown, log: Logger): Promise<void> {
    const failure =
      err instanceof SendError
        ? err.failure
        : { kind: 'transient' as const, error: err instanceof Error ? err.message : String(err) };
    const rateLimited = failure.kind === 'transient' && failure.retryAfterMs !== undefined;
    if (rateLimited) {
      const state = this.lanes.get(laneKey(row.kind, row.lane));
      if (state) state.nextAt = Math.max(state.nextAt, Date.now() + (failure.retryAfterMs ?? 1000));
    }
    const phone = row.kind === 'sms' || row.kind === 'call';
    const budget = phone ? this.d.tuning.maxPhoneAttempts : this.d.tuning.maxAttempts;
    const uncounted = failure.kind === 'transient' && (rateLimited || failure.uncounted === true);
    if (failure.kind === 'transient' && (uncounted || row.attempts < budget)) {
      const backoff = Math.min(
        this.d.tuning.backoffMs * 2 ** Math.max(0, row.attempts - 1),
        this.d.tuning.maxBackoffMs,
      );
      const unreachable = !rateLimited && uncounted;
      const waitMs = rateLimited
        ? (failure.retryAfterMs ?? 1000)
        : unreachable
          ? Math.min(this.d.tuning.backoffMs * UNREACHABLE_BACKOFF, this.d.tuning.maxBackoffMs)
          : backoff;
      if (unreachable) {
        // One probe per lane while the vendor is away, not one per queued row.
        const state = this.lanes.get(laneKey(row.kind, row.lane));
        if (state) state.nextAt = Math.max(state.nextAt, Date.now() + waitMs);
      }
      log.warn('outbox: send failed; will retry', { error: failure.error, attempt: row.attempts, waitMs });
      // A 429 or an unreachable Slack says nothing about the message: no attempt is used up.
      await this.d.repo.retryLater(row, this.d.replicaId, this.now() + waitMs, failure.error, !uncounted);
      return;
    }
    log.error('outbox: gave up on a message', { error: failure.error, attempts: row.attempts, kind: row.kind });
    outboxGivenUp.inc({ kind: row.kind });
    const [refType, refId] = splitRef(row.ref);
    const handlers = refType ? this.d.handlers.get(refType) : undefined;
    await this.d.repo.finish(row, this.d.replicaId, 'failed', failure.error, async (trx) => {
      await appendAudit(trx, {
        at: this.d.clock.now(),
        actor: 'system',
        action: 'outbox.given_up',
        subject: row.ref ?? `outbox:${row.id}`,
        details: { key: row.key, kind: row.kind, attempts: row.attempts, error: failure.error.slice(0, 300) },
      });
      if (handlers?.gaveUp && refId !== null) await handlers.gaveUp(trx, refId, failure.error, row);
    });
    this.d.settled(row, null, failure.error);
  }

  private pace(row: OutboxRow): void {
    const t = this.d.tuning;
    const gap =
      row.kind === 'slack_post'
        ? t.slackPostIntervalMs
        : row.kind === 'slack_update'
          ? t.slackUpdateIntervalMs
          : t.phoneIntervalMs;
    const key = laneKey(row.kind, row.lane);
    const state = this.lanes.get(key) ?? { busy: false, nextAt: 0 };
    state.nextAt = Math.max(state.nextAt, Date.now() + gap);
    this.lanes.set(key, state);
  }

  /** Lanes with nothing pending here are forgotten, so the map does not grow with every DM ever sent. */
  private prune(): void {
    if (this.lanes.size < 1000) return;
    const now = Date.now();
    for (const [key, state] of this.lanes) if (!state.busy && state.nextAt < now) this.lanes.delete(key);
  }

  /** Claims held by a process on this host that no longer exists end now: it cannot finish them. */
  private async releaseDeadLocalClaims(): Promise<void> {
    try {
      for (const by of await this.d.repo.claimants()) {
        if (by === this.d.replicaId || !deadLocalProcess(by)) continue;
        const n = await this.d.repo.expireClaims(by, this.now());
        if (n > 0)
          this.d.logger.warn('outbox: taking over the rows of a sender that died', {
            component: 'outbox',
            by,
            rows: n,
          });
      }
    } catch (err) {
      this.d.logger.warn('outbox: could not check for dead senders', { component: 'outbox', err });
    }
  }

  private now(): number {
    return this.d.clock.now().getTime();
  }
}

const laneKey = (kind: OutboxKind, lane: string) => `${kind}|${lane}`;

function splitRef(ref: string | null): [string | null, string | null] {
  if (!ref) return [null, null];
  const i = ref.indexOf(':');
  return i < 0 ? [ref, ''] : [ref.slice(0, i), ref.slice(i + 1)];
}

/** The payload as sent: the parent's ts filled in, a late post and a repeat said to be one. */
function payloadFor(
  row: OutboxRow,
  parent: OutboxRow | null,
  resent: boolean,
  late: boolean,
): SlackPayload | PhonePayload {
  let p = { ...row.payload } as SlackPayload;
  if (parent && row.dependsAs === 'thread_ts') p.thread_ts = parent.resultId ?? undefined;
  if (parent && row.dependsAs === 'ts') p.ts = parent.resultId ?? undefined;
  if (late) p = withContext(p, lateNote(row.createdAt));
  if (!resent || row.kind === 'slack_update') return p;
  if (row.kind === 'call') return { text: `This is a repeat after a restart. ${p.text}` };
  if (row.kind === 'sms') return { text: `${p.text} (${RESENT_NOTE})` };
  return withContext(p, { text: RESENT_NOTE, mrkdwn: `:repeat: ${RESENT_NOTE}` });
}

/** Slack renders the time in each reader's own zone; the fallback is UTC. */
function lateNote(createdAt: number): { text: string; mrkdwn: string } {
  const at = new Date(createdAt).toISOString().replace(/\.\d+Z$/, ' UTC');
  const since = `<!date^${Math.floor(createdAt / 1000)}^{date_short_pretty} {time_secs}|${at}>`;
  return { text: `delivered late, queued at ${at}`, mrkdwn: `:hourglass: delivered late: queued ${since}` };
}

function withContext(p: SlackPayload, note: { text: string; mrkdwn: string }): SlackPayload {
  const block = { type: 'context', elements: [{ type: 'mrkdwn', text: note.mrkdwn }] };
  return {
    ...p,
    text: `${p.text} (${note.text})`,
    blocks: p.blocks && p.blocks.length < 50 ? [...p.blocks, block] : p.blocks,
  };
}

/** `host:pid:…` of a process on this host that is gone. */
function deadLocalProcess(replicaId: string): boolean {
  const [host, pidText] = replicaId.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
