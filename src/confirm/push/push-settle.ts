/**
 * How a push ends: Duo's answer mapped to the alert's transition, applied once (the alert's
 * status change is the compare-and-set), then the push DM says what happened.
 */
import { ignoreChoicesFor } from '../../core/confirm/ignore-rules.js';
import type { ConfirmEvent } from '../../core/confirm/state-machine.js';
import type { PushStatus } from '../../core/ports.js';
import { confirmedMessage } from '../blocks.js';
import type { ConfirmContext } from '../context.js';
import { closeAsk } from '../escalation.js';
import { moveAlert } from '../transitions.js';
import type { ConfirmAlert } from '../types.js';
import { pushSettledMessage, sendDm, updateDm } from './push-dm.js';
import type { PushRow } from './push-store.js';

export type Step = 'again' | 'stop';

export async function applyStatus(
  ctx: ConfirmContext,
  row: PushRow,
  alert: ConfirmAlert,
  s: PushStatus,
): Promise<Step> {
  if (s.result === 'allow') return settle(ctx, row, alert, 'verified', '', ':white_check_mark: approved');
  switch (s.status) {
    case 'fraud':
      return settle(
        ctx,
        row,
        alert,
        'failed',
        ':rotating_light: REPORTED AS FRAUD: the user pressed "Report" on the Duo Push, so someone else may be using their account',
        ':rotating_light: reported as fraud; the security team was told',
      );
    case 'timeout':
      return settle(
        ctx,
        row,
        alert,
        'failed',
        'the Duo Push timed out (no answer on the phone)',
        ':hourglass: timed out',
      );
    default:
      return settle(
        ctx,
        row,
        alert,
        'failed',
        `the Duo Push was denied (${s.status}${s.statusMsg ? `: ${s.statusMsg}` : ''})`,
        ':x: denied',
      );
  }
}

export type Settlement = 'verified' | 'failed' | 'unavailable';

export async function settle(
  ctx: ConfirmContext,
  row: PushRow,
  alert: ConfirmAlert,
  how: Settlement,
  detail: string,
  outcome: string,
): Promise<Step> {
  const by = alert.userId!;
  const event: ConfirmEvent =
    how === 'verified'
      ? { type: 'verified', by }
      : how === 'failed'
        ? { type: 'verification_failed', by, detail }
        : { type: 'verification_unavailable', by, detail };
  const moved = await moveAlert(ctx, alert, event, how === 'verified' ? {} : { outcomeDetail: detail });
  const now = ctx.clock.now().getTime();
  await ctx.pushes.finish(row.alertId, how, how === 'verified' ? 'allow' : outcome, now);
  if (!moved.ok) return abandon(ctx, { ...row, stage: 'done' }, await ctx.repo.get(alert.id));
  if (alert.dmChannel && row.dmTs)
    await updateDm(ctx, alert.dmChannel, row.dmTs, pushSettledMessage(alert, row.deviceName, outcome));
  if (how === 'verified') {
    await closeAsk(ctx, moved.alert, ':white_check_mark: Verified with Duo Push');
    if (alert.dmChannel)
      await sendDm(ctx, alert.dmChannel, confirmedMessage(moved.alert, ignoreChoicesFor(ctx.policy)));
  }
  return 'stop';
}

/** The alert was settled some other way (a "no", the deadline): the push DM says so and asks nothing more. */
export async function abandon(ctx: ConfirmContext, row: PushRow, alert: ConfirmAlert | null): Promise<Step> {
  if (row.stage !== 'done')
    await ctx.pushes.finish(row.alertId, 'abandoned', alert?.status ?? 'gone', ctx.clock.now().getTime());
  if (alert?.dmChannel && row.dmTs) {
    const words =
      alert.status === 'confirmed'
        ? 'no longer needed: the alert is confirmed'
        : 'no longer needed: the alert was already settled';
    await updateDm(ctx, alert.dmChannel, row.dmTs, pushSettledMessage(alert, row.deviceName, words));
  }
  return 'stop';
}
