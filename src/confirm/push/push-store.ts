/**
 * confirm_pushes: one Duo Push per "yes". Every step is a conditional update, so a restart, a
 * second replica or a late answer can move a push only from the stage it was read in, and only
 * the lease holder polls it. The lease expires, so a dead replica's pushes are picked up.
 */
import type { Db } from '../../store/db.js';

export type PushStage = 'new' | 'pushing' | 'pushed' | 'done';

export interface PushRow {
  alertId: number;
  userId: string;
  username: string;
  stage: PushStage;
  deviceName: string | null;
  txid: string | null;
  verificationCode: string | null;
  dmTs: string | null;
  pollAfter: number | null;
  failures: number;
  pushedAt: number | null;
}

type Row = Record<string, unknown>;
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toPush(r: Row): PushRow {
  return {
    alertId: Number(r.alert_id),
    userId: String(r.user_id),
    username: String(r.username),
    stage: r.stage as PushStage,
    deviceName: str(r.device_name),
    txid: str(r.txid),
    verificationCode: str(r.verification_code),
    dmTs: str(r.dm_ts),
    pollAfter: num(r.poll_after),
    failures: Number(r.failures ?? 0),
    pushedAt: num(r.pushed_at),
  };
}

export class PushStore {
  constructor(private readonly db: Db) {}

  /** The push for this alert; a second "yes" (double click, other replica) finds the first. */
  async create(alertId: number, userId: string, username: string, now: number): Promise<void> {
    await this.db('confirm_pushes')
      .insert({ alert_id: alertId, user_id: userId, username, stage: 'new', created_at: now, updated_at: now })
      .onConflict('alert_id')
      .ignore();
  }

  async get(alertId: number): Promise<PushRow | null> {
    const r = await this.db('confirm_pushes').where({ alert_id: alertId }).first();
    return r ? toPush(r) : null;
  }

  /** Takes (or renews) the lease: true only for the one replica that may work on this push now. */
  async claim(alertId: number, owner: string, now: number, ttlMs: number): Promise<boolean> {
    const n = await this.db('confirm_pushes')
      .where({ alert_id: alertId })
      .whereNot({ stage: 'done' })
      .andWhere((q) => q.whereNull('lease_until').orWhere('lease_until', '<', now).orWhere({ lease_owner: owner }))
      .update({ lease_owner: owner, lease_until: now + ttlMs, updated_at: now });
    return n === 1;
  }

  async release(alertId: number, owner: string): Promise<void> {
    await this.db('confirm_pushes').where({ alert_id: alertId, lease_owner: owner }).update({ lease_until: null });
  }

  /** Every lease this replica holds, given back at shutdown so another replica resumes at once. */
  async releaseAll(owner: string): Promise<void> {
    await this.db('confirm_pushes').where({ lease_owner: owner }).update({ lease_until: null });
  }

  /** Recorded BEFORE /auth/v2/auth is called: if we die during the call, the push is never sent again. */
  async markPushing(alertId: number, owner: string, deviceName: string, code: string | null, now: number) {
    const n = await this.db('confirm_pushes')
      .where({ alert_id: alertId, stage: 'new', lease_owner: owner })
      .update({ stage: 'pushing', device_name: deviceName, verification_code: code, pushed_at: now, updated_at: now });
    return n === 1;
  }

  /** Duo refused the push call itself (so it sent nothing): back to preauth for another try. */
  async resetToNew(alertId: number): Promise<void> {
    await this.db('confirm_pushes')
      .where({ alert_id: alertId, stage: 'pushing' })
      .whereNull('txid')
      .update({ stage: 'new' });
  }

  async markPushed(alertId: number, txid: string, now: number): Promise<void> {
    await this.db('confirm_pushes')
      .where({ alert_id: alertId, stage: 'pushing' })
      .update({ stage: 'pushed', txid, updated_at: now });
  }

  async setDmTs(alertId: number, ts: string): Promise<void> {
    await this.db('confirm_pushes').where({ alert_id: alertId }).update({ dm_ts: ts });
  }

  async backoff(alertId: number, pollAfter: number, failures: number): Promise<void> {
    await this.db('confirm_pushes').where({ alert_id: alertId }).update({ poll_after: pollAfter, failures });
  }

  /** Ends the push once; false when it had already ended (the caller then changes nothing). */
  async finish(alertId: number, result: string, status: string, now: number): Promise<boolean> {
    const n = await this.db('confirm_pushes')
      .where({ alert_id: alertId })
      .whereNot({ stage: 'done' })
      .update({ stage: 'done', result, status: status.slice(0, 32), lease_until: null, updated_at: now });
    return n === 1;
  }

  /** Unfinished pushes nobody holds a live lease on, oldest first. */
  async claimable(now: number, limit = 200): Promise<number[]> {
    const rows = await this.db('confirm_pushes')
      .whereNot({ stage: 'done' })
      .andWhere((q) => q.whereNull('lease_until').orWhere('lease_until', '<', now))
      .andWhere((q) => q.whereNull('poll_after').orWhere('poll_after', '<=', now))
      .orderBy('created_at', 'asc')
      .limit(limit)
      .select('alert_id');
    return rows.map((r: Row) => Number(r.alert_id));
  }

  /**
   * The user's most recent Duo verification at or after `since` that was itself a real check
   * (not a reuse), for confirm.reuse_verification.
   */
  async recentVerification(
    userId: string,
    since: number,
    exceptAlert: number,
  ): Promise<{ alertId: number; at: number } | null> {
    const rows = await this.db('confirm_alerts')
      .where({ user_id: userId, status: 'confirmed' })
      .whereNot({ id: exceptAlert })
      .andWhere('updated_at', '>=', since)
      .orderBy('updated_at', 'desc')
      .limit(5)
      .select('id', 'updated_at');
    for (const r of rows as Row[]) {
      const reused = await this.db('audit_log')
        .where({ subject: `confirm:${r.id}`, action: 'confirm.verification_reused' })
        .first('id');
      if (!reused) return { alertId: Number(r.id), at: Number(r.updated_at) };
    }
    return null;
  }
}
