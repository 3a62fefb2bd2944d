/**
 * Which SLA tier, if any, is due for one TheHive alert at `now`. Pure: the caller keeps the
 * state (in the database, so a restart neither loses nor repeats a tier), passes the clock
 * in, sends what a `fire` decision lists, records it, and comes back at `next`.
 */
import { type BusinessHours, computeDeadline } from '../confirm/policy.js';
import { formatDuration } from '../duration.js';
import type { Severity } from '../ports.js';
import { matchesHighRisk } from './high-risk.js';
import type { NotifyMethod, SlaPolicy, SlaTier } from './policy.js';

export interface SlaAlertFacts {
  severity: Severity;
  /** ms since epoch */
  createdAt: number;
  title: string;
  description: string;
  observables: string[];
}

export interface SlaAlertState {
  /** Index of the highest tier already fired; null or -1 when none has. */
  firedTier: number | null;
  /** ms since epoch; nothing at all is sent before it. */
  snoozedUntil: number | null;
  highRiskFired: boolean;
}

/**
 * What people said and when they work (issue 10). Optional: without it the ladder runs on
 * calendar time and nobody can pause it, as before.
 */
export interface SlaHumanInputs {
  /** The alert's latest acknowledgement: no tier fires before `until`. */
  ack?: { until: number; tierAtAck: number } | null;
  /** confirm.business_hours, used by severities with `businessHours: true` */
  businessHours?: BusinessHours | null;
}

export type SlaDecision =
  | { kind: 'ignore'; reason: 'severity_disabled' | 'too_old' | 'no_tiers' }
  | {
      kind: 'fire';
      /** Record this as the new `firedTier`. */
      tier: number;
      tierLabel: string;
      notify: NotifyMethod[];
      highRisk: boolean;
      /** Tiers between the last fired and this one: due, but covered by this notice rather than sent. */
      skipped: number[];
      /** ms timestamp of the next tier after this one; null if none can still fire. */
      next: number | null;
      /** An acknowledgement ran out with nothing fired since: the notice says escalation resumed. */
      resumed?: boolean;
    }
  | {
      kind: 'wait';
      /** When to evaluate again (next tier or snooze end); null when nothing more will fire. */
      next: number | null;
    };

export function evaluateSla(
  alert: SlaAlertFacts,
  state: SlaAlertState,
  policy: SlaPolicy,
  now: number,
  human: SlaHumanInputs = {},
): SlaDecision {
  const severityPolicy = policy.severities[alert.severity];
  if (severityPolicy === undefined || !severityPolicy.enabled) return { kind: 'ignore', reason: 'severity_disabled' };
  const { tiers } = severityPolicy;
  if (tiers.length === 0) return { kind: 'ignore', reason: 'no_tiers' };

  const ageMs = now - alert.createdAt;
  if (ageMs > policy.maxAgeMs) return { kind: 'ignore', reason: 'too_old' };

  // A snooze silences every method, high-risk included; what is due when it ends fires then.
  if (state.snoozedUntil !== null && now < state.snoozedUntil) return { kind: 'wait', next: state.snoozedUntil };
  // Someone said "I've got it": nothing at all until the acknowledgement runs out.
  const ack = human.ack ?? null;
  if (ack !== null && now < ack.until) return { kind: 'wait', next: ack.until };

  const firedTier = state.firedTier === null || state.firedTier < 0 ? -1 : state.firedTier;
  const topTier = tiers.length - 1;
  const quiet = severityPolicy.businessHours === true && human.businessHours ? human.businessHours : null;
  const timing: TierTiming = { tiers, createdAt: alert.createdAt, maxAgeMs: policy.maxAgeMs, quiet };
  const resumed = ack !== null && firedTier === ack.tierAtAck && firedTier < topTier;

  // Once the top tier has gone out there is nothing left for a high-risk word to hasten.
  if (
    !state.highRiskFired &&
    firedTier < topTier &&
    policy.highRisk.severities.includes(alert.severity) &&
    matchesHighRisk(alert, policy.highRisk) !== null
  ) {
    return {
      kind: 'fire',
      // Standing in for the top tier keeps the ladder from re-sending what this notice already covers.
      tier: topTier,
      tierLabel: 'high-risk',
      notify: [...policy.highRisk.notify],
      highRisk: true,
      skipped: range(firedTier + 1, topTier),
      next: nextTierAt(timing, topTier),
      ...(resumed ? { resumed } : {}),
    };
  }

  let dueTier = dueTierIndex(timing, now);
  if (resumed && dueTier <= firedTier) {
    // The acknowledgement ran out: the next unfired tier goes now, not at its own deadline, but a
    // quiet-hours severity still waits for business hours.
    const inHours = quiet === null ? now : computeDeadline(new Date(now), quietPolicy(quiet, 0)).getTime();
    if (inHours > now) return { kind: 'wait', next: inHours };
    dueTier = firedTier + 1;
  }
  if (dueTier > firedTier) {
    // After downtime or a snooze only the highest due tier is sent; the ones below it are reported, not sent.
    const tier = tiers[dueTier]!;
    return {
      kind: 'fire',
      tier: dueTier,
      tierLabel: `${formatDuration(tier.afterMs)} tier (${dueTier + 1} of ${tiers.length})`,
      notify: [...tier.notify],
      highRisk: false,
      skipped: range(firedTier + 1, dueTier),
      next: nextTierAt(timing, dueTier),
      ...(resumed ? { resumed } : {}),
    };
  }
  return { kind: 'wait', next: nextTierAt(timing, firedTier) };
}

function quietPolicy(hours: BusinessHours, timeoutMs: number) {
  return { timeoutMs, businessHours: hours, maxIgnoreMs: 0 };
}

/** When tier `index` falls due: its `after` in calendar time, or counted inside business hours. */
function tierDueAt({ tiers, createdAt, quiet }: TierTiming, index: number): number {
  const afterMs = tiers[index]!.afterMs;
  if (quiet === null) return createdAt + afterMs;
  return computeDeadline(new Date(createdAt), quietPolicy(quiet, afterMs)).getTime();
}

/** Highest tier whose deadline has been reached; boundaries are inclusive. -1 when none. */
function dueTierIndex(timing: TierTiming, now: number): number {
  let due = -1;
  timing.tiers.forEach((_, index) => {
    if (tierDueAt(timing, index) <= now) due = index;
  });
  return due;
}

interface TierTiming {
  tiers: SlaTier[];
  createdAt: number;
  maxAgeMs: number;
  /** business hours the tiers count in; null for calendar time */
  quiet: BusinessHours | null;
}

/** When the tier after `index` falls due, unless the alert is too old by then to be escalated. */
function nextTierAt(timing: TierTiming, index: number): number | null {
  const next = timing.tiers[index + 1];
  if (next === undefined || next.afterMs > timing.maxAgeMs) return null;
  const at = tierDueAt(timing, index + 1);
  return at - timing.createdAt > timing.maxAgeMs ? null : at;
}

function range(from: number, toExclusive: number): number[] {
  const out: number[] = [];
  for (let i = from; i < toExclusive; i++) out.push(i);
  return out;
}
