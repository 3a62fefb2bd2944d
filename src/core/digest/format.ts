/** Small text formatters for the digest; pure, so they are shared by the text and the blocks. */

/** 0.935 → "93.50%" */
export function formatHealth(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

/** Difference in percentage points, rounded to what is shown, so "▲ 0.00 pp" never appears. */
export function healthTrend(current: number, previous: number | null | undefined): string | null {
  if (previous === null || previous === undefined || !Number.isFinite(previous)) return null;
  const points = Math.round((current - previous) * 10_000) / 100;
  if (points === 0) return 'no change';
  return `${points > 0 ? '▲' : '▼'} ${Math.abs(points).toFixed(2)} pp`;
}

export function p0Trend(current: number, previous: number | null | undefined): string | null {
  if (previous === null || previous === undefined || !Number.isFinite(previous)) return null;
  const difference = Math.round(current - previous);
  if (difference === 0) return 'no change';
  return `${difference > 0 ? '▲' : '▼'} ${Math.abs(difference)}`;
}

/** "2024-05-01 09:00 UTC": unambiguous in the text fallback, whatever the reader's zone. */
export function formatUtc(date: Date): string {
  if (Number.isNaN(date.getTime())) return 'an unknown time';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Slack renders this in each reader's own time zone, falling back to UTC text. */
export function slackDate(date: Date): string {
  if (Number.isNaN(date.getTime())) return 'an unknown time';
  const seconds = Math.floor(date.getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} at {time}|${formatUtc(date)}>`;
}

export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** Server output can be long; a digest field has room for a sentence, not a stack trace. */
export function clip(text: string, max = 300): string {
  const single = text.replace(/\s+/g, ' ').trim();
  return single.length > max ? `${single.slice(0, max - 1)}…` : single;
}
