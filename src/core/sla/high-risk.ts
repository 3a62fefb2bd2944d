/**
 * High-risk words: an alert whose title, description or an observable names one of them
 * skips the tier ladder. Matching is whole-word and case-insensitive, so "FAILURE" matches
 * "Disk failure!" but not "nonfailures".
 */
import type { HighRiskPolicy } from './policy.js';

/** The fields of an alert that are searched. */
export interface HighRiskText {
  title: string;
  description: string;
  observables: string[];
}

// A "word character" is any letter, combining mark, digit or connector (underscore and friends),
// in any script; `\b` would only know ASCII and call "é" a boundary inside "décès".
const WORD_CHAR = '[\\p{L}\\p{M}\\p{N}\\p{Pc}]';

/**
 * NFKC so that a composed "é" equals "e" + combining accent, and full-width or ligature
 * look-alikes ("ＵＲＧＥＮＴ", "ﬁre") match the plain word an operator typed.
 */
function normalize(text: string): string {
  return text.normalize('NFKC');
}

// Exactly the syntax characters: with the `u` flag any other escaped character (e.g. "\-") is a SyntaxError.
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A word may be a phrase; any run of whitespace in the text matches the space between its words. */
function wordPattern(word: string): RegExp | null {
  const parts = normalize(word)
    .trim()
    .split(/\s+/u)
    .filter((part) => part !== '');
  if (parts.length === 0) return null;
  const body = parts.map(escapeRegExp).join('\\s+');
  return new RegExp(`(?<!${WORD_CHAR})${body}(?!${WORD_CHAR})`, 'iu');
}

/** The first configured word (as configured) found in the alert, or null. Ignores `hr.severities`. */
export function matchesHighRisk(alert: HighRiskText, hr: HighRiskPolicy): string | null {
  const texts = [alert.title, alert.description, ...alert.observables].map(normalize);
  for (const word of hr.words) {
    const pattern = wordPattern(word);
    if (pattern === null) continue;
    if (texts.some((text) => pattern.test(text))) return word;
  }
  return null;
}
