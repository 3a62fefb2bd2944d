/**
 * Checks a REST alert body before anything is stored. Sizes are bounded so one detector cannot
 * flood Slack or the database, and `user` must be something we can resolve.
 */
import type { IntakeInput } from './types.js';

export const LIMITS = { title: 200, description: 3000, reason: 500, url: 2000, dedupeKey: 191, user: 191 } as const;

/** The one shape of a Slack user ID the confirmation flow accepts, in intake and in mentions. */
const SLACK_USER_ID = /^[UW][A-Z0-9]{2,30}$/;
// Deliberately simple: Slack's users.lookupByEmail decides whether it is a real address.
const EMAIL = /^[^\s@<>]{1,64}@[^\s@<>]{1,190}\.[^\s@<>]+$/;

export type Validation = { ok: true; input: IntakeInput } | { ok: false; message: string };

export function isSlackUserId(s: string): boolean {
  return SLACK_USER_ID.test(s);
}

export function validateAlertBody(body: unknown): Validation {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'body must be a JSON object' };
  }
  const b = body as Record<string, unknown>;
  const text = (name: string, max: number, required: boolean): string | null | { error: string } => {
    const v = b[name];
    if (v === undefined || v === null || v === '') return required ? { error: `${name} is required` } : null;
    if (typeof v !== 'string') return { error: `${name} must be a string` };
    if (required && v.trim() === '') return { error: `${name} is required` };
    if (v.length > max) return { error: `${name} must be at most ${max} characters (got ${v.length})` };
    return v;
  };
  const user = text('user', LIMITS.user, true);
  const title = text('title', LIMITS.title, true);
  const description = text('description', LIMITS.description, true);
  const reason = text('reason', LIMITS.reason, false);
  const url = text('url', LIMITS.url, false);
  // Kept as sent, spaces included: both stores compare keys byte for byte (NO PAD collation on
  // MySQL, see migration 20261129000300), so "pad" and "pad " are two keys everywhere.
  const dedupeKey = text('dedupe_key', LIMITS.dedupeKey, false);
  for (const v of [user, title, description, reason, url, dedupeKey]) {
    if (v !== null && typeof v === 'object') return { ok: false, message: v.error };
  }
  const userText = (user as string).trim();
  if (!isSlackUserId(userText) && !EMAIL.test(userText)) {
    return { ok: false, message: 'user must be a Slack user ID (U… or W…) or an email address' };
  }
  if (typeof url === 'string' && !isHttpUrl(url)) return { ok: false, message: 'url must be an http(s) URL' };
  return {
    ok: true,
    input: {
      user: userText,
      title: title as string,
      description: description as string,
      reason: reason as string | null,
      url: url as string | null,
      dedupeKey: dedupeKey as string | null,
      source: 'api',
    },
  };
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
