/**
 * Telling the security channel, and then the user, about an escalated alert. The channel post
 * is claimed in the database first so a second replica or the start-up sweep never posts it
 * twice; the user is told the team knows only after the post succeeded.
 */
import type { EscalationReason } from '../core/confirm/state-machine.js';
import { answeredMessage, commentReply, escalationMessage } from './blocks.js';
import { COMMENT_WINDOW_MS, type ConfirmContext } from './context.js';
import type { ConfirmAlert } from './types.js';

const TOLD_USER: Record<EscalationReason, string | null> = {
  denied:
    "Thanks for telling me. I've let the security team know, and they will look into it. " +
    `If you want to add anything (what you saw, what might have happened), just reply here in the next ${COMMENT_WINDOW_MS / 60_000} minutes and I'll pass it on.`,
  '2fa_failed': "I couldn't verify with Duo that it was you, so I've let the security team know.",
  '2fa_unavailable':
    "Thanks. I couldn't check it with Duo right now, so I've told the security team you said yes but it is unverified.",
  no_response: "I didn't get an answer in time, so I've let the security team know.",
  unknown_user: null,
};

const OUTCOME: Record<EscalationReason, string> = {
  denied: ':x: You said this was not you; the security team was told',
  '2fa_failed': ':x: The Duo check failed; the security team was told',
  '2fa_unavailable': ':warning: Answered yes, unverified; the security team was told',
  no_response: ':hourglass: No answer in time; the security team was told',
  unknown_user: 'Escalated',
};

export async function postEscalation(ctx: ConfirmContext, alert: ConfirmAlert): Promise<void> {
  const now = ctx.clock.now().getTime();
  if (!(await ctx.repo.claimEscalation(alert.id, now))) return;
  const reason = alert.escalationReason ?? 'denied';
  const log = ctx.logger.child({ component: 'confirm', alert: alert.id });
  let posted = false;
  try {
    const { ts } = await ctx.outbox.post({ channel: ctx.escalationChannel, ...escalationMessage(alert) });
    await ctx.repo.setEscalationTs(alert.id, ts);
    await ctx.repo.audit(alert.id, 'system', 'escalation_posted', { channel: ctx.escalationChannel, ts, reason }, now);
    posted = true;
  } catch (err) {
    log.error('confirm: escalation could not be posted', { err });
    await ctx.repo.audit(alert.id, 'system', 'escalation_failed', { error: String(err) }, now);
  }
  if (alert.userId && alert.dmChannel) {
    const told = TOLD_USER[reason];
    const text = posted
      ? told
      : "I couldn't reach the security team's channel just now. Please contact the security team directly about this alert.";
    if (text) await say(ctx, alert.dmChannel, `${text} (alert #${alert.id})`);
    await closeAsk(ctx, alert, posted ? OUTCOME[reason] : ':warning: Escalation could not be delivered');
  }
  if (posted) await postComment(ctx, alert.id);
}

/** Posts the user's explanation into the escalation thread once both exist (either may come first). */
export async function postComment(ctx: ConfirmContext, alertId: number): Promise<void> {
  const now = ctx.clock.now().getTime();
  if (!(await ctx.repo.claimCommentPost(alertId, now))) return;
  const alert = (await ctx.repo.get(alertId))!;
  try {
    await ctx.outbox.post({
      channel: ctx.escalationChannel,
      thread_ts: alert.escalationTs!,
      text: commentReply(alert.userId!, alert.comment!),
    });
    await ctx.repo.audit(alertId, alert.userId ?? 'system', 'comment_posted', { ts: alert.escalationTs }, now);
  } catch (err) {
    ctx.logger.error('confirm: explanation could not be posted', { alert: alertId, err });
  }
}

export async function say(ctx: ConfirmContext, channel: string, text: string): Promise<void> {
  try {
    await ctx.outbox.post({ channel, text });
  } catch (err) {
    ctx.logger.warn('confirm: DM failed', { channel, err });
  }
}

/** Replaces the buttons of the original question with what happened, so nobody clicks a stale one. */
export async function closeAsk(ctx: ConfirmContext, alert: ConfirmAlert, outcome: string): Promise<void> {
  if (!alert.dmChannel || !alert.dmTs) return;
  try {
    await ctx.outbox.update({ channel: alert.dmChannel, ts: alert.dmTs, ...answeredMessage(alert, outcome) });
  } catch (err) {
    ctx.logger.warn('confirm: could not update the question message', { alert: alert.id, err });
  }
}
