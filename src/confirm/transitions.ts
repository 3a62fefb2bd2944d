/**
 * Runs one state-machine event against a stored alert: ask the pure core, compare-and-set the
 * status (with its audit row), then do what the new status needs (escalate, tidy the DM).
 */
import { type ConfirmEvent, isFinal, transition } from '../core/confirm/state-machine.js';
import { countConfirmation } from '../metrics/metrics.js';
import type { ConfirmContext } from './context.js';
import { retirePromptLinks } from './duo-states.js';
import { postEscalation } from './escalation.js';
import type { KnexConfirmationRepo } from './repository.js';
import type { ConfirmAlert } from './types.js';

export type MoveResult = { ok: true; alert: ConfirmAlert } | { ok: false; message: string };

type Patch = Parameters<KnexConfirmationRepo['apply']>[3];

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
  patch: Patch = {},
): Promise<MoveResult> {
  const now = ctx.clock.now();
  const t = transition(viewOf({ ...alert, userId: patch.userId ?? alert.userId }), event, now);
  if (!t.ok) return { ok: false, message: t.message };
  const applied = await ctx.repo.apply(alert, t, now.getTime(), patch);
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
  if (t.notifyChannel) await postEscalation(ctx, updated);
  if (isFinal(t.to)) await retirePromptLinks(ctx, updated);
  return { ok: true, alert: updated };
}
