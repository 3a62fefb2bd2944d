/**
 * Confirmation alerts in the database. Every status change is a compare-and-set on the status
 * the caller read, written together with its audit row in one transaction, so a double click,
 * a replayed callback, a second replica or a restart applies a transition at most once.
 */
import type { Transition } from '../core/confirm/state-machine.js';
import { appendAudit } from '../store/audit.js';
import { type Db, isUniqueViolation } from '../store/db.js';
import { type AlertSource, alertSubject, type ConfirmAlert, type IntakeInput } from './types.js';

type Row = Record<string, unknown>;
type Applied = Extract<Transition, { ok: true }>;
type AlertPatch = Partial<
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

function toAlert(r: Row): ConfirmAlert {
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
  async apply(alert: ConfirmAlert, t: Applied, now: number, patch: AlertPatch = {}): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const changed = await trx('confirm_alerts')
        .where({ id: alert.id, status: t.from })
        .update({ ...patchColumns(patch), status: t.to, escalation_reason: t.reason, updated_at: now });
      if (changed !== 1) return false;
      await appendAudit(trx, {
        at: new Date(now),
        actor: t.audit.actor,
        action: `confirm.${t.to}`,
        subject: alertSubject(alert.id),
        details: { event: t.audit.action, from: t.from, to: t.to, why: t.reason, ...t.audit.details },
      });
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
   * Claims the one DM of an asked alert; only the caller that gets true may post it. The DM
   * channel is stored with the claim: a quick click may arrive before the post returns.
   */
  async claimDm(id: number, channel: string, now: number): Promise<boolean> {
    const n = await this.db('confirm_alerts')
      .where({ id })
      .whereIn('status', OPEN_STATUSES)
      .whereNull('dm_claimed_at')
      .update({ dm_claimed_at: now, dm_channel: channel });
    return n === 1;
  }

  /** Records the posted DM and its audit row in one commit. */
  async dmSent(id: number, channel: string, ts: string, now: number): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('confirm_alerts').where({ id }).update({ dm_ts: ts });
      await appendAudit(trx, {
        at: new Date(now),
        actor: 'system',
        action: 'confirm.dm_sent',
        subject: alertSubject(id),
        details: { channel, ts },
      });
    });
  }

  /** Claims the one channel post of an escalated alert. */
  async claimEscalation(id: number, now: number): Promise<boolean> {
    const n = await this.db('confirm_alerts')
      .where({ id, status: 'escalated' })
      .whereNull('escalation_claimed_at')
      .update({ escalation_claimed_at: now });
    return n === 1;
  }

  /** Gives the claim back after a failed post, so the periodic sweep tries again; never after a post landed. */
  async releaseEscalation(id: number): Promise<void> {
    await this.db('confirm_alerts')
      .where({ id, status: 'escalated' })
      .whereNull('escalation_ts')
      .update({ escalation_claimed_at: null });
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

  async setEscalationTs(id: number, ts: string): Promise<void> {
    await this.db('confirm_alerts').where({ id }).update({ escalation_ts: ts });
  }

  /** Stores the user's explanation once, if the window is still open. */
  async attachComment(id: number, comment: string, now: number): Promise<boolean> {
    const n = await this.db('confirm_alerts')
      .where({ id })
      .whereNull('comment')
      .andWhere('comment_until', '>', now)
      .update({ comment });
    return n === 1;
  }

  /**
   * Claims posting the comment into the escalation thread (needs both the comment and the thread).
   * comment_posted_at is the claim: it is set before the post, so a second caller never posts it too.
   */
  async claimCommentPost(id: number, now: number): Promise<boolean> {
    const n = await this.db('confirm_alerts')
      .where({ id })
      .whereNotNull('comment')
      .whereNotNull('escalation_ts')
      .whereNull('comment_posted_at')
      .update({ comment_posted_at: now });
    return n === 1;
  }

  /**
   * Gives back the claim taken at `claimedAt` after Slack refused the post, so the periodic sweep
   * tries again. Only for a post known not to have landed; a post that landed keeps its claim.
   */
  async releaseCommentPost(id: number, claimedAt: number): Promise<void> {
    await this.db('confirm_alerts').where({ id, comment_posted_at: claimedAt }).update({ comment_posted_at: null });
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
   * Work a dead process or a failed Slack call left undone: unprocessed, un-DMed, un-posted
   * escalations, and explanations not yet posted into their escalation's thread.
   */
  async unfinished(limit = 500): Promise<ConfirmAlert[]> {
    const rows = await this.db('confirm_alerts')
      .where({ status: 'new' })
      .orWhere((q) => q.where({ status: 'asked' }).whereNull('dm_claimed_at'))
      .orWhere((q) => q.where({ status: 'escalated' }).whereNull('escalation_claimed_at'))
      .orWhere((q) =>
        q
          .where({ status: 'escalated' })
          .whereNotNull('comment')
          .whereNotNull('escalation_ts')
          .whereNull('comment_posted_at'),
      )
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
