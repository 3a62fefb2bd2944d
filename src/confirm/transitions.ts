/**
 * Runs one state-machine event against a stored alert: ask the pure core, compare-and-set the
 * status (with its audit row) and queue what the new status needs (the question DM, the
 * escalation) in the same transaction, so no status is ever left without its message.
 */
import { type ConfirmEvent, isFinal, transition } from '../core/confirm/state-machine.js';
import { countConfirmation } from '../metrics/metrics.js';
import type { ConfirmContext } from './context.js';
import { retirePromptLinks } from './duo-states.js';
import { askRow, escalationRows } from './escalation.js';
import type { AlertPatch } from './repository.js';
import type { ConfirmAlert } from './types.js';

export type MoveResult = { ok: true; alert: ConfirmAlert } | { ok: false; message: string };

export function viewOf(alert: ConfirmAlert) {
  return {
    status: alert.status,
    userId: alert.userId,
    deadline: alert.deadline === null ? null : new Date(alert.deadline),
  };
}

export async function moveAlert(
  ctx: ConfirmContext,
  alert: ConfirmAlert,
  event: ConfirmEvent,
  patch: AlertPatch = {},
): Promise<MoveResult> {
  const now = ctx.clock.now();
  const t = transition(viewOf({ ...alert, userId: patch.userId ?? alert.userId }), event, now);
  if (!t.ok) return { ok: false, message: t.message };
  const next: ConfirmAlert = { ...alert, ...patch, status: t.to, escalationReason: t.reason ?? alert.escalationReason };
  const rows =
    t.to === 'asked' && next.dmChannel
      ? [askRow(next, next.dmChannel)]
      : t.notifyChannel
        ? escalationRows(ctx, next)
        : [];
  const queued = {
    dm: rows.some((r) => r.ref?.startsWith('confirm.dm:')),
    escalation: rows.some((r) => r.ref?.startsWith('confirm.escalation:')),
  };
  const applied = await ctx.repo.apply(alert, t, now.getTime(), patch, queued, async (trx) => {
    for (const row of rows) await ctx.outbox.enqueue(trx, row);
  });
  if (!applied) {
    // Someone else (another click, replica or the scheduler) moved it first: answer from what it is now.
    const current = await ctx.repo.get(alert.id);
    const again = current ? transition(viewOf(current), event, now) : null;
    return { ok: false, message: again && !again.ok ? again.message : 'This alert just changed; please look again.' };
  }
  const updated = (await ctx.repo.get(alert.id))!;
  ctx.logger.info('confirm: transition', { alert: alert.id, from: t.from, to: t.to, reason: t.reason });
  countConfirmation(t.to, t.reason);
  ctx.changed();
  if (updated.userId) ctx.home?.changed([updated.userId]);
  if (t.to === 'escalated') ctx.home?.changed('responders');
  if (isFinal(t.to)) await retirePromptLinks(ctx, updated);
  return { ok: true, alert: updated };
}
