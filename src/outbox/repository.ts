/**
 * Outbox rows. Every change that decides who sends a row is a compare-and-set UPDATE (on the
 * status and attempts the caller read), so racing senders in several replicas settle in the
 * database; an INSERT against the unique idem_key makes enqueueing idempotent.
 */
import type { Knex } from 'knex';
import { type Db, isUniqueViolation, transactionWithRetry } from '../store/db.js';
import {
  MAX_PAYLOAD_BYTES,
  type OutboxKind,
  type OutboxMessage,
  type OutboxRow,
  type OutboxStatus,
  type SendResult,
} from './types.js';

type Row = Record<string, unknown>;
type Exec = Db | Knex.Transaction;

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function toRow(r: Row): OutboxRow {
  return {
    id: Number(r.id),
    kind: r.kind as OutboxKind,
    lane: String(r.lane),
    key: String(r.idem_key),
    payload: JSON.parse(String(r.payload)),
    ref: str(r.ref),
    dependsOn: str(r.depends_on),
    dependsAs: str(r.depends_as) as OutboxRow['dependsAs'],
    fold: str(r.fold),
    priority: Number(r.priority ?? 0),
    status: r.status as OutboxStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    claimedBy: str(r.claimed_by),
    claimExpiresAt: num(r.claim_expires_at),
    lastError: str(r.last_error),
    resultChannel: str(r.result_channel),
    resultId: str(r.result_id),
    createdAt: Number(r.created_at),
    sentAt: num(r.sent_at),
  };
}

export interface LaneHead {
  lane: string;
  kind: OutboxKind;
  id: number;
  priority: number;
}

const toHead = (r: Row, priority: number): LaneHead => ({
  lane: String(r.lane),
  kind: r.kind as OutboxKind,
  id: Number(r.id),
  priority,
});

/** Rows a sender may take now: pending and due, or claimed by a sender whose claim expired. */
const due = (q: Knex.QueryBuilder, now: number, urgentOnly = false) => {
  // The priority goes inside each branch, next to the status, so outbox_priority_due serves both.
  const urgent = (b: Knex.QueryBuilder) => (urgentOnly ? b.andWhere('priority', '>', 0) : b);
  return q
    .where((p) => urgent(p.where({ status: 'pending' })).andWhere('next_attempt_at', '<=', now))
    .orWhere((e) => urgent(e.where({ status: 'sending' })).andWhere('claim_expires_at', '<', now));
};

export class OutboxRepository {
  constructor(readonly db: Db) {}

  /** True when the row was written; false when a row with this key exists already. */
  async insert(exec: Exec, msg: OutboxMessage, now: number): Promise<boolean> {
    const payload = JSON.stringify(msg.payload);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      throw new Error(`outbox payload for ${msg.key} is over ${MAX_PAYLOAD_BYTES} bytes`);
    }
    try {
      await exec('outbox').insert({
        kind: msg.kind,
        lane: msg.to,
        idem_key: msg.key,
        payload,
        ref: msg.ref ?? null,
        depends_on: msg.after?.key ?? null,
        depends_as: msg.after?.as ?? null,
        fold: msg.fold ?? null,
        priority: Math.max(0, Math.trunc(msg.priority ?? 0)),
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
      });
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async byKey(exec: Exec, key: string): Promise<OutboxRow | null> {
    const r = await exec('outbox').where({ idem_key: key }).first();
    return r ? toRow(r) : null;
  }

  async byKeys(keys: string[]): Promise<Map<string, OutboxRow>> {
    const out = new Map<string, OutboxRow>();
    if (keys.length === 0) return out;
    const rows: Row[] = await this.db('outbox').whereIn('idem_key', keys);
    for (const r of rows) out.set(String(r.idem_key), toRow(r));
    return out;
  }

  async byIds(ids: number[]): Promise<Map<number, OutboxRow>> {
    const rows: Row[] = ids.length ? await this.db('outbox').whereIn('id', ids) : [];
    return new Map(rows.map((r) => [Number(r.id), toRow(r)]));
  }

  async byId(id: number): Promise<OutboxRow | null> {
    const r = await this.db('outbox').where({ id }).first();
    return r ? toRow(r) : null;
  }

  /** Replaces the payload of a row nobody has started sending; false once it is in flight or done. */
  async replacePending(exec: Exec, key: string, payload: unknown): Promise<boolean> {
    const n = await exec('outbox')
      .where({ idem_key: key, status: 'pending' })
      .update({ payload: JSON.stringify(payload) });
    return n === 1;
  }

  /** Pending updates of one message, superseded by a newer update that carries the whole message. */
  async supersedeUpdates(exec: Exec, parentKey: string): Promise<number> {
    return exec('outbox')
      .where({ status: 'pending', kind: 'slack_update', depends_on: parentKey, depends_as: 'ts' })
      .update({ status: 'superseded' });
  }

  /**
   * The next row of each (lane, kind): its most urgent due row (highest priority, then oldest),
   * lanes with urgent rows first, then oldest lanes. Due: pending rows whose time has come, and
   * rows whose sender's claim expired (it died between claim and mark).
   */
  async laneHeads(now: number, limit: number): Promise<LaneHead[]> {
    // Pending rows, from the index outbox_lane_heads alone; a dead sender's expired claims (no
    // more than it had in flight) in a query of their own, so the OR of the two does not make
    // the database read every pending row from the table.
    const heads = (q: Knex.QueryBuilder) =>
      q.groupBy('lane', 'kind').select('lane', 'kind').min({ id: 'id' }).orderBy('id', 'asc').limit(limit);
    const pending: Row[] = await heads(
      this.db('outbox').where({ status: 'pending' }).andWhere('next_attempt_at', '<=', now),
    );
    const expired: Row[] = await heads(
      this.db('outbox').where({ status: 'sending' }).andWhere('claim_expires_at', '<', now),
    );
    // Urgent rows are few: a second query (index outbox_priority_due) finds them without
    // touching the routine backlog, instead of making the grouping above rank every due row.
    const urgent: Row[] = await this.db('outbox')
      .where((q) => due(q, now, true))
      .groupBy('lane', 'kind', 'priority')
      .select('lane', 'kind', 'priority')
      .min({ id: 'id' })
      .orderBy([
        { column: 'priority', order: 'desc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(limit);
    const byLane = new Map<string, LaneHead>();
    const keep = (head: LaneHead) => {
      const known = byLane.get(`${head.kind}|${head.lane}`);
      if (!known || head.priority > known.priority || (head.priority === known.priority && head.id < known.id))
        byLane.set(`${head.kind}|${head.lane}`, head);
    };
    for (const r of [...pending, ...expired]) keep(toHead(r, 0));
    for (const r of urgent) keep(toHead(r, Number(r.priority)));
    return [...byLane.values()].sort((a, b) => b.priority - a.priority || a.id - b.id).slice(0, limit);
  }

  /**
   * Due rows of one lane and kind in the order they go (a head may wait for its parent while
   * the next can go): most urgent first, then oldest.
   */
  async dueInLane(lane: string, kind: OutboxKind, now: number, limit: number): Promise<OutboxRow[]> {
    const rows: Row[] = await this.db('outbox')
      .where({ lane, kind })
      .andWhere((q) => due(q, now))
      .orderBy([
        { column: 'priority', order: 'desc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(limit);
    return rows.map(toRow);
  }

  /**
   * Compare-and-set claim on what the caller read; only one sender wins. A row in flight is
   * only taken once its claim expired: the caller's copy may have been read after another
   * sender claimed it a moment ago.
   */
  async claim(row: OutboxRow, by: string, now: number, ttlMs: number): Promise<boolean> {
    const q = this.db('outbox').where({ id: row.id, status: row.status, attempts: row.attempts });
    if (row.status === 'sending') q.andWhere('claim_expires_at', '<', now);
    else q.andWhere('next_attempt_at', '<=', now);
    const n = await q.update({
      status: 'sending',
      claimed_by: by,
      claim_expires_at: now + ttlMs,
      attempts: row.attempts + 1,
    });
    return n === 1;
  }

  /** Sent: the row and (through `also`) its domain row in one transaction, only while still ours. */
  async markSent(
    row: OutboxRow,
    by: string,
    result: SendResult,
    now: number,
    also: (trx: Knex.Transaction) => Promise<void>,
  ): Promise<boolean> {
    return transactionWithRetry(this.db, async (trx) => {
      const n = await trx('outbox').where({ id: row.id, status: 'sending', claimed_by: by }).update({
        status: 'sent',
        sent_at: now,
        result_channel: result.channel,
        result_id: result.id,
        claim_expires_at: null,
        last_error: null,
      });
      if (n !== 1) return false;
      await also(trx);
      return true;
    });
  }

  /** Back to pending for another try at `at`. */
  async retryLater(row: OutboxRow, by: string, at: number, error: string, countAttempt: boolean): Promise<void> {
    await this.db('outbox')
      .where({ id: row.id, status: 'sending', claimed_by: by })
      .update({
        status: 'pending',
        next_attempt_at: at,
        claim_expires_at: null,
        last_error: error.slice(0, 500),
        ...(countAttempt ? {} : { attempts: row.attempts - 1 }),
      });
  }

  /** Given up (or skipped: `status` superseded), with whatever the domain must record, in one transaction. */
  async finish(
    row: OutboxRow,
    by: string | null,
    status: 'failed' | 'superseded',
    error: string,
    also: (trx: Knex.Transaction) => Promise<void>,
  ): Promise<boolean> {
    return transactionWithRetry(this.db, async (trx) => {
      const q = trx('outbox').where({ id: row.id });
      if (by) q.where({ status: 'sending', claimed_by: by });
      else q.where({ status: row.status, attempts: row.attempts });
      const n = await q.update({ status, claim_expires_at: null, last_error: error.slice(0, 500) });
      if (n !== 1) return false;
      await also(trx);
      return true;
    });
  }

  /** Rows claimed by senders on this host whose process is gone: their claims end now, not at expiry. */
  async claimants(): Promise<string[]> {
    const rows: Row[] = await this.db('outbox').where({ status: 'sending' }).distinct('claimed_by');
    return rows.map((r) => String(r.claimed_by));
  }

  async expireClaims(by: string, now: number): Promise<number> {
    return this.db('outbox')
      .where({ status: 'sending', claimed_by: by })
      .update({ claim_expires_at: now - 1 });
  }

  /** Rows waiting to be sent (pending or in flight): the backlog that back-pressure bounds. */
  async depth(): Promise<number> {
    const r = await this.db('outbox').whereIn('status', ['pending', 'sending']).count({ n: '*' }).first();
    return Number(r?.n ?? 0);
  }

  async countPendingFold(lane: string, kind: OutboxKind, fold: string, now: number): Promise<number> {
    const r = await this.db('outbox')
      .where({ lane, kind, fold, status: 'pending' })
      .andWhere('next_attempt_at', '<=', now)
      .count({ n: '*' })
      .first();
    return Number(r?.n ?? 0);
  }

  async pendingFold(lane: string, kind: OutboxKind, fold: string, now: number, limit: number): Promise<OutboxRow[]> {
    const rows: Row[] = await this.db('outbox')
      .where({ lane, kind, fold, status: 'pending' })
      .andWhere('next_attempt_at', '<=', now)
      .orderBy('id', 'asc')
      .limit(limit);
    return rows.map(toRow);
  }

  async markFolded(exec: Exec, ids: number[]): Promise<number> {
    if (ids.length === 0) return 0;
    return exec('outbox').whereIn('id', ids).where({ status: 'pending' }).update({ status: 'folded' });
  }
}
