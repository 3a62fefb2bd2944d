/**
 * Ignore rules: "don't ask me about this again for a while", offered only after a VERIFIED yes.
 * securitybot muted an alert for 21 h even after a failed 2FA; here a rule can only come from a
 * confirmed alert, is bounded by `max_ignore`, and matches one user and one alert title.
 */
import type { ConfirmPolicy } from './policy.js';
import type { ConfirmAlertView } from './state-machine.js';

export interface IgnoreRule {
  id: number;
  userId: string;
  /** as the user saw it; compared after normalizeTitle */
  title: string;
  expiresAt: Date;
}

const MINUTE_MS = 60_000;

/** The durations offered as buttons, before filtering by the policy's max_ignore. */
export const IGNORE_CHOICES_MS: readonly number[] = Object.freeze([30 * MINUTE_MS, 60 * MINUTE_MS, 240 * MINUTE_MS]);

/** Detectors vary case and spacing between runs of the same check; those must still match. */
export function normalizeTitle(title: string): string {
  return title.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** The live rule that mutes this user's alert with this title, preferring the one that lasts longest. */
export function findMatchingRule(
  rules: readonly IgnoreRule[],
  userId: string,
  title: string,
  now: Date,
): IgnoreRule | null {
  const wanted = normalizeTitle(title);
  let best: IgnoreRule | null = null;
  for (const rule of rules) {
    if (rule.userId !== userId) continue;
    if (rule.expiresAt.getTime() <= now.getTime()) continue;
    if (normalizeTitle(rule.title) !== wanted) continue;
    if (best === null || rule.expiresAt.getTime() > best.expiresAt.getTime()) best = rule;
  }
  return best;
}

/** A usable rule length: at most max_ignore; null when the request is not a positive duration. */
export function clampIgnoreDuration(requestedMs: number, policy: ConfirmPolicy): number | null {
  if (!Number.isFinite(requestedMs) || requestedMs <= 0) return null;
  return Math.min(Math.max(1, Math.round(requestedMs)), policy.maxIgnoreMs);
}

/** The choices to offer; when max_ignore is shorter than every choice, max_ignore itself. */
export function ignoreChoicesFor(policy: ConfirmPolicy): number[] {
  const allowed = IGNORE_CHOICES_MS.filter((ms) => ms <= policy.maxIgnoreMs);
  return allowed.length > 0 ? allowed : [policy.maxIgnoreMs];
}

export type MuteCheck = { ok: true } | { ok: false; reason: 'not_your_alert' | 'not_confirmed'; message: string };

/** Whether `by` may create an ignore rule from this alert. */
export function mayCreateIgnoreRule(alert: ConfirmAlertView, by: string): MuteCheck {
  if (alert.userId !== by) {
    return {
      ok: false,
      reason: 'not_your_alert',
      message: 'This alert is about someone else, so only they can mute it.',
    };
  }
  if (alert.status !== 'confirmed') {
    return {
      ok: false,
      reason: 'not_confirmed',
      message: 'Only an alert you confirmed with your second factor can be muted.',
    };
  }
  return { ok: true };
}
