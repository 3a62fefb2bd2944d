import type { Logger } from 'winston';
import type { DigestActivity } from '../core/digest/index.js';
import type { Feature } from '../feature.js';
import { withTimeout } from '../with-timeout.js';

/** A feature that does not answer in time is left out rather than holding the digest back. */
const ACTIVITY_TIMEOUT_MS = 10_000;

/**
 * Merges each enabled feature's last-24-h figures. One failing (or hanging)
 * source is logged and left out, so the rest of the digest still goes out.
 */
export async function collectActivity(
  sources: Feature[],
  since: Date,
  logger: Logger,
  timeoutMs = ACTIVITY_TIMEOUT_MS,
): Promise<DigestActivity> {
  const merged: DigestActivity = {};
  const readings = await Promise.allSettled(
    sources.map(async (feature) => {
      if (!feature.activity) return null;
      return { name: feature.name, activity: await withTimeout(feature.activity(since), timeoutMs) };
    }),
  );
  readings.forEach((reading, index) => {
    if (reading.status === 'rejected') {
      logger.warn('digest activity source failed; leaving it out', {
        feature: sources[index]?.name,
        err: reading.reason,
      });
      return;
    }
    if (reading.value) Object.assign(merged, reading.value.activity);
  });
  return merged;
}
