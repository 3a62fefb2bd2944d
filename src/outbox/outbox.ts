/**
 * The outbox: every message the bot sends on its own initiative (question DMs, escalations,
 * SLA notices and their thread replies and updates, SMS and calls) is a row first, written in
 * the same transaction as the state change that needs it, and delivered by a sender in every
 * replica (src/outbox/sender.ts): paced per Slack channel and per phone number, transient
 * failures retried with back-off, 429 Retry-After honoured, given up loudly after a bounded
 * number of attempts. A restart or a crash loses nothing; a crash between a send and its
 * record repeats that one message, marked "re-sent after a restart".
 *
 * Interface (what other features use):
 *   await outbox.enqueue(trx, { kind, key, to, payload, ref?, after?, fold?, priority? })
 *       inside the transaction of the state change; `key` is unique forever, so the same state
 *       change can never queue its message twice (a repeat returns false). `ref` ("type:id")
 *       names the domain row told about the result through `outbox.register(type, handlers)`:
 *       `sent(trx, id, result)` runs in the transaction that marks the row sent (Slack channel
 *       and ts, or Twilio sid), `gaveUp(trx, id, error)` in the one that gives it up,
 *       `unwanted(id)` just before sending (a reason not to, e.g. the alert was promoted).
 *       `after: {key, as}` sends the row only once `key` was sent and fills `thread_ts` (a
 *       thread reply) or `ts` (an update) from it, so a reply never needs its parent's ts now.
 *       `priority` (default 0): a higher one goes before older rows of its lane.
 *   await outbox.send(msg)           the same outside a transaction (non-critical updates).
 *   await outbox.post(args) / update(args)
 *       queue and wait for delivery (up to a time-out); the row stays queued if the wait ends.
 *   await outbox.depth()             rows pending or in flight (back-pressure, metrics).
 */
import { randomUUID } from 'node:crypto';
import type { ChatPostMessageArguments, ChatUpdateArguments, WebClient } from '@slack/web-api';
import type { Knex } from 'knex';
import type { Logger } from 'winston';
import type { Clock, PhonePort } from '../core/ports.js';
import type { Db } from '../store/db.js';
import type { StormFolder } from './folding.js';
import { OutboxRepository } from './repository.js';
import { DEFAULT_TUNING, OutboxSender, type RefHandlers, type SenderTuning } from './sender.js';
import { phoneTransport, slackTransport, type Transport } from './transports.js';
import type { OutboxMessage, OutboxRow, SendResult, SlackPayload } from './types.js';

export interface PostedMessage {
  channel: string;
  ts: string;
}

export interface OutboxOptions {
  db: Db;
  replicaId: string;
  clock: Clock;
  logger: Logger;
  /** sends (no retries inside: the outbox retries) */
  slackSender: WebClient | null;
  /** reads such as conversations.open */
  slackReader: WebClient;
  phone: PhonePort | null;
  tuning?: Partial<SenderTuning>;
  /** replaces the Slack transport (unit tests of a domain's rows without a Slack) */
  slackTransport?: Transport;
}

/** How long post()/update() wait for their row before giving the caller an error (the row stays queued). */
const WAIT_MS = 30_000;
const WAIT_POLL_MS = 500;
/** What in-flight sends get at shutdown before the rest is left in the outbox. */
const STOP_WAIT_MS = 3000;

type Waiter = { resolve(r: SendResult): void; reject(e: Error): void };

export class Outbox {
  readonly repo: OutboxRepository;
  private readonly handlers = new Map<string, RefHandlers>();
  private readonly waiters = new Map<number, Waiter>();
  private readonly sender: OutboxSender;
  private folder: StormFolder | null = null;
  private started = false;

  constructor(private readonly o: OutboxOptions) {
    this.repo = new OutboxRepository(o.db);
    this.sender = new OutboxSender({
      repo: this.repo,
      replicaId: o.replicaId,
      clock: o.clock,
      logger: o.logger,
      transports: {
        slack: o.slackTransport ?? (o.slackSender ? slackTransport(o.slackSender) : undefined),
        phone: o.phone ? phoneTransport(o.phone) : undefined,
      },
      handlers: this.handlers,
      tuning: { ...DEFAULT_TUNING, ...o.tuning },
      folder: { maybeFold: (row, now) => this.folder?.maybeFold(row, now) ?? Promise.resolve(false) },
      settled: (row, result, error) => this.settled(row, result, error),
    });
  }

  register(refType: string, handlers: RefHandlers): void {
    this.handlers.set(refType, handlers);
  }

  setFolder(folder: StormFolder): void {
    this.folder = folder;
  }

  /** Queues `msg` in the caller's transaction; the sender looks as soon as it commits. */
  async enqueue(trx: Knex.Transaction, msg: OutboxMessage): Promise<boolean> {
    const written = await this.repo.insert(trx, msg, this.now());
    if (written) {
      const committed = (trx as { executionPromise?: Promise<unknown> }).executionPromise;
      if (committed) void committed.then(() => this.sender.nudge()).catch(() => {});
      else this.sender.nudge(20);
    }
    return written;
  }

  /** Queues `msg` on its own (a message no state change depends on). */
  async send(msg: OutboxMessage): Promise<boolean> {
    const written = await this.repo.insert(this.o.db, msg, this.now());
    if (written) this.sender.nudge();
    return written;
  }

  /** Posts through the outbox and waits for Slack's answer (callers that need the ts). */
  async post(args: ChatPostMessageArguments): Promise<PostedMessage> {
    const { channel, ...rest } = args as unknown as SlackPayload & { channel: string };
    const result = await this.sendAndWait({
      kind: 'slack_post',
      key: `adhoc:${randomUUID()}`,
      to: channel,
      payload: rest,
    });
    return { channel: result.channel ?? channel, ts: result.id ?? '' };
  }

  async update(args: ChatUpdateArguments): Promise<void> {
    const { channel, ...rest } = args as unknown as SlackPayload & { channel: string };
    await this.sendAndWait({ kind: 'slack_update', key: `adhoc:${randomUUID()}`, to: channel, payload: rest });
  }

  /** Opens (or finds) the DM channel with a user: a read, not queued. */
  async dmChannel(userId: string): Promise<string> {
    const res = await this.o.slackReader.conversations.open({ users: userId });
    return res.channel!.id!;
  }

  /** Resolves once nothing is pending or in flight (tests, the bench). */
  async drained(timeoutMs = 10_000): Promise<void> {
    for (const until = Date.now() + timeoutMs; Date.now() < until; ) {
      if ((await this.repo.depth()) === 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the outbox did not drain');
  }

  depth(): Promise<number> {
    return this.repo.depth();
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.sender.start();
  }

  /** Stops taking rows, lets sends in flight finish for up to `waitMs`; the rest stays queued. */
  async stop(waitMs = STOP_WAIT_MS): Promise<void> {
    await this.sender.stop(waitMs);
    for (const w of this.waiters.values()) w.reject(new Error('the bot is stopping; the message stays queued'));
    this.waiters.clear();
  }

  private async sendAndWait(msg: OutboxMessage): Promise<SendResult> {
    await this.send(msg);
    const row = await this.repo.byKey(this.o.db, msg.key);
    if (!row) throw new Error('the queued message vanished');
    return new Promise<SendResult>((resolve, reject) => {
      let poll: NodeJS.Timeout | null = null;
      const timeout = setTimeout(() => finish(null, new Error('not delivered yet; it stays queued')), WAIT_MS);
      const finish = (result: SendResult | null, error: Error | null) => {
        clearTimeout(timeout);
        if (poll) clearTimeout(poll);
        this.waiters.delete(row.id);
        if (result) resolve(result);
        else reject(error ?? new Error('not delivered'));
      };
      this.waiters.set(row.id, { resolve: (r) => finish(r, null), reject: (e) => finish(null, e) });
      // Another replica's sender may take it: look at the row too.
      const check = async () => {
        const current = await this.repo.byId(row.id).catch(() => null);
        if (current?.status === 'sent') return finish({ channel: current.resultChannel, id: current.resultId }, null);
        if (current && ['failed', 'superseded', 'folded'].includes(current.status)) {
          return finish(null, new Error(current.lastError ?? `message ${current.status}`));
        }
        if (this.waiters.has(row.id)) poll = setTimeout(() => void check(), WAIT_POLL_MS);
      };
      poll = setTimeout(() => void check(), WAIT_POLL_MS);
    });
  }

  private settled(row: OutboxRow, result: SendResult | null, error: string | null): void {
    const w = this.waiters.get(row.id);
    if (!w) return;
    if (result) w.resolve(result);
    else w.reject(new Error(error ?? 'not delivered'));
  }

  private now(): number {
    return this.o.clock.now().getTime();
  }
}
