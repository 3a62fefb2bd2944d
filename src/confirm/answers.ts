/**
 * What a user's click or reply does. Each function returns the sentence to show the clicker
 * (ephemerally), or null when the DMs the flow sends already say everything.
 */

import { clampIgnoreDuration, ignoreChoicesFor, mayCreateIgnoreRule } from '../core/confirm/ignore-rules.js';
import { formatDuration } from '../core/duration.js';
import { escapeMrkdwn } from '../core/escape.js';
import { withTimeout } from '../with-timeout.js';
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

/** How long the Duo health check may take before the "yes" is escalated as unverifiable. */
const HEALTH_CHECK_TIMEOUT_MS = 5000;

/** Which second factor checks a "yes": the policy's choice among those configured, or null for none. */
function secondFactorFor(ctx: ConfirmContext): 'push' | 'prompt' | null {
  switch (ctx.policy.secondFactor ?? 'auto') {
    case 'push':
      return ctx.push ? 'push' : null;
    case 'prompt':
      return ctx.secondFactor ? 'prompt' : null;
    default:
      return ctx.push ? 'push' : ctx.secondFactor ? 'prompt' : null;
  }
}

/** Why a "yes" cannot be checked right now, or null when the second factor is ready. */
async function secondFactorProblem(
  ctx: ConfirmContext,
  mode: 'push' | 'prompt' | null,
  duoUsername: string | null,
): Promise<string | null> {
  if (mode === null) {
    const wanted = ctx.policy.secondFactor ?? 'auto';
    if (wanted === 'push')
      return 'confirm.second_factor is push, but the Duo Auth API (DUO_AUTH_API_*) is not configured';
    if (wanted === 'prompt')
      return 'confirm.second_factor is prompt, but the Duo Universal Prompt (DUO_CLIENT_*) is not configured';
    return 'Duo is not configured, so the answer could not be verified';
  }
  if (!duoUsername) return 'the user has no Duo username (see DUO_USERNAME_FROM) to verify against';
  // Push: preauth is the health check, and its failure is reported as 2fa_unavailable by the push itself.
  if (mode === 'push') return null;
  const healthy = await withTimeout(ctx.secondFactor!.healthy(), HEALTH_CHECK_TIMEOUT_MS).catch(() => false);
  if (!healthy) return 'the Duo health check failed or timed out, so the answer could not be verified';
  return null;
}

export async function answerYes(ctx: ConfirmContext, alertValue: string, by: string): Promise<string | null> {
  const alert = await load(ctx, alertValue);
  if (!alert) return NO_SUCH_ALERT;
  // Ownership before the (slow) Duo health check; the state machine decides the rest.
  if (alert.userId !== by) return NOT_YOURS;
  if (alert.status === 'asked' && (await reuseVerification(ctx, alert, by))) return null;
  const mode = secondFactorFor(ctx);
  const problem = await secondFactorProblem(ctx, mode, alert.duoUsername);
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
    if (mode === 'push') {
      await ctx.pushes.create(alert.id, by, alert.duoUsername!, now);
      // The push first: the phone buzzing is what the user waits for, the DM tidy-up can follow.
      ctx.startPush(alert.id);
      await closeAsk(ctx, moved.alert, ':hourglass_flowing_sand: You answered yes; sending a Duo Push to your phone');
    } else {
      await closeAsk(ctx, moved.alert, ':hourglass_flowing_sand: You answered yes; waiting for Duo');
      await sendPromptLink(ctx, moved.alert, expiresAt, now);
    }
  } catch (err) {
    // Left `verifying`, the user would see nothing until the deadline: fail the check now instead.
    ctx.logger.error('confirm: could not start Duo', { alert: alert.id, err });
    const detail = `could not start Duo: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
    await moveAlert(ctx, moved.alert, { type: 'verification_failed', by, detail }, { outcomeDetail: detail });
    return 'Sorry, I could not start the Duo check, so your answer could not be verified.';
  }
  return null;
}

/**
 * confirm.reuse_verification: a Duo check this user passed recently (for another alert) stands
 * for this one too. Audited with the alert whose verification was reused.
 */
async function reuseVerification(ctx: ConfirmContext, alert: ConfirmAlert, by: string): Promise<boolean> {
  const windowMs = ctx.policy.reuseVerificationMs ?? 0;
  if (windowMs <= 0) return false;
  const now = ctx.clock.now().getTime();
  const recent = await ctx.pushes.recentVerification(by, now - windowMs, alert.id);
  if (!recent) return false;
  const yes = await moveAlert(
    ctx,
    alert,
    { type: 'answered_yes', by, secondFactor: 'available' },
    { deadline: now + verifyWindowMs(ctx.policy) },
  );
  if (!yes.ok) return false;
  const verified = await moveAlert(ctx, yes.alert, { type: 'verified', by });
  if (!verified.ok) return true;
  await ctx.repo.audit(
    alert.id,
    by,
    'verification_reused',
    { reusedAlert: recent.alertId, verifiedAt: new Date(recent.at).toISOString() },
    now,
  );
  const minutes = Math.max(1, Math.round((now - recent.at) / 60_000));
  await closeAsk(
    ctx,
    verified.alert,
    `:white_check_mark: Verified (your Duo check for alert #${recent.alertId} ${minutes} min ago)`,
  );
  if (verified.alert.dmChannel) {
    await say(
      ctx,
      verified.alert.dmChannel,
      `You verified with Duo ${minutes} min ago (alert #${recent.alertId}), so I didn't push again: alert #${alert.id} is confirmed.`,
    );
  }
  return true;
}

/** A single-use state and the Duo link in the user's DM; the link's message is remembered so it can be taken away. */
export async function sendPromptLink(
  ctx: ConfirmContext,
  alert: ConfirmAlert,
  expiresAt: number,
  now: number,
): Promise<void> {
  if (!alert.dmChannel) throw new Error('there is no DM channel to send the Duo link to');
  if (!ctx.secondFactor || !alert.duoUsername) throw new Error('the Duo Universal Prompt is not configured');
  const state = newDuoState();
  await ctx.duoStates.insert({ state, alertId: alert.id, userId: alert.userId!, expiresAt }, now);
  const authUrl = await ctx.secondFactor.authUrl(alert.duoUsername, state);
  const posted = await ctx.outbox.post({ channel: alert.dmChannel, ...verifyMessage(alert, authUrl, expiresAt) });
  await ctx.duoStates.setDm(state, posted.channel, posted.ts);
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
  ctx.home?.changed([by]);
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
