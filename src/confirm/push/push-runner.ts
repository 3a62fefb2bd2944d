/**
 * One Duo Push from "yes" to its outcome: preauth → push → poll auth_status → apply. Runs on the
 * replica holding the push's lease; every step re-reads the row, so a restart resumes where the
 * last process stopped (a push already sent is polled, never sent again). The alert's status
 * change is the compare-and-set that makes applying a result happen once.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { PushPreauth } from '../../core/ports.js';
import { isSecOpsError } from '../../errors.js';
import { sendPromptLink } from '../answers.js';
import type { ConfirmContext } from '../context.js';
import type { ConfirmAlert } from '../types.js';
import { pushSentMessage, sendDm } from './push-dm.js';
import { abandon, applyStatus, type Step, settle } from './push-settle.js';
import type { PushRow } from './push-store.js';

export interface PushTuning {
  /** how long a claim on a push lasts without renewal (must exceed one long poll) */
  leaseMs: number;
  /** the least time between two auth_status calls for one push */
  pollIntervalMs: number;
  /** the first wait after a 429 or a failed call; doubles per failure */
  backoffMs: number;
  maxBackoffMs: number;
  /** failed calls in a row before the check is given up as 2fa_unavailable (a 429 only makes it wait longer) */
  maxFailures: number;
}

export const DEFAULT_PUSH_TUNING: PushTuning = {
  leaseMs: 60_000,
  pollIntervalMs: 1000,
  backoffMs: 1000,
  maxBackoffMs: 32_000,
  maxFailures: 5,
};

export async function runPush(ctx: ConfirmContext, alertId: number, owner: string, signal: AbortSignal): Promise<void> {
  const tuning = ctx.pushTuning;
  let claimedAt = ctx.clock.now().getTime();
  if (!(await ctx.pushes.claim(alertId, owner, claimedAt, tuning.leaseMs))) return;
  try {
    for (;;) {
      if (signal.aborted) return;
      const row = await ctx.pushes.get(alertId);
      if (!row || row.stage === 'done') return;
      const alert = await ctx.repo.get(alertId);
      if (alert?.status !== 'verifying') {
        await abandon(ctx, row, alert);
        return;
      }
      const now = ctx.clock.now().getTime();
      if (row.pollAfter !== null && row.pollAfter > now) await sleep(row.pollAfter - now, signal);
      // Renewed once a third of it has passed (each call is bounded well inside it); a replica
      // that lost its lease stops here.
      const at = ctx.clock.now().getTime();
      if (at - claimedAt > tuning.leaseMs / 3) {
        if (!(await ctx.pushes.claim(alertId, owner, at, tuning.leaseMs))) return;
        claimedAt = at;
      }
      let next: Step;
      try {
        next = await step(ctx, row, alert, signal);
      } catch (err) {
        next = await failed(ctx, row, alert, err);
      }
      if (next === 'stop') return;
    }
  } finally {
    await ctx.pushes.release(alertId, owner).catch(() => {});
  }
}

async function step(ctx: ConfirmContext, row: PushRow, alert: ConfirmAlert, signal: AbortSignal): Promise<Step> {
  const port = ctx.push!;
  if (row.stage === 'new') return preauthAndPush(ctx, row, alert, await port.preauth(row.username));
  if (row.stage === 'pushing' || row.txid === null) {
    // We died between recording the push and learning its txid: Duo may have sent it, so never again.
    return settle(
      ctx,
      row,
      alert,
      'unavailable',
      'the bot restarted while sending the Duo Push; it is not sent a second time',
      'not completed (the bot restarted while sending it)',
    );
  }
  const started = Date.now();
  const s = await port.status(row.txid);
  if (row.failures > 0) await ctx.pushes.backoff(row.alertId, 0, 0);
  if (s.result === 'waiting') {
    const quick = ctx.pushTuning.pollIntervalMs - (Date.now() - started);
    if (quick > 0) await sleep(quick, signal);
    return 'again';
  }
  return applyStatus(ctx, row, alert, s);
}

async function preauthAndPush(ctx: ConfirmContext, row: PushRow, alert: ConfirmAlert, pre: PushPreauth): Promise<Step> {
  const who = row.username;
  switch (pre.kind) {
    case 'bypass':
      return settle(
        ctx,
        row,
        alert,
        'unavailable',
        `Duo lets ${who} in without a second factor (bypass: ${pre.detail}), so a "yes" cannot be verified`,
        'not possible: Duo bypasses the check for you',
      );
    case 'deny':
      return settle(ctx, row, alert, 'failed', `Duo refused ${who} before any push (${pre.detail})`, 'refused by Duo');
    case 'enroll':
    case 'no_push_device': {
      const why = pre.kind === 'enroll' ? `${who} is not enrolled in Duo` : `${who} has no device that takes Duo Push`;
      if (ctx.secondFactor && alert.dmChannel) {
        await ctx.pushes.finish(row.alertId, 'fallback', pre.kind, ctx.clock.now().getTime());
        await ctx.repo.audit(alert.id, 'system', 'push_fallback', { why: pre.kind }, ctx.clock.now().getTime());
        try {
          const now = ctx.clock.now().getTime();
          await sendPromptLink(ctx, alert, alert.deadline ?? now + 10 * 60_000, now);
        } catch (err) {
          const detail = `could not start Duo: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300);
          return settle(ctx, row, alert, 'failed', detail, 'not completed');
        }
        return 'stop';
      }
      return settle(
        ctx,
        row,
        alert,
        'unavailable',
        `${why} and the Universal Prompt is not configured`,
        'not possible: no phone for Duo Push',
      );
    }
    case 'push':
      break;
  }
  const now = ctx.clock.now().getTime();
  const code = pre.verification?.code ?? null;
  if (!(await ctx.pushes.markPushing(row.alertId, ctx.replicaId, pre.device.name, code, now))) return 'again';
  let txid: string;
  try {
    ({ txid } = await ctx.push!.push(row.username, pre.device, pushInfo(alert), pre.verification?.txid ?? null));
  } catch (err) {
    // Duo answered (429, refused keys, bad request): nothing was sent, so the push may be tried again.
    if (
      isSecOpsError(err, 'rate_limited') ||
      isSecOpsError(err, 'unauthorized') ||
      isSecOpsError(err, 'bad_response')
    ) {
      await ctx.pushes.resetToNew(row.alertId);
      throw err;
    }
    // No answer: Duo may have sent it, and a second push for one "yes" is what we never do.
    const why = err instanceof Error ? err.message.slice(0, 200) : String(err);
    return settle(
      ctx,
      row,
      alert,
      'unavailable',
      `Duo did not answer while the push was being sent (${why}); it is not sent a second time`,
      'not completed: Duo did not answer',
    );
  }
  await ctx.pushes.markPushed(row.alertId, txid, ctx.clock.now().getTime());
  await ctx.repo.audit(alert.id, 'system', 'push_sent', { device: pre.device.name, verifiedPush: code !== null }, now);
  if (alert.dmChannel) {
    const ts = await sendDm(ctx, alert.dmChannel, pushSentMessage(alert, pre.device.name, code));
    if (ts) await ctx.pushes.setDmTs(row.alertId, ts);
  }
  return 'again';
}

function pushInfo(alert: ConfirmAlert) {
  const details: Record<string, string> = { Alert: `#${alert.id} ${alert.title}`.slice(0, 200) };
  if (alert.reason) details.Why = alert.reason.slice(0, 200);
  details.From = 'secops-bot';
  return { type: 'Security check', details };
}

/** A failed call: back off exponentially; a 429 never ends the check, other failures do after maxFailures in a row. */
async function failed(ctx: ConfirmContext, row: PushRow, alert: ConfirmAlert, err: unknown): Promise<Step> {
  const message = (err instanceof Error ? err.message : String(err)).slice(0, 300);
  if (isSecOpsError(err, 'unauthorized')) {
    return settle(
      ctx,
      row,
      alert,
      'unavailable',
      `Duo refused the bot's Auth API keys (${message})`,
      'not possible: Duo is misconfigured',
    );
  }
  const rateLimited = isSecOpsError(err, 'rate_limited');
  const failures = row.failures + 1;
  if (!rateLimited && failures > ctx.pushTuning.maxFailures) {
    return settle(
      ctx,
      row,
      alert,
      'unavailable',
      `Duo could not be reached: ${message}`,
      'not possible: Duo is unreachable',
    );
  }
  const wait = Math.min(ctx.pushTuning.maxBackoffMs, ctx.pushTuning.backoffMs * 2 ** Math.min(failures - 1, 10));
  const jitter = Math.floor(Math.random() * Math.min(1000, wait / 2));
  ctx.logger.warn('confirm: Duo call failed; backing off', {
    alert: row.alertId,
    rateLimited,
    waitMs: wait,
    error: message,
  });
  await ctx.pushes.backoff(row.alertId, ctx.clock.now().getTime() + wait + jitter, failures);
  return 'again';
}

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    // stopping: the caller checks the signal
  }
}
