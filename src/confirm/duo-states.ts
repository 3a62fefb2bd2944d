/**
 * Single-use Duo `state` values: the only link between a browser coming back from Duo and an
 * alert. Consuming one is a conditional update, so a replayed callback can never use it twice.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../store/db.js';

export interface DuoStateRow {
  state: string;
  alertId: number;
  userId: string;
  expiresAt: number;
  /** when the state was first used (set on a replay) */
  usedAt?: number | null;
}

export type ConsumeResult =
  | { ok: true; row: DuoStateRow }
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: 'replayed' | 'expired'; row: DuoStateRow };

/** 32 url-safe chars: inside Duo's 22..1024 and unguessable (192 random bits). */
export function newDuoState(): string {
  return randomBytes(24).toString('base64url');
}

export class DuoStateStore {
  constructor(private readonly db: Db) {}

  async insert(row: DuoStateRow, now: number): Promise<void> {
    await this.db('confirm_duo_states').insert({
      state: row.state,
      alert_id: row.alertId,
      user_id: row.userId,
      created_at: now,
      expires_at: row.expiresAt,
    });
  }

  /** The DM that carries this state's link, so the link can be taken away once the alert is settled. */
  async setDm(state: string, channel: string, ts: string): Promise<void> {
    await this.db('confirm_duo_states').where({ state }).update({ dm_channel: channel, dm_ts: ts });
  }

  /** The link DMs of this alert that are still on screen. */
  async dmsOf(alertId: number): Promise<{ channel: string; ts: string }[]> {
    const rows = await this.db('confirm_duo_states').where({ alert_id: alertId }).whereNotNull('dm_ts');
    return rows.map((r: Record<string, unknown>) => ({ channel: String(r.dm_channel), ts: String(r.dm_ts) }));
  }

  async consume(state: string, now: number): Promise<ConsumeResult> {
    if (state.length < 22 || state.length > 64) return { ok: false, reason: 'unknown' };
    const used = await this.db('confirm_duo_states').where({ state }).whereNull('used_at').update({ used_at: now });
    const r = await this.db('confirm_duo_states').where({ state }).first();
    if (!r) return { ok: false, reason: 'unknown' };
    const row: DuoStateRow = {
      state,
      alertId: Number(r.alert_id),
      userId: String(r.user_id),
      expiresAt: Number(r.expires_at),
      usedAt: r.used_at === null || r.used_at === undefined ? null : Number(r.used_at),
    };
    if (used !== 1) return { ok: false, reason: 'replayed', row };
    if (row.expiresAt <= now) return { ok: false, reason: 'expired', row };
    return { ok: true, row };
  }
}
