/**
 * The "did you do this?" state machine: which event may move a confirmation alert where.
 *
 * Pure and total: every (status, event) pair returns a value. Refusals are values too, with a
 * message that is safe to show to whoever clicked, so listeners can answer honestly without
 * knowing these rules. The service persists `to` and `audit` and posts to the channel when
 * `notifyChannel` is set.
 */

export type ConfirmStatus = 'new' | 'asked' | 'verifying' | 'confirmed' | 'escalated' | 'ignored';

export type EscalationReason = 'denied' | '2fa_failed' | '2fa_unavailable' | 'no_response' | 'unknown_user';

export type ConfirmEvent =
  /** new → asked (DM sent) */
  | { type: 'user_resolved' }
  /** new → escalated/unknown_user */
  | { type: 'user_unknown' }
  /** new → ignored (an ignore rule matched) */
  | { type: 'muted'; ruleId: number }
  /** asked → verifying, or escalated/2fa_unavailable when there is no second factor */
  | { type: 'answered_yes'; by: string; secondFactor: 'available' | 'unavailable' }
  /** asked (or verifying) → escalated/denied */
  | { type: 'answered_no'; by: string }
  /** verifying → confirmed */
  | { type: 'verified'; by: string }
  /** verifying → escalated/2fa_failed */
  | { type: 'verification_failed'; by: string; detail: string }
  /** verifying → escalated/2fa_unavailable: the check could not be done (bypass user, Duo down, no device) */
  | { type: 'verification_unavailable'; by: string; detail: string }
  /** asked|verifying → escalated/no_response, once the deadline has passed */
  | { type: 'timed_out' };

export interface ConfirmAlertView {
  status: ConfirmStatus;
  userId: string | null;
  deadline: Date | null;
}

export interface AuditEntry {
  /** the event type that caused the transition */
  action: ConfirmEvent['type'];
  /** the Slack user who acted, or 'system' */
  actor: string;
  details: Record<string, unknown>;
}

export type Transition =
  | {
      ok: true;
      from: ConfirmStatus;
      to: ConfirmStatus;
      reason: EscalationReason | null;
      notifyChannel: boolean;
      audit: AuditEntry;
    }
  | { ok: false; reason: 'not_your_alert' | 'already_final' | 'invalid_transition' | 'not_yet_due'; message: string };

const SYSTEM_ACTOR = 'system';

export type FinalStatus = 'confirmed' | 'escalated' | 'ignored';

const FINAL_STATUSES: ReadonlySet<ConfirmStatus> = new Set<FinalStatus>(['confirmed', 'escalated', 'ignored']);

export function isFinal(s: ConfirmStatus): s is FinalStatus {
  return FINAL_STATUSES.has(s);
}

type Refusal = Extract<Transition, { ok: false }>;

function refuse(reason: Refusal['reason'], message: string): Refusal {
  return { ok: false, reason, message };
}

function actorOf(event: ConfirmEvent): string {
  return 'by' in event ? event.by : SYSTEM_ACTOR;
}

function move(
  from: ConfirmStatus,
  to: ConfirmStatus,
  event: ConfirmEvent,
  details: Record<string, unknown>,
  reason: EscalationReason | null = null,
): Transition {
  return {
    ok: true,
    from,
    to,
    reason,
    // Every escalation reaches the channel; securitybot only told it about an explicit "no".
    notifyChannel: to === 'escalated',
    audit: { action: event.type, actor: actorOf(event), details: reason === null ? details : { reason, ...details } },
  };
}

const ALREADY_FINAL_MESSAGES: Record<FinalStatus, string> = {
  confirmed: 'This alert was already confirmed; nothing more to do.',
  escalated: 'This alert was already sent to the security team; nothing more to do.',
  ignored: 'This alert was muted by an ignore rule; nothing more to do.',
};

export function transition(alert: ConfirmAlertView, event: ConfirmEvent, now: Date): Transition {
  // Ownership first, so someone else's click learns nothing about the alert's state.
  if ('by' in event && event.by !== alert.userId) {
    return refuse('not_your_alert', 'This alert is about someone else, so only they can answer it.');
  }
  const from = alert.status;
  if (isFinal(from)) return refuse('already_final', ALREADY_FINAL_MESSAGES[from]);

  switch (event.type) {
    case 'user_resolved':
      if (from === 'new') return move(from, 'asked', event, {});
      break;
    case 'user_unknown':
      if (from === 'new') return move(from, 'escalated', event, {}, 'unknown_user');
      break;
    case 'muted':
      if (from === 'new') return move(from, 'ignored', event, { ruleId: event.ruleId });
      break;
    case 'answered_yes':
      if (from !== 'asked') break;
      if (event.secondFactor === 'unavailable') {
        return move(from, 'escalated', event, { answer: 'yes', secondFactor: 'unavailable' }, '2fa_unavailable');
      }
      return move(from, 'verifying', event, { answer: 'yes', secondFactor: 'available' });
    case 'answered_no':
      // A "no" is the strongest signal we get, so it still counts after a "yes" while the
      // second factor is pending (the user changed their mind before approving).
      if (from === 'asked' || from === 'verifying') return move(from, 'escalated', event, { answer: 'no' }, 'denied');
      break;
    case 'verified':
      if (from === 'verifying') return move(from, 'confirmed', event, {});
      break;
    case 'verification_failed':
      if (from === 'verifying') return move(from, 'escalated', event, { detail: event.detail }, '2fa_failed');
      break;
    case 'verification_unavailable':
      if (from === 'verifying') {
        return move(from, 'escalated', event, { detail: event.detail }, '2fa_unavailable');
      }
      break;
    case 'timed_out':
      if (from === 'asked' || from === 'verifying') return timeOut(alert, from, event, now);
      break;
  }
  return refuse('invalid_transition', invalidMessage(from, event));
}

function timeOut(alert: ConfirmAlertView, from: 'asked' | 'verifying', event: ConfirmEvent, now: Date): Transition {
  if (alert.deadline === null) {
    return refuse('invalid_transition', `An alert in status '${from}' has no deadline, so it cannot time out.`);
  }
  if (now.getTime() < alert.deadline.getTime()) {
    return refuse('not_yet_due', `The deadline ${alert.deadline.toISOString()} has not passed yet.`);
  }
  const details: Record<string, unknown> = { deadline: alert.deadline.toISOString(), stage: from };
  if (from === 'verifying') details.note = 'the user answered yes but never completed the second factor';
  return move(from, 'escalated', event, details, 'no_response');
}

function invalidMessage(from: ConfirmStatus, event: ConfirmEvent): string {
  if (from === 'verifying' && event.type === 'answered_yes') {
    return 'You already answered yes; finish the second-factor check to confirm.';
  }
  if (from === 'new' && (event.type === 'answered_yes' || event.type === 'answered_no')) {
    return 'This alert has not been sent to you yet.';
  }
  return `'${event.type}' does not apply to an alert in status '${from}'.`;
}
