/**
 * What a user's click or reply does. Each function returns the sentence to show the clicker
 * (ephemerally), or null when the DMs the flow sends already say everything.
 */

import { clampIgnoreDuration, ignoreChoicesFor, mayCreateIgnoreRule } from '../core/confirm/ignore-rules.js';
import { formatDuration } from '../core/duration.js';
import { escapeMrkdwn } from '../core/escape.js';
import { verifyMessage } from './blocks.js';
import { COMMENT_WINDOW_MS, type ConfirmContext, verifyWindowMs } from './context.js';
import { newDuoState } from './duo-states.js';
import { closeAsk, queueComment, say } from './escalation.js';
import { moveAlert, viewOf } from './transitions.js';
import type { ConfirmAlert } from './types.js';

const NO_SUCH_ALERT = 'I could not find that alert any more.';
/** Same words as the state machine's refusal, and nothing about the alert's state. */
const NOT_YOURS = 'This alert is about someone else, so only they can answer it.';

async function load(ctx: ConfirmContext, value: string) {
  return /^\d{1,15}$/.test(value) ? ctx.repo.get(Number(value)) : null;
}

/** Why a "yes" cannot be checked right now, or null when the second factor is ready. */
async function secondFactorProblem(ctx: ConfirmContext, duoUsername: string | null): Promise<string | null> {
  if (!ctx.secondFactor) return 'Duo is not configured, so the answer could not be verified';
  if (!duoUsername) return 'the user has no email in Slack to derive a Duo username from';
  if (!(await ctx.secondFactor.healthy())) return 'the Duo health check failed, so the answer could not be verified';
  return null;
}

export async function answerYes(ctx: ConfirmContext, alertValue: string, by: string): Promise<string | null> {
  const alert = await load(ctx, alertValue);
  if (!alert) return NO_SUCH_ALERT;
  // Ownership before the (slow) Duo health check; the state machine decides the rest.
  if (alert.userId !== by) return NOT_YOURS;
  const problem = await secondFactorProblem(ctx, alert.duoUsername);
  if (problem !== null) {
    const moved = await moveAlert(
      ctx,
      alert,
      { type: 'answered_yes', by, secondFactor: 'unavailable' },
      { outcomeDetail: problem },
    );
    return moved.ok ? null : moved.message;
  }
  const now = ctx.clock.now().getTime();
  const expiresAt = now + verifyWindowMs(ctx.policy);
  const moved = await moveAlert(
    ctx,
    alert,
    { type: 'answered_yes', by, secondFactor: 'available' },
    { deadline: expiresAt },
  );
  if (!moved.ok) return moved.message;
  try {
    await startDuo(ctx, moved.alert, expiresAt, now);
  } catch (err) {
    // Left `verifying`, the user would see nothing until the deadline: fail the check now instead.
    ctx.logger.error('confirm: could not start Duo', { alert: alert.id, err });
    const detail = `could not start Duo: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
    await moveAlert(ctx, moved.alert, { type: 'verification_failed', by, detail }, { outcomeDetail: detail });
    return 'Sorry, I could not start the Duo check, so your answer could not be verified.';
  }
  return null;
}

/** A single-use state, the Duo link in the user's DM, and the question's buttons taken away. */
async function startDuo(ctx: ConfirmContext, alert: ConfirmAlert, expiresAt: number, now: number): Promise<void> {
  if (!alert.dmChannel) throw new Error('there is no DM channel to send the Duo link to');
  const state = newDuoState();
  await ctx.duoStates.insert({ state, alertId: alert.id, userId: alert.userId!, expiresAt }, now);
  const authUrl = await ctx.secondFactor!.authUrl(alert.duoUsername!, state);
  await closeAsk(ctx, alert, ':hourglass_flowing_sand: You answered yes; waiting for Duo');
  await ctx.outbox.post({ channel: alert.dmChannel, ...verifyMessage(alert, authUrl, expiresAt) });
}

export async function answerNo(ctx: ConfirmContext, alertValue: string, by: string): Promise<string | null> {
  const alert = await load(ctx, alertValue);
  if (!alert) return NO_SUCH_ALERT;
  const commentUntil = ctx.clock.now().getTime() + COMMENT_WINDOW_MS;
  const moved = await moveAlert(ctx, alert, { type: 'answered_no', by }, { commentUntil });
  return moved.ok ? null : moved.message;
}

export async function mute(ctx: ConfirmContext, value: string, by: string): Promise<string> {
  const match = /^(\d{1,15}):(\d{1,12})$/.exec(value);
  const alert = match ? await ctx.repo.get(Number(match[1])) : null;
  if (!match || !alert) return NO_SUCH_ALERT;
  const check = mayCreateIgnoreRule(viewOf(alert), by);
  if (!check.ok) return check.message;
  const requested = Number(match[2]);
  const ms = clampIgnoreDuration(requested, ctx.policy);
  if (ms === null || !ignoreChoicesFor(ctx.policy).includes(ms)) return 'That mute length is not offered.';
  const now = ctx.clock.now().getTime();
  const expiresAt = new Date(now + ms);
  const rule = await ctx.rules.create({ userId: by, title: alert.title, alertId: alert.id, expiresAt }, now);
  if (!rule) return 'You already muted this alert.';
  await ctx.repo.audit(
    alert.id,
    by,
    'rule_created',
    { ruleId: rule.id, expiresAt: expiresAt.toISOString(), title: alert.title },
    now,
  );
  return `Muted alerts titled *${escapeMrkdwn(alert.title, 200)}* for you for ${formatDuration(ms)}.`;
}

/** A DM while a "no" is waiting for its explanation: attach it. False when nothing is waiting. */
export async function takeComment(
  ctx: ConfirmContext,
  userId: string,
  text: string,
  channel: string,
): Promise<boolean> {
  const now = ctx.clock.now().getTime();
  const alert = await ctx.repo.awaitingComment(userId, now);
  if (!alert || text.trim() === '') return false;
  const comment = text.slice(0, 3000);
  if (!(await ctx.repo.attachComment(alert.id, comment, now, queueComment(ctx, alert, comment)))) return false;
  await ctx.repo.audit(alert.id, userId, 'commented', { length: text.length }, now);
  await say(ctx, channel, `Thanks, I've added that to the report for the security team (alert #${alert.id}).`);
  return true;
}
