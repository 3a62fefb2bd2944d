import { escapeMrkdwn } from '../escape.js';
import { clip, formatHealth, formatUtc, healthTrend, p0Trend, plural, slackDate } from './format.js';
import { RATING_EMOJI, rate } from './thresholds.js';
import type {
  Digest,
  DigestActivity,
  DigestInput,
  DigestThresholds,
  MetricKind,
  MetricReading,
  Rating,
} from './types.js';

const TITLE = 'Daily SecOps Status';
const METRIC_TITLES: Record<MetricKind, string> = { health: 'Health score', p0: 'P0 issues' };

/** One metric, decided once and then rendered both as text and as a Block Kit field. */
type MetricView =
  | { kind: MetricKind; title: string; ok: true; value: number; rating: Rating; shown: string; trend: string | null }
  | { kind: MetricKind; title: string; ok: false; error: string };

function viewMetric(
  kind: MetricKind,
  reading: MetricReading,
  previous: number | null | undefined,
  thresholds: DigestThresholds,
): MetricView {
  const title = METRIC_TITLES[kind];
  if (!reading.ok) return { kind, title, ok: false, error: clip(reading.error) || 'unknown error' };
  // A reading that claims success but holds NaN is a bug upstream; say so rather than rate it.
  if (!Number.isFinite(reading.value)) return { kind, title, ok: false, error: `not a number (${reading.value})` };
  const value = reading.value;
  return {
    kind,
    title,
    ok: true,
    value,
    rating: rate(kind, value, thresholds),
    shown: kind === 'health' ? formatHealth(value) : String(value),
    trend: kind === 'health' ? healthTrend(value, previous) : p0Trend(value, previous),
  };
}

function metricLine(view: MetricView): string {
  if (!view.ok) return `${RATING_EMOJI.fail} ${view.title} unavailable: ${escapeMrkdwn(view.error)}`;
  const trend = view.trend ? ` (${view.trend})` : '';
  return `${RATING_EMOJI[view.rating]} ${view.title}: ${view.shown}${trend}`;
}

function metricField(view: MetricView): string {
  if (!view.ok) return `*${view.title}*\n${RATING_EMOJI.fail} unavailable: ${escapeMrkdwn(view.error)}`;
  const trend = view.trend ? `\n${view.trend}` : '';
  return `*${view.title}*\n${RATING_EMOJI[view.rating]} ${view.shown}${trend}`;
}

function activityLines(activity: DigestActivity | undefined): { title: string; detail: string }[] {
  const lines: { title: string; detail: string }[] = [];
  const confirmations = activity?.confirmations;
  if (confirmations) {
    const { asked, confirmed, escalated } = confirmations;
    lines.push({ title: 'Confirmations', detail: `${asked} asked, ${confirmed} confirmed, ${escalated} escalated` });
  }
  const sla = activity?.sla;
  if (sla) {
    const past = `${sla.openPastTier} open past their tier`;
    lines.push({ title: 'SLA', detail: `${plural(sla.breaches, 'breach', 'breaches')}, ${past}` });
  }
  return lines;
}

/**
 * Builds the digest for Slack. Never throws for a failed metric: the whole point
 * is that a broken pipeline still produces a post that says what broke.
 */
export function buildDigest(input: DigestInput, thresholds: DigestThresholds): Digest {
  const previous = input.previous ?? null;
  const metrics = [
    viewMetric('health', input.health, previous?.health, thresholds),
    viewMetric('p0', input.p0, previous?.p0, thresholds),
  ];
  const [health, p0] = metrics as [MetricView, MetricView];
  const failures = metrics.flatMap((view) => (view.ok ? [] : [`${view.title} unavailable: ${view.error}`]));
  const activity = activityLines(input.activity);
  const header = input.late ? `${TITLE} (posted late)` : TITLE;
  const showsTrend = previous !== null && metrics.some((view) => view.ok && view.trend !== null);
  const failureNote =
    failures.length === 0
      ? null
      : `Nanitor could not be read for ${plural(failures.length, 'metric', 'metrics')}: ` +
        "the digest pipeline needs a look (the bot's logs and its Nanitor settings).";

  const textLines = [`${header} — ${formatUtc(input.generatedAt)}`, ...metrics.map(metricLine)];
  for (const line of activity) textLines.push(`${line.title}: ${line.detail}`);
  if (failureNote) textLines.push(failureNote);
  if (showsTrend && previous) textLines.push(`Trend vs the scheduled digest of ${formatUtc(previous.generatedAt)}.`);

  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: header, emoji: true } },
    { type: 'section', fields: metrics.map((view) => ({ type: 'mrkdwn', text: metricField(view) })) },
  ];
  if (activity.length > 0) {
    blocks.push({
      type: 'section',
      fields: activity.map((line) => ({ type: 'mrkdwn', text: `*${line.title}*\n${line.detail}` })),
    });
  }
  if (failureNote) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: failureNote } });
  const context = [`Generated ${slackDate(input.generatedAt)}`];
  if (input.late) context.push('posted late: the scheduled run was missed');
  if (showsTrend && previous) context.push(`trend vs the scheduled digest of ${slackDate(previous.generatedAt)}`);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] });

  return {
    text: textLines.join('\n'),
    blocks,
    health: health.ok ? health.value : null,
    p0: p0.ok ? p0.value : null,
    failures,
  };
}
