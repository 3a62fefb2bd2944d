/** Types of the "Daily SecOps Status" digest. Pure data: the caller reads Nanitor and the clock. */

export interface DigestThresholds {
  /** Health is a fraction 0..1: below failBelow is ❌, below warnBelow is ⚠️. */
  health: { warnBelow: number; failBelow: number };
  /** Open P0 issues: above failAbove is ❌, above warnAbove is ⚠️. */
  p0: { warnAbove: number; failAbove: number };
}

export const DEFAULT_DIGEST_THRESHOLDS: DigestThresholds = {
  health: { warnBelow: 0.95, failBelow: 0.8 },
  p0: { warnAbove: 0, failAbove: 10 },
};

export type MetricKind = 'health' | 'p0';

export type Rating = 'ok' | 'warn' | 'fail';

/** A metric either was read, or the reason it could not be, which the digest shows instead. */
export type MetricReading = { ok: true; value: number } | { ok: false; error: string };

export interface DigestActivity {
  confirmations?: { asked: number; confirmed: number; escalated: number };
  sla?: { breaches: number; openPastTier: number };
}

export interface DigestInput {
  generatedAt: Date;
  /** The scheduled run was missed and this one catches up. */
  late?: boolean;
  health: MetricReading;
  p0: MetricReading;
  /** The last scheduled digest posted, for the trend; null values mean that metric was unavailable then. */
  previous?: { health: number | null; p0: number | null; generatedAt: Date } | null;
  activity?: DigestActivity;
}

export interface Digest {
  /** Plain-text fallback for notifications and clients without Block Kit. */
  text: string;
  /** Block Kit blocks for chat.postMessage. */
  blocks: object[];
  /** The values to remember as the next digest's `previous`. */
  health: number | null;
  p0: number | null;
  /** One unescaped sentence per metric that could not be read, for logs and the caller. */
  failures: string[];
}
