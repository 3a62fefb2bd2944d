/**
 * Removing an ignore rule from the Home tab: only the person the rule belongs to may, and every
 * attempt is audited (a refusal too: someone tried to unmute another person's alerts).
 */
import { escapeMrkdwn } from '../core/escape.js';
import { appendAudit } from '../store/audit.js';
import type { Db } from '../store/db.js';

export type RemovalOutcome = { ok: boolean; message: string };

export async function removeIgnoreRule(db: Db, value: string, by: string, now: number): Promise<RemovalOutcome> {
  if (!/^\d{1,15}$/.test(value)) return { ok: false, message: 'I could not find that mute.' };
  const id = Number(value);
  const rule = (await db('confirm_ignore_rules').where({ id }).first()) as Record<string, unknown> | undefined;
  if (!rule || Number(rule.expires_at) <= now) return { ok: false, message: 'That mute has already ended.' };
  const subject = `confirm:${Number(rule.alert_id)}`;
  if (String(rule.user_id) !== by) {
    await appendAudit(db, {
      at: new Date(now),
      actor: by,
      action: 'confirm.rule_remove_refused',
      subject,
      details: { ruleId: id },
    });
    return { ok: false, message: 'That mute belongs to someone else, so only they can remove it.' };
  }
  // Ending the rule rather than deleting it keeps the one-rule-per-alert key and the history.
  const ended = await db.transaction(async (trx) => {
    const updated = await trx('confirm_ignore_rules')
      .where({ id, user_id: by })
      .andWhere('expires_at', '>', now)
      .update({ expires_at: now });
    if (updated !== 1) return false;
    await appendAudit(trx, {
      at: new Date(now),
      actor: by,
      action: 'confirm.rule_removed',
      subject,
      details: {
        ruleId: id,
        title: String(rule.title),
        via: 'home',
        wasUntil: new Date(Number(rule.expires_at)).toISOString(),
      },
    });
    return true;
  });
  if (!ended) return { ok: false, message: 'That mute has already ended.' };
  return {
    ok: true,
    message: `Removed your mute of *${escapeMrkdwn(String(rule.title), 200)}*: those alerts will ask you again.`,
  };
}
