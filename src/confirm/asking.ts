/**
 * From an alert to one question in the user's DM: resolve who it is, honour their ignore rules,
 * then claim and send the single DM.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { findMatchingRule } from '../core/confirm/ignore-rules.js';
import { computeDeadline } from '../core/confirm/policy.js';
import { askMessage } from './blocks.js';
import type { ConfirmContext } from './context.js';
import { duoUsernameFor } from './duo-username.js';
import { closeAsk, postComment, postEscalation } from './escalation.js';
import { isSlackUserId } from './intake-validation.js';
import { moveAlert } from './transitions.js';
import type { ConfirmAlert } from './types.js';

type Resolved =
  | { kind: 'found'; userId: string; email: string | null; name: string | null }
  | { kind: 'unknown'; why: string };

const NOT_FOUND_ERRORS = new Set(['user_not_found', 'users_not_found', 'invalid_email', 'user_disabled']);

/** users.info for an ID, users.lookupByEmail for an email. Throws only for transient failures. */
async function resolveUser(ctx: ConfirmContext, ref: string): Promise<Resolved> {
  let user:
    | { id?: string; name?: string; deleted?: boolean; is_bot?: boolean; profile?: { email?: string } }
    | undefined;
  try {
    const res = isSlackUserId(ref)
      ? await ctx.slack.users.info({ user: ref })
      : await ctx.slack.users.lookupByEmail({ email: ref });
    user = res.user;
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error;
    if (code && NOT_FOUND_ERRORS.has(code)) return { kind: 'unknown', why: `Slack: ${code}` };
    throw err;
  }
  if (!user?.id) return { kind: 'unknown', why: 'Slack returned no user' };
  if (user.deleted) return { kind: 'unknown', why: 'the Slack account is deactivated' };
  if (user.is_bot || user.id === 'USLACKBOT') return { kind: 'unknown', why: 'the Slack account is a bot' };
  return { kind: 'found', userId: user.id, email: user.profile?.email ?? null, name: user.name ?? null };
}

/**
 * Moves a `new` alert on: escalated (unknown user), ignored (a rule matched) or asked (then DM).
 * Also finishes what a dead process or a failed Slack call left: an asked alert without its DM,
 * an unposted escalation, the user's unposted explanation.
 */
export async function processAlert(ctx: ConfirmContext, alert: ConfirmAlert): Promise<void> {
  if (alert.status === 'asked') return askUser(ctx, alert);
  if (alert.status === 'escalated') {
    // An unclaimed escalation's post ends with the explanation's, so one pass tries each once.
    return alert.escalationClaimedAt === null ? postEscalation(ctx, alert) : postComment(ctx, alert.id);
  }
  if (alert.status !== 'new') return;
  const who = await resolveWithRetry(ctx, alert);
  if (who === null) return;
  if (who.kind === 'unknown') {
    await moveAlert(ctx, alert, { type: 'user_unknown' }, { outcomeDetail: who.why });
    return;
  }
  const now = ctx.clock.now();
  const rule = findMatchingRule(await ctx.rules.liveFor(who.userId, now.getTime()), who.userId, alert.title, now);
  if (rule) {
    await moveAlert(ctx, alert, { type: 'muted', ruleId: rule.id }, { userId: who.userId, ruleId: rule.id });
    return;
  }
  const moved = await moveAlert(
    ctx,
    alert,
    { type: 'user_resolved' },
    {
      userId: who.userId,
      duoUsername: duoUsernameFor(who.email, ctx.duoUsernameFrom, who.name),
      deadline: computeDeadline(now, ctx.policy).getTime(),
    },
  );
  if (moved.ok) await askUser(ctx, moved.alert);
}

/** A Retry-After longer than this is left to the next periodic sweep instead of holding the work up. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Calls Slack, retrying transient failures after ctx.retryDelaysMs; a 429 waits at least its
 * Retry-After. Throws the last error when out of tries or stopping.
 */
async function withSlackRetry<T>(
  ctx: ConfirmContext,
  what: string,
  alertId: number,
  call: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const scheduled = ctx.retryDelaysMs[attempt];
      if (scheduled === undefined || ctx.stopping.aborted) throw err;
      const e = err as { code?: string; retryAfter?: number };
      const rateLimited = e.code === 'slack_webapi_rate_limited_error';
      const waitMs = rateLimited ? Math.max(scheduled, Math.max(1, e.retryAfter ?? 1) * 1000) : scheduled;
      if (waitMs > MAX_RETRY_AFTER_MS) throw err;
      ctx.logger.warn(`confirm: ${what} failed; retrying`, { alert: alertId, waitMs, rateLimited });
      try {
        await delay(waitMs, undefined, { signal: ctx.stopping });
      } catch {
        throw err;
      }
    }
  }
}

/** Slack may be briefly down or rate limiting; after a few tries the alert stays `new` for the periodic sweep. */
async function resolveWithRetry(ctx: ConfirmContext, alert: ConfirmAlert): Promise<Resolved | null> {
  try {
    return await withSlackRetry(ctx, 'user lookup', alert.id, () => resolveUser(ctx, alert.userRef));
  } catch (err) {
    ctx.logger.error('confirm: could not resolve the user; the periodic sweep will retry', { alert: alert.id, err });
    return null;
  }
}

/**
 * Sends the one question for this alert. The claim (dm_claimed_at) is taken before posting, so
 * a restart or a second replica never sends a second DM. If the process dies between the claim
 * and the post, the DM is not re-sent (at most once): the alert stays `asked` and its deadline
 * escalates it as no_response, with a note that delivery was not confirmed. A failure before the
 * claim (opening the DM channel) leaves it unclaimed, so the periodic sweep tries again.
 */
async function askUser(ctx: ConfirmContext, alert: ConfirmAlert): Promise<void> {
  const now = ctx.clock.now().getTime();
  if (!alert.userId || alert.dmClaimedAt !== null) return;
  try {
    const userId = alert.userId;
    const channel = await withSlackRetry(ctx, 'conversations.open', alert.id, () => ctx.outbox.dmChannel(userId));
    if (!(await ctx.repo.claimDm(alert.id, channel, now))) return;
    const posted = await ctx.outbox.post({ channel, ...askMessage(alert) });
    await ctx.repo.dmSent(alert.id, posted.channel, posted.ts, now);
    // Answered before we learnt the message's ts: take its buttons away now.
    const current = await ctx.repo.get(alert.id);
    if (current && current.status !== 'asked' && current.status !== 'verifying') {
      await closeAsk(ctx, current, 'Answered');
    }
  } catch (err) {
    ctx.logger.error('confirm: the DM could not be sent', { alert: alert.id, err });
    await ctx.repo.auditOnce(alert.id, 'system', 'dm_failed', { error: String(err) }, now);
  }
}
