import type { Severity } from '../../src/core/ports.js';
import { evaluateSla, type SlaAlertFacts, type SlaAlertState, type SlaDecision } from '../../src/core/sla/evaluate.js';
import { DEFAULT_SLA_POLICY, type SlaPolicy } from '../../src/core/sla/policy.js';

export const MINUTE = 60_000;
export const DAY = 86_400_000;
/** An arbitrary fixed creation time; nothing here reads the clock. */
export const CREATED = Date.UTC(2024, 2, 1, 9, 0, 0);

export const FRESH: SlaAlertState = { firedTier: null, snoozedUntil: null, highRiskFired: false };

export function alertFacts(severity: Severity, overrides: Partial<SlaAlertFacts> = {}): SlaAlertFacts {
  return {
    severity,
    createdAt: CREATED,
    title: 'Suspicious login from new country',
    description: 'User signed in from an unusual location.',
    observables: ['203.0.113.7', 'alice@example.com'],
    ...overrides,
  };
}

export function policyWith(edit: (p: SlaPolicy) => void): SlaPolicy {
  const copy = structuredClone(DEFAULT_SLA_POLICY);
  edit(copy);
  return copy;
}

export interface Sent {
  at: number;
  decision: Extract<SlaDecision, { kind: 'fire' }>;
}

/**
 * Plays the scheduler the way the app will: evaluate, record a fire as the new state,
 * come back exactly at `next`. Stops when nothing more is due, or after `until`.
 */
export function runSchedule(
  alert: SlaAlertFacts,
  policy: SlaPolicy,
  options: { start?: number; until?: number; state?: SlaAlertState } = {},
): Sent[] {
  let state = options.state ?? FRESH;
  let now: number | null = options.start ?? alert.createdAt;
  const sent: Sent[] = [];
  for (let step = 0; now !== null && step < 100; step++) {
    if (options.until !== undefined && now > options.until) break;
    const decision = evaluateSla(alert, state, policy, now);
    if (decision.kind === 'ignore') break;
    if (decision.kind === 'fire') {
      sent.push({ at: now, decision });
      state = { ...state, firedTier: decision.tier, highRiskFired: state.highRiskFired || decision.highRisk };
    }
    now = decision.next;
  }
  return sent;
}
