/**
 * How one SLA phone notification is attempted and how its failure is told. The Twilio adapter never
 * retries, so this is the one retry loop for Twilio: only failures that surely did not reach Twilio
 * are tried again, with exponential backoff.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { maskNumber } from '../adapters/twilio/phone-numbers.js';
import { escapeMrkdwn } from '../core/escape.js';
import type { PhoneSendResult } from '../core/ports.js';
import { isSecOpsError } from '../errors.js';
import type { NotificationKey } from './notification-repository.js';

export interface RetryPolicy {
  attempts: number;
  /** wait before retry n (1-based) is baseMs * 2^(n-1) */
  baseMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseMs: 400 };

// Not 'timeout': Twilio may have accepted a request whose answer never came, and a retry would
// text or call the same person twice.
const RETRYABLE = ['unavailable', 'rate_limited'] as const;

export type SendFailure = { status: 'failed' | 'unknown'; error: string; tries: number };
export type PhoneOutcome = { status: 'sent'; sid: string } | SendFailure;

/** `beforeRetry(n)` runs before attempt n (2, 3, …), so the row can show how far it got. */
export async function sendWithRetry(
  send: () => Promise<PhoneSendResult>,
  retry: RetryPolicy,
  beforeRetry: (attempt: number) => Promise<void>,
): Promise<PhoneOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await send();
      return { status: 'sent', sid: result.sid };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      if (isSecOpsError(err, 'timeout')) return { status: 'unknown', error, tries: attempt };
      const retryable = RETRYABLE.some((code) => isSecOpsError(err, code));
      if (!retryable || attempt >= retry.attempts) return { status: 'failed', error, tries: attempt };
      await beforeRetry(attempt + 1);
      await sleep(retry.baseMs * 2 ** (attempt - 1));
    }
  }
}

/** "SMS to …0001", as the alert's thread names a phone notification without the full number. */
export function phoneSendName(n: Pick<NotificationKey, 'method' | 'recipient'>): string {
  const what = n.method === 'sms' ? 'SMS' : n.method === 'escalate' ? 'Escalation call' : 'Call';
  return `${what} to ${maskNumber(n.recipient)}`;
}

/** The thread's line for a phone notification that did not go out, or may not have. */
export function phoneFailureText(n: Pick<NotificationKey, 'method' | 'recipient'>, failure: SendFailure): string {
  const to = phoneSendName(n);
  const reason = escapeMrkdwn(failure.error, 300);
  return failure.status === 'unknown'
    ? `:warning: ${to} timed out waiting for Twilio; it may or may not have been sent, and is not retried so nobody is notified twice: ${reason}`
    : `:warning: ${to} failed${failure.tries > 1 ? ` after ${failure.tries} attempts` : ''}: ${reason}`;
}
