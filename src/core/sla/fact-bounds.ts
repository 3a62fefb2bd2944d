/**
 * What the SLA monitor keeps of a TheHive alert. The bot needs the title (shown in the notice),
 * and text to look for high-risk words in; it never shows the description or the observables. A
 * single alert may carry a megabyte of description or ten thousand observables, so both are cut
 * to an excerpt before they are compared, stored or kept in memory. Words past the excerpt are not
 * matched: that is the price of a bounded row, and the title and the first observables are where
 * analysts put what matters.
 */
import type { HighRiskText } from './high-risk.js';

export const TITLE_MAX_CHARS = 512;
export const DESCRIPTION_MAX_CHARS = 8192;
export const OBSERVABLE_MAX_CHARS = 256;
export const OBSERVABLES_MAX_COUNT = 500;
/** All kept observables together; with JSON escaping this still fits a MEDIUMTEXT many times over. */
export const OBSERVABLES_MAX_TOTAL_CHARS = 32_768;

const WORD_CHAR = /^[\p{L}\p{M}\p{N}\p{Pc}]$/u;
const TRAILING_WORD = /[\p{L}\p{M}\p{N}\p{Pc}]+$/u;

/**
 * At most `max` UTF-16 units, never ending inside a surrogate pair or inside a word: a word cut in
 * half could become a high-risk word ("URGENTLY" → "URGENT") that the alert never contained.
 * Idempotent, so a bounded value compares equal to itself after another pass.
 */
export function excerpt(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  const next = text.codePointAt(cut.length);
  if (next !== undefined && WORD_CHAR.test(String.fromCodePoint(next))) cut = cut.replace(TRAILING_WORD, '');
  return cut;
}

/** Distinct observables, each cut, in TheHive's order, until the count or the total runs out. */
export function boundObservables(observables: readonly string[]): string[] {
  const kept: string[] = [];
  const seen = new Set<string>();
  let total = 0;
  for (const raw of observables) {
    if (kept.length >= OBSERVABLES_MAX_COUNT) break;
    const value = excerpt(raw, OBSERVABLE_MAX_CHARS);
    if (value === '' || seen.has(value)) continue;
    if (total + value.length > OBSERVABLES_MAX_TOTAL_CHARS) break;
    seen.add(value);
    kept.push(value);
    total += value.length;
  }
  return kept;
}

/** The same alert with its text bounded; every other field is kept as it is. */
export function boundAlertFacts<T extends HighRiskText>(alert: T): T {
  return {
    ...alert,
    title: excerpt(alert.title, TITLE_MAX_CHARS),
    description: excerpt(alert.description, DESCRIPTION_MAX_CHARS),
    observables: boundObservables(alert.observables),
  };
}
