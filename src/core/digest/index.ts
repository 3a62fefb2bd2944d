export { buildDigest } from './build-digest.js';
export { RATING_EMOJI, rate, validateThresholds } from './thresholds.js';
export type {
  Digest,
  DigestActivity,
  DigestInput,
  DigestThresholds,
  MetricKind,
  MetricReading,
  Rating,
} from './types.js';
export { DEFAULT_DIGEST_THRESHOLDS } from './types.js';
