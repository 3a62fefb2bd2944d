/**
 * The SLA policy: which tiers apply to each TheHive severity, which words escalate at once,
 * how old an alert may be before we stop chasing it, and whom to call.
 * Plain data; the config loader fills it from the policy file and `validateSlaPolicy` checks
 * what the types cannot express.
 */
import { formatDuration } from '../duration.js';
import type { Severity } from '../ports.js';

export type NotifyMethod = 'slack' | 'sms' | 'call' | 'escalate';
export const NOTIFY_METHODS: readonly NotifyMethod[] = ['slack', 'sms', 'call', 'escalate'];

export function isNotifyMethod(value: unknown): value is NotifyMethod {
  return typeof value === 'string' && (NOTIFY_METHODS as readonly string[]).includes(value);
}

/** 1 low, 2 medium, 3 high, 4 critical. */
export const SEVERITIES: readonly Severity[] = [1, 2, 3, 4];

export interface SlaTier {
  afterMs: number;
  notify: NotifyMethod[];
}

export interface SeverityPolicy {
  enabled: boolean;
  /** Sorted ascending by afterMs (validateSlaPolicy insists). */
  tiers: SlaTier[];
  /** Quiet hours: tiers count only inside confirm.business_hours (high-risk words still page at once). */
  businessHours?: boolean;
}

export interface HighRiskPolicy {
  words: string[];
  severities: Severity[];
  notify: NotifyMethod[];
}

export interface SlaPolicy {
  pollIntervalMs: number;
  maxAgeMs: number;
  snoozeMs: number;
  severities: Record<Severity, SeverityPolicy>;
  highRisk: HighRiskPolicy;
  /** How long an acknowledgement pauses the tiers; DEFAULT_ACK_TIMEOUT_MS when absent. */
  ackTimeoutMs?: number;
}

export const DEFAULT_ACK_TIMEOUT_MS = 30 * 60_000;

/** E.164 numbers. `sms` and `call` go to primary; `escalate` calls each senior. */
export interface OnCall {
  primary: string[];
  seniors: string[];
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * The reference configuration's timings (thehive_sla_monitor: 30/45/60 minutes for severities 1–3) plus a
 * stricter set for 4 (critical), which the reference silently dropped. The reference's notify lists were not
 * monotonic (severity 1 called the seniors at 45 m, severity 3 never did); these are: a higher severity never
 * escalates less than a lower one (see `escalationInversions`).
 */
export const DEFAULT_SLA_POLICY: SlaPolicy = {
  pollIntervalMs: 60_000,
  maxAgeMs: 7 * DAY,
  snoozeMs: 30 * MINUTE,
  severities: {
    1: {
      enabled: true,
      tiers: [
        { afterMs: 30 * MINUTE, notify: ['slack'] },
        { afterMs: 45 * MINUTE, notify: ['slack', 'sms'] },
        { afterMs: 60 * MINUTE, notify: ['slack', 'call'] },
      ],
    },
    2: {
      enabled: true,
      tiers: [
        { afterMs: 30 * MINUTE, notify: ['slack', 'sms'] },
        { afterMs: 45 * MINUTE, notify: ['slack', 'sms'] },
        { afterMs: 60 * MINUTE, notify: ['slack', 'call'] },
      ],
    },
    3: {
      enabled: true,
      tiers: [
        { afterMs: 30 * MINUTE, notify: ['slack', 'sms'] },
        { afterMs: 45 * MINUTE, notify: ['slack', 'call'] },
        { afterMs: 60 * MINUTE, notify: ['slack', 'call', 'escalate'] },
      ],
    },
    4: {
      enabled: true,
      tiers: [
        { afterMs: 10 * MINUTE, notify: ['slack', 'sms'] },
        { afterMs: 20 * MINUTE, notify: ['slack', 'call'] },
        { afterMs: 30 * MINUTE, notify: ['slack', 'call', 'escalate'] },
      ],
    },
  },
  highRisk: { words: ['CRITICAL', 'URGENT', 'FAILURE'], severities: [2], notify: ['slack', 'call'] },
};

/** Nobody to page until the policy file names someone. */
export const DEFAULT_ON_CALL: OnCall = { primary: [], seniors: [] };

const METHOD_LIST = NOTIFY_METHODS.join(', ');

/**
 * Problems the types cannot rule out, each naming its path in the policy file
 * (e.g. "sla.severities.2.tiers[1].after must be greater than tiers[0].after"). Empty when valid.
 */
export function validateSlaPolicy(p: SlaPolicy): string[] {
  const problems: string[] = [];
  checkPositiveDuration('sla.poll_interval', p.pollIntervalMs, problems);
  checkPositiveDuration('sla.max_age', p.maxAgeMs, problems);
  checkPositiveDuration('sla.snooze', p.snoozeMs, problems);

  for (const severity of SEVERITIES) {
    const path = `sla.severities.${severity}`;
    const severityPolicy = p.severities[severity];
    if (severityPolicy === undefined) {
      problems.push(`${path} is missing`);
      continue;
    }
    checkTiers(path, severityPolicy, p.maxAgeMs, problems);
  }

  checkHighRisk(p.highRisk, problems);
  return problems;
}

function checkTiers(path: string, severityPolicy: SeverityPolicy, maxAgeMs: number, problems: string[]): void {
  const { tiers } = severityPolicy;
  if (severityPolicy.enabled && tiers.length === 0) {
    problems.push(`${path}.tiers must have at least one tier while the severity is enabled`);
  }
  tiers.forEach((tier, index) => {
    const tierPath = `${path}.tiers[${index}]`;
    if (!Number.isSafeInteger(tier.afterMs) || tier.afterMs < 0) {
      problems.push(`${tierPath}.after must be a duration of zero or more`);
    } else {
      const previous = tiers[index - 1];
      if (previous !== undefined && Number.isFinite(previous.afterMs) && tier.afterMs <= previous.afterMs) {
        problems.push(
          `${tierPath}.after must be greater than tiers[${index - 1}].after ` +
            `(${formatDuration(tier.afterMs)} is not after ${formatDuration(previous.afterMs)})`,
        );
      }
      // Tiers beyond max_age are the reference's 60-minute bug in another form: configured, never sent.
      if (Number.isSafeInteger(maxAgeMs) && maxAgeMs > 0 && tier.afterMs > maxAgeMs) {
        problems.push(
          `${tierPath}.after (${formatDuration(tier.afterMs)}) is longer than sla.max_age ` +
            `(${formatDuration(maxAgeMs)}), so the tier could never fire`,
        );
      }
    }
    checkNotify(`${tierPath}.notify`, tier.notify, true, problems);
  });
}

function checkHighRisk(hr: HighRiskPolicy, problems: string[]): void {
  const seenWords = new Set<string>();
  hr.words.forEach((word, index) => {
    const wordPath = `sla.high_risk.words[${index}]`;
    if (typeof word !== 'string' || word.trim() === '') {
      problems.push(`${wordPath} must not be empty`);
      return;
    }
    const key = word.trim().normalize('NFKC').toLowerCase();
    if (seenWords.has(key)) problems.push(`${wordPath} repeats "${word}"`);
    seenWords.add(key);
  });

  const seenSeverities = new Set<Severity>();
  hr.severities.forEach((severity, index) => {
    const severityPath = `sla.high_risk.severities[${index}]`;
    if (!SEVERITIES.includes(severity)) {
      problems.push(`${severityPath} must be 1, 2, 3 or 4`);
      return;
    }
    if (seenSeverities.has(severity)) problems.push(`${severityPath} repeats ${severity}`);
    seenSeverities.add(severity);
  });

  // With no words or no severities the feature is simply off, and an empty notify list is harmless.
  const active = hr.words.length > 0 && hr.severities.length > 0;
  checkNotify('sla.high_risk.notify', hr.notify, active, problems);
}

function checkNotify(path: string, notify: NotifyMethod[], required: boolean, problems: string[]): void {
  if (required && notify.length === 0) {
    problems.push(`${path} must list at least one of ${METHOD_LIST}`);
  }
  const seen = new Set<string>();
  notify.forEach((method, index) => {
    if (!isNotifyMethod(method)) {
      problems.push(`${path}[${index}] ${JSON.stringify(method)} is not one of ${METHOD_LIST}`);
      return;
    }
    if (seen.has(method)) problems.push(`${path}[${index}] repeats "${method}"`);
    seen.add(method);
  });
}

function checkPositiveDuration(path: string, ms: number, problems: string[]): void {
  if (!Number.isSafeInteger(ms) || ms <= 0) problems.push(`${path} must be a duration greater than zero`);
}

/** E.164: a plus, a non-zero country code digit, 7 to 15 digits in all (the shortest real numbers have 7). */
const E164 = /^\+[1-9]\d{6,14}$/;

export function isE164(value: string): boolean {
  return E164.test(value);
}

/** Problems with on-call numbers. The numbers themselves are never echoed: they are personal data. */
export function validateOnCall(onCall: OnCall): string[] {
  const problems: string[] = [];
  for (const list of ['primary', 'seniors'] as const) {
    const firstIndexOf = new Map<string, number>();
    onCall[list].forEach((number, index) => {
      const path = `oncall.${list}[${index}]`;
      if (typeof number !== 'string' || !isE164(number)) {
        problems.push(`${path} is not an E.164 number ("+", country code, number; 7 to 15 digits, e.g. +15550000001)`);
        return;
      }
      const first = firstIndexOf.get(number);
      if (first === undefined) firstIndexOf.set(number, index);
      else problems.push(`${path} repeats ${list}[${first}]`);
    });
  }
  return problems;
}

/**
 * Where a higher severity escalates less than a lower one: for each way of notifying, the first tier of
 * the higher severity that uses it must come no later than the lower severity's (or the lower one never
 * uses it). Disabled severities are left out. Empty when the policy is monotonic.
 */
export function escalationInversions(policy: SlaPolicy): string[] {
  const firstUse = (severity: Severity, method: NotifyMethod): number =>
    policy.severities[severity].tiers.find((t) => t.notify.includes(method))?.afterMs ?? Number.POSITIVE_INFINITY;
  const enabled = SEVERITIES.filter((s) => policy.severities[s].enabled);
  const problems: string[] = [];
  for (const [i, lower] of enabled.entries()) {
    for (const higher of enabled.slice(i + 1)) {
      for (const method of NOTIFY_METHODS) {
        const low = firstUse(lower, method);
        const high = firstUse(higher, method);
        if (high > low) {
          const when = high === Number.POSITIVE_INFINITY ? 'never' : `only after ${formatDuration(high)}`;
          problems.push(`severity ${higher} uses ${method} ${when}, severity ${lower} after ${formatDuration(low)}`);
        }
      }
    }
  }
  return problems;
}

/**
 * How the outbox bounds and folds what it sends (policy `delivery:`): past `maxBacklog` queued
 * messages the REST intake answers 429; more than `foldNoticesAfter` SLA notices due for one
 * channel become one summary message; more than `foldPagesAfter` SMS due for one number become
 * one SMS listing them.
 */
export interface DeliveryPolicy {
  maxBacklog: number;
  foldNoticesAfter: number;
  foldPagesAfter: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  maxBacklog: 5000,
  foldNoticesAfter: 5,
  foldPagesAfter: 2,
};

export function validateDeliveryPolicy(p: DeliveryPolicy): string[] {
  const problems: string[] = [];
  const check = (v: number, key: string, min: number) => {
    if (!Number.isInteger(v) || v < min) problems.push(`delivery.${key} must be a whole number of at least ${min}`);
  };
  check(p.maxBacklog, 'max_backlog', 10);
  check(p.foldNoticesAfter, 'fold_notices_after', 1);
  check(p.foldPagesAfter, 'fold_pages_after', 1);
  return problems;
}
