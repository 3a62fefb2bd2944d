/**
 * Telling the security channel, and then the user, about an escalated alert. The channel post
 * is claimed in the database first so a second replica or a sweep never posts it twice; a failed
 * post gives the claim back for the next periodic sweep. The user is told the team knows only
 * after the post succeeded.
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
  const log = ctx.logger.child({ alert: alert.id });
  let ts: string;
  try {
    ({ ts } = await ctx.outbox.post({ channel: ctx.escalationChannel, ...escalationMessage(alert) }));
  } catch (err) {
    log.error('confirm: escalation could not be posted; the periodic sweep will retry it', { err });
    await escalationFailed(ctx, alert, err, now);
    return;
  }
  try {
    await ctx.repo.setEscalationTs(alert.id, ts);
    await ctx.repo.audit(alert.id, 'system', 'escalation_posted', { channel: ctx.escalationChannel, ts, reason }, now);
  } catch (err) {
    // The post landed; keep the claim so it is never posted twice, even though its ts is lost.
    log.error('confirm: escalation posted, but recording it failed', { err, ts });
  }
  if (alert.userId && alert.dmChannel) {
    const told = TOLD_USER[reason];
    if (told) await say(ctx, alert.dmChannel, `${told} (alert #${alert.id})`);
    await closeAsk(ctx, alert, OUTCOME[reason]);
  }
  await postComment(ctx, alert.id);
}

/**
 * Gives the claim back so the lease holder's periodic sweep retries the post. The audit row and
 * the user's notice are written for the first failure only, not once per sweep.
 */
async function escalationFailed(ctx: ConfirmContext, alert: ConfirmAlert, err: unknown, now: number): Promise<void> {
  const first = await ctx.repo.auditOnce(alert.id, 'system', 'escalation_failed', { error: String(err) }, now);
  await ctx.repo.releaseEscalation(alert.id);
  if (!first || !alert.userId || !alert.dmChannel) return;
  await say(
    ctx,
    alert.dmChannel,
    `I couldn't reach the security team's channel just now; I'll keep trying. If it is urgent, please contact the security team directly (alert #${alert.id}).`,
  );
  await closeAsk(ctx, alert, ':warning: Not yet delivered to the security team; retrying');
}

/**
 * Posts the user's explanation into the escalation thread once both exist (either may come first).
 * Claimed first so it is posted at most once; a post Slack refused gives the claim back for the
 * periodic sweep, a post that landed keeps it even if recording it fails.
 */
export async function postComment(ctx: ConfirmContext, alertId: number): Promise<void> {
  const now = ctx.clock.now().getTime();
  if (!(await ctx.repo.claimCommentPost(alertId, now))) return;
  let alert: ConfirmAlert;
  try {
    alert = (await ctx.repo.get(alertId))!;
    await ctx.outbox.post({
      channel: ctx.escalationChannel,
      thread_ts: alert.escalationTs!,
      text: commentReply(alert.userId!, alert.comment!),
    });
  } catch (err) {
    ctx.logger.error('confirm: explanation could not be posted; the periodic sweep will retry it', {
      alert: alertId,
      err,
    });
    try {
      await ctx.repo.auditOnce(alertId, 'system', 'comment_failed', { error: String(err) }, now);
    } finally {
      // Nothing was posted: released even if the audit write failed, or it would never be retried.
      await ctx.repo.releaseCommentPost(alertId, now);
    }
    return;
  }
  try {
    await ctx.repo.audit(alertId, alert.userId ?? 'system', 'comment_posted', { ts: alert.escalationTs }, now);
  } catch (err) {
    ctx.logger.error('confirm: explanation posted, but recording it failed', { alert: alertId, err });
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
