/**
 * Every Prometheus metric the bot exports, in one registry. Features import the metric they
 * fill (one call at the point where the thing happens); gauges that describe state are read
 * at scrape time from sources registered by the composition root, so they are never stale.
 * Label values are bounded sets (methods, results, channel roles), never ids or user text.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { withTimeout } from '../with-timeout.js';

export const registry = new Registry();
// Process CPU, memory, handles, GC and event-loop delay (nodejs_eventloop_lag_*, from monitorEventLoopDelay).
collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });

const FINAL_OUTCOMES = new Set(['confirmed', 'escalated', 'ignored']);

export const confirmations = new Counter({
  name: 'secops_confirmations_total',
  help: 'Confirmation alerts that reached a final status, by outcome (confirmed, escalated, ignored) and escalation reason',
  labelNames: ['outcome', 'reason'] as const,
  registers: [registry],
});

/** Counts a confirmation status change when it is a final one; other changes are not outcomes. */
export function countConfirmation(to: string, reason: string | null): void {
  if (FINAL_OUTCOMES.has(to)) confirmations.inc({ outcome: to, reason: reason ?? 'none' });
}

export const tierSends = new Counter({
  name: 'secops_tier_sends_total',
  help: 'SLA tier notifications attempted, by method (slack, sms, call) and result (sent, failed, ...)',
  labelNames: ['method', 'result'] as const,
  registers: [registry],
});

export const tierLateness = new Histogram({
  name: 'secops_tier_lateness_seconds',
  help: 'How long after its deadline an SLA tier fired',
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
  registers: [registry],
});

export const acknowledgements = new Counter({
  name: 'secops_acknowledgements_total',
  help: 'SLA alerts acknowledged by a responder, by channel (slack, sms, call, thehive)',
  labelNames: ['channel'] as const,
  registers: [registry],
});

export const thehivePollDuration = new Histogram({
  name: 'secops_thehive_poll_duration_seconds',
  help: "Time to list TheHive's open alerts in one SLA poll (failed polls included)",
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
  registers: [registry],
});

export const thehiveErrors = new Counter({
  name: 'secops_thehive_errors_total',
  help: 'TheHive calls that failed, by operation (list, get, promote)',
  labelNames: ['operation'] as const,
  registers: [registry],
});

export const nanitorErrors = new Counter({
  name: 'secops_nanitor_errors_total',
  help: 'Nanitor calls that failed, by operation',
  labelNames: ['operation'] as const,
  registers: [registry],
});

export const slackApiCalls = new Counter({
  name: 'secops_slack_api_calls_total',
  help: 'Slack Web API calls, by method, channel role (escalation, alerts, digest, other, none) and result (ok, rate_limited, http_5xx, a Slack error code, ...)',
  labelNames: ['method', 'channel', 'result'] as const,
  registers: [registry],
});

export const twilioErrors = new Counter({
  name: 'secops_twilio_errors_total',
  help: 'Twilio calls that failed, by operation (sms, call) and error code',
  labelNames: ['operation', 'code'] as const,
  registers: [registry],
});

export const duoErrors = new Counter({
  name: 'secops_duo_errors_total',
  help: 'Duo calls that failed or found Duo unhealthy, by operation (health, auth_url, verify; push mode: push_check, preauth, push, push_status)',
  labelNames: ['operation'] as const,
  registers: [registry],
});

export const outboxGivenUp = new Counter({
  name: 'secops_outbox_given_up_total',
  help: 'Outbox messages given up after their last attempt, by kind (slack_post, slack_update, sms, call)',
  labelNames: ['kind'] as const,
  registers: [registry],
});

/** What the state gauges read at scrape time; one set per running bot (tests run several in a process). */
export interface MetricSources {
  /** confirmations not yet final */
  pendingConfirmations?: () => Promise<number>;
  /** Slack posts waiting in the outbox (durable outbox: rows not yet delivered) */
  outboxDepth?: () => Promise<number>;
  /** lease name → whether this replica holds it */
  leases?: () => Record<string, boolean>;
}

const sources = new Set<MetricSources>();

/** Registers the state gauges' sources; returns the function that removes them (at stop). */
export function addMetricSources(s: MetricSources): () => void {
  sources.add(s);
  return () => sources.delete(s);
}

/** The sum over every source, or null when none can answer (the gauge then keeps its last value). */
async function sum(pick: (s: MetricSources) => (() => Promise<number>) | undefined): Promise<number | null> {
  const readers = [...sources].map(pick).filter((f) => f !== undefined);
  // A database that is down or frozen must not fail or stall the whole scrape.
  const values = await Promise.all(readers.map((f) => withTimeout(f(), 2000).catch(() => null)));
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : known.reduce((a, b) => a + b, 0);
}

new Gauge({
  name: 'secops_confirmations_pending',
  help: 'Confirmation alerts not yet final (new, asked, verifying), read from the database at scrape time',
  registers: [registry],
  async collect() {
    const n = await sum((s) => s.pendingConfirmations);
    if (n !== null) this.set(n);
  },
});

new Gauge({
  name: 'secops_outbox_depth',
  help: 'Slack posts waiting in the outbox, read at scrape time',
  registers: [registry],
  async collect() {
    const n = await sum((s) => s.outboxDepth);
    if (n !== null) this.set(n);
  },
});

new Gauge({
  name: 'secops_lease_held',
  help: 'Whether this replica holds the lease (1) or not (0); sum over replicas is 1 when exactly one leads',
  labelNames: ['lease'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const s of sources) {
      for (const [lease, held] of Object.entries(s.leases?.() ?? {})) this.inc({ lease }, held ? 1 : 0);
    }
  },
});
