import type { DigestThresholds, MetricKind, Rating } from './types.js';

export const RATING_EMOJI: Record<Rating, string> = { ok: '✅', warn: '⚠️', fail: '❌' };

/**
 * Same edges as the reference script: a health score exactly at warnBelow is fine
 * and exactly at failBelow is a warning; a P0 count exactly at a bound is not past it.
 */
export function rate(kind: MetricKind, value: number, thresholds: DigestThresholds): Rating {
  if (kind === 'health') {
    if (value < thresholds.health.failBelow) return 'fail';
    if (value < thresholds.health.warnBelow) return 'warn';
    return 'ok';
  }
  if (value > thresholds.p0.failAbove) return 'fail';
  if (value > thresholds.p0.warnAbove) return 'warn';
  return 'ok';
}

/** Every problem with a threshold set, in words an operator can act on; empty when it is usable. */
export function validateThresholds(thresholds: DigestThresholds): string[] {
  const problems: string[] = [];
  const { warnBelow, failBelow } = thresholds.health;
  const { warnAbove, failAbove } = thresholds.p0;
  const fractions: [string, number][] = [
    ['health.warnBelow', warnBelow],
    ['health.failBelow', failBelow],
  ];
  for (const [name, value] of fractions) {
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      problems.push(`${name} must be a fraction from 0 to 1 (e.g. 0.95 for 95%), got ${value}`);
    }
  }
  const counts: [string, number][] = [
    ['p0.warnAbove', warnAbove],
    ['p0.failAbove', failAbove],
  ];
  for (const [name, value] of counts) {
    if (!Number.isFinite(value) || value < 0) problems.push(`${name} must be a number of issues >= 0, got ${value}`);
  }
  if (failBelow > warnBelow) {
    problems.push(`health.failBelow (${failBelow}) must not be above health.warnBelow (${warnBelow})`);
  }
  if (warnAbove > failAbove) {
    problems.push(`p0.warnAbove (${warnAbove}) must not be above p0.failAbove (${failAbove})`);
  }
  return problems;
}
