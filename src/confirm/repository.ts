/**
 * Confirmation alerts in the database. Every status change is a compare-and-set on the status
 * the caller read, written together with its audit row in one transaction, so a double click,
 * a replayed callback, a second replica or a restart applies a transition at most once.
 */
import type { Knex } from 'knex';
import type { Transition } from '../core/confirm/state-machine.js';
import { appendAudit } from '../store/audit.js';
import { type Db, isUniqueViolation } from '../store/db.js';
import { type AlertSource, alertSubject, type ConfirmAlert, type IntakeInput } from './types.js';

type Row = Record<string, unknown>;
type Applied = Extract<Transition, { ok: true }>;
export type AlertPatch = Partial<
  Pick<
    ConfirmAlert,
    'userId' | 'duoUsername' | 'deadline' | 'ruleId' | 'outcomeDetail' | 'commentUntil' | 'dmChannel' | 'dmTs'
  >
>;

const OPEN_STATUSES = ['asked', 'verifying'];

const COLUMNS: Record<keyof AlertPatch, string> = {
  userId: 'user_id',
  duoUsername: 'duo_username',
  deadline: 'deadline',
  ruleId: 'rule_id',
  outcomeDetail: 'outcome_detail',
  commentUntil: 'comment_until',
  dmChannel: 'dm_channel',
  dmTs: 'dm_ts',
};

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function toAlert(r: Row): ConfirmAlert {
  return {
    id: Number(r.id),
    dedupeKey: str(r.dedupe_key),
    source: r.source as AlertSource,
    userRef: String(r.user_ref),
    userId: str(r.user_id),
    duoUsername: str(r.duo_username),
    title: String(r.title),
    description: String(r.description),
    reason: str(r.reason),
    url: str(r.url),
    status: r.status as ConfirmAlert['status'],
    escalationReason: str(r.escalation_reason) as ConfirmAlert['escalationReason'],
    outcomeDetail: str(r.outcome_detail),
    deadline: num(r.deadline),
    ruleId: num(r.rule_id),
    dmChannel: str(r.dm_channel),
    dmTs: str(r.dm_ts),
    dmClaimedAt: num(r.dm_claimed_at),
    escalationClaimedAt: num(r.escalation_claimed_at),
    escalationTs: str(r.escalation_ts),
    comment: str(r.comment),
    commentUntil: num(r.comment_until),
    commentPostedAt: num(r.comment_posted_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function patchColumns(patch: AlertPatch): Row {
  const out: Row = {};
  for (const [key, column] of Object.entries(COLUMNS)) {
    const value = patch[key as keyof AlertPatch];
    if (value !== undefined) out[column] = value;
  }
  return out;
}

export class KnexConfirmationRepo {
  constructor(private readonly db: Db) {}

  /** Inserts a `new` alert; with a dedupe key already used, returns that alert instead. */
  async create(input: IntakeInput, now: number): Promise<{ alert: ConfirmAlert; created: boolean }> {
    const dedupeKey = input.dedupeKey ?? null;
    try {
      const id = await this.db.transaction(async (trx) => {
        const [inserted] = await trx('confirm_alerts').insert({
          dedupe_key: dedupeKey,
          source: input.source ?? 'internal',
          user_ref: input.user,
          title: input.title,
          description: input.description,
          reason: input.reason ?? null,
          url: input.url ?? null,
          status: 'new',
          created_at: now,
          updated_at: now,
        });
        const newId = Number(inserted);
        await appendAudit(trx, {
          at: new Date(now),
          actor: input.source === 'api' ? 'api' : 'system',
          action: 'confirm.created',
          subject: alertSubject(newId),
          details: { to: 'new', source: input.source ?? 'internal', dedupeKey },
        });
        return newId;
      });
      return { alert: (await this.get(id))!, created: true };
    } catch (err) {
      if (dedupeKey === null || !isUniqueViolation(err)) throw err;
      const existing = await this.db('confirm_alerts').where({ dedupe_key: dedupeKey }).first();
      if (!existing) throw err;
      return { alert: toAlert(existing), created: false };
    }
  }

  async get(id: number): Promise<ConfirmAlert | null> {
    if (!Number.isSafeInteger(id) || id <= 0) return null;
    const row = await this.db('confirm_alerts').where({ id }).first();
    return row ? toAlert(row) : null;
  }

  /**
   * Applies a transition the state machine allowed, only if the alert is still in `t.from`.
   * Returns false when someone else moved it first (the caller then re-reads and answers).
   */
  async apply(
    alert: ConfirmAlert,
    t: Applied,
    now: number,
    patch: AlertPatch = {},
    queued: { dm: boolean; escalation: boolean } = { dm: false, escalation: false },
    also: (trx: Knex.Transaction) => Promise<void> = async () => {},
  ): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const changed = await trx('confirm_alerts')
        .where({ id: alert.id, status: t.from })
        .update({
          ...patchColumns(patch),
          status: t.to,
          escalation_reason: t.reason,
          updated_at: now,
          // The *_claimed_at columns now say "its outbox row is queued" (set with the row).
          ...(queued.dm ? { dm_claimed_at: now } : {}),
          ...(queued.escalation ? { escalation_claimed_at: now } : {}),
        });
      if (changed !== 1) return false;
      await appendAudit(trx, {
        at: new Date(now),
        actor: t.audit.actor,
        action: `confirm.${t.to}`,
        subject: alertSubject(alert.id),
        details: { event: t.audit.action, from: t.from, to: t.to, why: t.reason, ...t.audit.details },
      });
      await also(trx);
      return true;
    });
  }

  /** A one-off audit row for something that is not a status change (DM sent, comment, rule). */
  async audit(id: number, actor: string, event: string, details: Record<string, unknown>, now: number): Promise<void> {
    await appendAudit(this.db, {
      at: new Date(now),
      actor,
      action: `confirm.${event}`,
      subject: alertSubject(id),
      details,
    });
  }

  /**
   * An audit row for a failure the periodic sweep may meet many times: written only when this
   * alert has none of this kind yet. True when it was written (the first time).
   */
  async auditOnce(
    id: number,
    actor: string,
    event: string,
    details: Record<string, unknown>,
    now: number,
  ): Promise<boolean> {
    const row = await this.db('audit_log')
      .where({ subject: alertSubject(id), action: `confirm.${event}` })
      .first('id');
    if (row !== undefined) return false;
    await this.audit(id, actor, event, details, now);
    return true;
  }

  /**
   * Stores the user's explanation once, if the window is still open, and queues its post into the
   * escalation's thread (`also`) in the same transaction; comment_posted_at says it is queued.
   */
  async attachComment(
    id: number,
    comment: string,
    now: number,
    also: (trx: Knex.Transaction) => Promise<void>,
  ): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const n = await trx('confirm_alerts')
        .where({ id })
        .whereNull('comment')
        .andWhere('comment_until', '>', now)
        .update({ comment, comment_posted_at: now });
      if (n !== 1) return false;
      await also(trx);
      return true;
    });
  }

  /**
   * Marks a message queued after the fact (an alert a previous version claimed and never sent),
   * with the row in the same transaction. False when someone else queued it first.
   */
  async markQueued(
    id: number,
    column: 'dm_claimed_at' | 'escalation_claimed_at' | 'comment_posted_at',
    now: number,
    also: (trx: Knex.Transaction) => Promise<void>,
  ): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const n = await trx('confirm_alerts')
        .where({ id })
        .whereNull(column)
        .update({ [column]: now });
      if (n !== 1) return false;
      await also(trx);
      return true;
    });
  }

  /** The user's escalated alert still waiting for an explanation, newest first. */
  async awaitingComment(userId: string, now: number): Promise<ConfirmAlert | null> {
    const row = await this.db('confirm_alerts')
      .where({ user_id: userId })
      .whereNull('comment')
      .andWhere('comment_until', '>', now)
      .orderBy('id', 'desc')
      .first();
    return row ? toAlert(row) : null;
  }

  async earliestOpenDeadline(): Promise<number | null> {
    const row = await this.db('confirm_alerts').whereIn('status', OPEN_STATUSES).min({ d: 'deadline' }).first();
    return num(row?.d);
  }

  async due(now: number, limit = 100): Promise<ConfirmAlert[]> {
    const rows = await this.db('confirm_alerts')
      .whereIn('status', OPEN_STATUSES)
      .andWhere('deadline', '<=', now)
      .orderBy('deadline', 'asc')
      .limit(limit);
    return rows.map(toAlert);
  }

  /**
   * Work left undone: alerts still `new` (the user lookup failed or the process died), and
   * messages an earlier version claimed but never recorded as sent (the upgrade migration
   * released them), which are queued now.
   */
  async unfinished(limit = 500): Promise<ConfirmAlert[]> {
    const rows = await this.db('confirm_alerts')
      .where({ status: 'new' })
      .orWhere((q) => q.where({ status: 'asked' }).whereNull('dm_claimed_at'))
      .orWhere((q) => q.where({ status: 'escalated' }).whereNull('escalation_claimed_at'))
      .orWhere((q) => q.where({ status: 'escalated' }).whereNotNull('comment').whereNull('comment_posted_at'))
      .orderBy('id', 'asc')
      .limit(limit);
    return rows.map(toAlert);
  }

  /** How many alerts reached each of these statuses since `since` (from the audit log). */
  async countTransitionsSince(since: number): Promise<Record<string, number>> {
    const rows = await this.db('audit_log')
      .where('at', '>=', since)
      .whereIn('action', ['confirm.asked', 'confirm.confirmed', 'confirm.escalated'])
      .groupBy('action')
      .select('action')
      .count({ n: '*' });
    const counts: Record<string, number> = {};
    for (const r of rows as { action: string; n: number | string }[]) counts[r.action] = Number(r.n);
    return counts;
  }
}
