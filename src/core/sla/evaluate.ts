/**
 * Which SLA tier, if any, is due for one TheHive alert at `now`. Pure: the caller keeps the
 * state (in the database, so a restart neither loses nor repeats a tier), passes the clock
 * in, sends what a `fire` decision lists, records it, and comes back at `next`.
 */
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
    }
  | {
      kind: 'wait';
      /** When to evaluate again (next tier or snooze end); null when nothing more will fire. */
      next: number | null;
    };

export function evaluateSla(alert: SlaAlertFacts, state: SlaAlertState, policy: SlaPolicy, now: number): SlaDecision {
  const severityPolicy = policy.severities[alert.severity];
  if (severityPolicy === undefined || !severityPolicy.enabled) return { kind: 'ignore', reason: 'severity_disabled' };
  const { tiers } = severityPolicy;
  if (tiers.length === 0) return { kind: 'ignore', reason: 'no_tiers' };

  const ageMs = now - alert.createdAt;
  if (ageMs > policy.maxAgeMs) return { kind: 'ignore', reason: 'too_old' };

  // A snooze silences every method, high-risk included; what is due when it ends fires then.
  if (state.snoozedUntil !== null && now < state.snoozedUntil) return { kind: 'wait', next: state.snoozedUntil };

  const firedTier = state.firedTier === null || state.firedTier < 0 ? -1 : state.firedTier;
  const topTier = tiers.length - 1;
  const timing = { tiers, createdAt: alert.createdAt, maxAgeMs: policy.maxAgeMs };

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
    };
  }

  const dueTier = dueTierIndex(tiers, ageMs);
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
    };
  }
  return { kind: 'wait', next: nextTierAt(timing, firedTier) };
}

/** Highest tier whose deadline has been reached; boundaries are inclusive. -1 when none. */
function dueTierIndex(tiers: SlaTier[], ageMs: number): number {
  let due = -1;
  tiers.forEach((tier, index) => {
    if (tier.afterMs <= ageMs) due = index;
  });
  return due;
}

interface TierTiming {
  tiers: SlaTier[];
  createdAt: number;
  maxAgeMs: number;
}

/** When the tier after `index` falls due, unless the alert is too old by then to be escalated. */
function nextTierAt({ tiers, createdAt, maxAgeMs }: TierTiming, index: number): number | null {
  const next = tiers[index + 1];
  if (next === undefined || next.afterMs > maxAgeMs) return null;
  return createdAt + next.afterMs;
}

function range(from: number, toExclusive: number): number[] {
  const out: number[] = [];
  for (let i = from; i < toExclusive; i++) out.push(i);
  return out;
}
