/**
 * `GET /duo/callback`: where Duo sends the browser back. The state must be ours, unused and
 * fresh; the code must exchange for an "allow" for the alert's own user. Anything else fails
 * the check. The page says what happened, escaped, and nothing more.
 */

import { ignoreChoicesFor } from '../core/confirm/ignore-rules.js';
import { escapeHtml } from '../core/escape.js';
import type { HttpResponse } from '../http/server.js';
import { confirmedMessage } from './blocks.js';
import type { ConfirmContext } from './context.js';
import { closeAsk } from './escalation.js';
import { moveAlert } from './transitions.js';
import type { ConfirmAlert } from './types.js';

interface Outcome {
  status: number;
  title: string;
  message: string;
}

const TOLD = 'The security team has been told.';
const NOT_TOLD_YET =
  "I couldn't reach the security team just now and will keep trying; if it is urgent, please contact them directly.";

export async function handleDuoCallback(ctx: ConfirmContext, query: URLSearchParams): Promise<HttpResponse> {
  return page(await settle(ctx, query));
}

async function settle(ctx: ConfirmContext, query: URLSearchParams): Promise<Outcome> {
  const state = query.get('state') ?? '';
  const code = query.get('duo_code') ?? query.get('code') ?? '';
  if (state === '') return { status: 400, title: 'Invalid link', message: 'This link is missing its state.' };
  const now = ctx.clock.now().getTime();
  const consumed = await ctx.duoStates.consume(state, now);
  if (!consumed.ok && consumed.reason === 'unknown') {
    return { status: 400, title: 'Invalid link', message: 'This verification link is not valid.' };
  }
  const alert = await ctx.repo.get(consumed.row.alertId);
  if (!alert) return { status: 404, title: 'Unknown alert', message: 'The alert for this link no longer exists.' };
  if (alert.status !== 'verifying') {
    const already = consumed.ok ? '' : ' This link was already used or has expired.';
    return { status: 409, title: 'Nothing to do', message: `${finalWords(alert)}${already}` };
  }
  if (!consumed.ok && consumed.reason === 'replayed' && (consumed.row.usedAt ?? 0) + SHARE_WAIT_MS > now) {
    // Usually the same browser loading the link twice while the first exchange is still running:
    // share that one's outcome instead of failing a genuine user. Only a first load that never
    // finished (it died) leaves the link "used twice" below.
    const shared = await sharedOutcome(ctx, alert.id, (consumed.row.usedAt ?? now) + SHARE_WAIT_MS);
    if (shared) return shared;
  }
  if (!consumed.ok) {
    const detail = consumed.reason === 'replayed' ? 'the Duo link was used twice' : 'the Duo link expired';
    return fail(
      ctx,
      alert,
      detail,
      `This verification link ${consumed.reason === 'replayed' ? 'was already used' : 'has expired'}.`,
    );
  }
  const duoError = query.get('error');
  if (duoError) {
    // Duo's error text reaches the log, the audit and the channel: cut it first.
    const description = (query.get('error_description') ?? '').slice(0, 300);
    const detail = `Duo returned an error: ${duoError.slice(0, 100)}${description ? ` (${description})` : ''}`;
    return fail(ctx, alert, detail, 'Duo could not complete the check.');
  }
  if (code === '') return fail(ctx, alert, 'the callback carried no Duo code', 'The link is missing the Duo code.');
  if (!ctx.secondFactor || !alert.duoUsername) {
    return fail(ctx, alert, 'Duo is not configured', 'Duo is not configured on this bot.');
  }
  const outcome = await ctx.secondFactor.verify(code, alert.duoUsername);
  if (!outcome.ok && outcome.reason === 'unavailable') {
    return fail(
      ctx,
      alert,
      outcome.detail,
      'Duo could not be reached, so it could not check it was you.',
      'unavailable',
    );
  }
  if (!outcome.ok) return fail(ctx, alert, `${outcome.reason}: ${outcome.detail}`, 'Duo did not confirm it was you.');
  const moved = await moveAlert(ctx, alert, { type: 'verified', by: alert.userId! });
  if (!moved.ok) return { status: 409, title: 'Nothing to do', message: moved.message };
  await closeAsk(ctx, moved.alert, ':white_check_mark: Verified with Duo');
  if (moved.alert.dmChannel) {
    await ctx.outbox
      .post({ channel: moved.alert.dmChannel, ...confirmedMessage(moved.alert, ignoreChoicesFor(ctx.policy)) })
      .catch((err: unknown) => ctx.logger.warn('confirm: thank-you DM failed', { alert: alert.id, err }));
  }
  return { status: 200, title: 'Verified', message: 'Thanks — it was you. You can close this window.' };
}

/** How long a second load of a link waits for the first one's exchange (which is bounded at 10 s). */
const SHARE_WAIT_MS = 15_000;

/** The first load's outcome once it has one; null when it never came (that load died). */
async function sharedOutcome(ctx: ConfirmContext, alertId: number, until: number): Promise<Outcome | null> {
  for (;;) {
    const alert = await ctx.repo.get(alertId);
    if (!alert) return { status: 404, title: 'Unknown alert', message: 'The alert for this link no longer exists.' };
    if (alert.status === 'confirmed') {
      return { status: 200, title: 'Verified', message: 'Thanks — it was you. You can close this window.' };
    }
    if (alert.status !== 'verifying') return { status: 409, title: 'Nothing to do', message: finalWords(alert) };
    if (ctx.clock.now().getTime() >= until) return null;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function fail(
  ctx: ConfirmContext,
  alert: ConfirmAlert,
  detail: string,
  what: string,
  kind: 'failed' | 'unavailable' = 'failed',
): Promise<Outcome> {
  const by = alert.userId!;
  const moved = await moveAlert(
    ctx,
    alert,
    kind === 'failed' ? { type: 'verification_failed', by, detail } : { type: 'verification_unavailable', by, detail },
    { outcomeDetail: detail },
  );
  if (!moved.ok) return { status: 409, title: 'Nothing to do', message: moved.message };
  // The escalation is queued in the outbox with the status, which delivers it (retrying as needed).
  const told = (await ctx.repo.get(alert.id))?.escalationClaimedAt != null;
  return { status: 403, title: 'Not verified', message: `${what} ${told ? TOLD : NOT_TOLD_YET}` };
}

function finalWords(alert: ConfirmAlert): string {
  switch (alert.status) {
    case 'confirmed':
      return 'This alert was already confirmed.';
    case 'escalated':
      return 'This alert was already sent to the security team.';
    case 'ignored':
      return 'This alert was muted.';
    default:
      return 'This alert is not waiting for a Duo check.';
  }
}

function page(o: Outcome): HttpResponse {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(o.title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"></head>
<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto"><h1>${escapeHtml(o.title)}</h1><p>${escapeHtml(o.message)}</p></body></html>`;
  return {
    status: o.status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      'referrer-policy': 'no-referrer',
    },
    body,
  };
}
