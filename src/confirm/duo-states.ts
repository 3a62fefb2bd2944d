/**
 * Single-use Duo `state` values: the only link between a browser coming back from Duo and an
 * alert. Consuming one is a conditional update, so a replayed callback can never use it twice.
 */
import { randomBytes } from 'node:crypto';
import { escapeMrkdwn } from '../core/escape.js';
import type { Db } from '../store/db.js';
import type { ConfirmContext } from './context.js';
import type { ConfirmAlert } from './types.js';

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

  /** The link DMs of this alert still showing a live button; each is handed out once. */
  async takeDms(alertId: number): Promise<{ channel: string; ts: string }[]> {
    const rows = await this.db('confirm_duo_states').where({ alert_id: alertId }).whereNotNull('dm_ts');
    const taken: { channel: string; ts: string }[] = [];
    for (const r of rows as Record<string, unknown>[]) {
      const n = await this.db('confirm_duo_states').where({ state: r.state, dm_ts: r.dm_ts }).update({ dm_ts: null });
      if (n === 1) taken.push({ channel: String(r.dm_channel), ts: String(r.dm_ts) });
    }
    return taken;
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

/**
 * Once an alert is settled its "Verify with Duo" button can no longer work: replace it with what
 * happened, so nobody approves a prompt the bot will refuse.
 */
export async function retirePromptLinks(ctx: ConfirmContext, alert: ConfirmAlert): Promise<void> {
  const dms = await ctx.duoStates.takeDms(alert.id).catch(() => []);
  if (dms.length === 0) return;
  const what =
    alert.status === 'confirmed'
      ? ':white_check_mark: Verified; this Duo link is no longer needed'
      : `:no_entry_sign: This Duo link no longer works: the alert was ${alert.status === 'escalated' ? 'sent to the security team' : 'closed'}`;
  const text = `${what} (alert #${alert.id}: ${escapeMrkdwn(alert.title, 150)})`;
  for (const dm of dms) {
    await ctx.outbox
      .update({
        channel: dm.channel,
        ts: dm.ts,
        text,
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } }],
      })
      .catch((err: unknown) => ctx.logger.warn('confirm: could not retire the Duo link', { alert: alert.id, err }));
  }
}
