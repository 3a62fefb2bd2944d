/**
 * From an alert to one question in the user's DM: resolve who it is, honour their ignore rules,
 * then ask, with the single DM queued in the outbox in the same transaction.
 */
import { findMatchingRule } from '../core/confirm/ignore-rules.js';
import { computeDeadline } from '../core/confirm/policy.js';
import { withRetry } from '../retry/retry.js';
import type { ConfirmContext } from './context.js';
import { duoUsernameFor } from './duo-username.js';
import { askRow, commentRow, escalationRows } from './escalation.js';
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
 * Moves a `new` alert on: escalated (unknown user), ignored (a rule matched) or asked, with its
 * question DM queued in the same transaction. Also queues what an earlier version claimed and
 * never sent (released by the upgrade migration).
 */
export async function processAlert(ctx: ConfirmContext, alert: ConfirmAlert): Promise<void> {
  if (alert.status === 'asked' && alert.dmClaimedAt === null) return queueLegacyDm(ctx, alert);
  if (alert.status === 'escalated') return queueLegacyEscalation(ctx, alert);
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
  const dmChannel = await openDm(ctx, alert, who.userId);
  if (dmChannel === null) return;
  await moveAlert(
    ctx,
    alert,
    { type: 'user_resolved' },
    {
      userId: who.userId,
      dmChannel,
      duoUsername: duoUsernameFor(who.email, ctx.duoUsernameFrom, who.name),
      deadline: computeDeadline(now, ctx.policy).getTime(),
    },
  );
}

/** The DM channel is opened before the alert is asked, so the question is queued with the status. */
async function openDm(ctx: ConfirmContext, alert: ConfirmAlert, userId: string): Promise<string | null> {
  try {
    return await withSlackRetry(ctx, 'conversations.open', alert.id, () => ctx.outbox.dmChannel(userId));
  } catch (err) {
    ctx.logger.error('confirm: could not open the DM; the periodic sweep will retry', { alert: alert.id, err });
    return null;
  }
}

async function queueLegacyDm(ctx: ConfirmContext, alert: ConfirmAlert): Promise<void> {
  if (!alert.userId) return;
  const channel = alert.dmChannel ?? (await openDm(ctx, alert, alert.userId));
  if (channel === null) return;
  const asked = { ...alert, dmChannel: channel };
  await ctx.repo.markQueued(alert.id, 'dm_claimed_at', ctx.clock.now().getTime(), async (trx) => {
    await trx('confirm_alerts').where({ id: alert.id }).update({ dm_channel: channel });
    await ctx.outbox.enqueue(trx, askRow(asked, channel));
  });
}

async function queueLegacyEscalation(ctx: ConfirmContext, alert: ConfirmAlert): Promise<void> {
  const now = ctx.clock.now().getTime();
  if (alert.escalationClaimedAt === null) {
    await ctx.repo.markQueued(alert.id, 'escalation_claimed_at', now, async (trx) => {
      for (const row of escalationRows(ctx, alert)) await ctx.outbox.enqueue(trx, row);
    });
  }
  if (alert.comment !== null && alert.commentPostedAt === null) {
    await ctx.repo.markQueued(alert.id, 'comment_posted_at', now, async (trx) => {
      await ctx.outbox.enqueue(trx, commentRow(ctx, alert, alert.comment!));
    });
  }
}

/** A Retry-After longer than this is left to the next periodic sweep instead of holding the work up. */
const MAX_RETRY_AFTER_MS = 60_000;

/** Slack's Retry-After of a 429, in ms; undefined for any other failure. */
function slackRetryAfterMs(err: unknown): number | undefined {
  const e = err as { code?: string; retryAfter?: number };
  return e.code === 'slack_webapi_rate_limited_error' ? Math.max(1, e.retryAfter ?? 1) * 1000 : undefined;
}

/**
 * Calls Slack under ctx.lookupRetry (the shared policy, src/retry); a 429 also waits its
 * Retry-After. Throws Slack's last error when out of tries, stopping, or asked to wait too long.
 */
async function withSlackRetry<T>(
  ctx: ConfirmContext,
  what: string,
  alertId: number,
  call: () => Promise<T>,
): Promise<T> {
  let last: unknown;
  try {
    return await withRetry(
      async () => {
        try {
          return await call();
        } catch (err) {
          last = err;
          throw err;
        }
      },
      ctx.lookupRetry,
      {
        retryable: (err) => (slackRetryAfterMs(err) ?? 0) <= MAX_RETRY_AFTER_MS,
        serverWaitMs: slackRetryAfterMs,
        signal: ctx.stopping,
        onRetry: ({ error, waitMs }) => {
          const rateLimited = slackRetryAfterMs(error) !== undefined;
          ctx.logger.warn(`confirm: ${what} failed; retrying`, { alert: alertId, waitMs, rateLimited });
        },
      },
    );
  } catch (err) {
    // A shutdown during a wait rejects with the abort; what went wrong is Slack's error.
    throw ctx.stopping.aborted && last !== undefined ? last : err;
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
