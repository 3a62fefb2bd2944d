/**
 * How the alert's thread names a phone notification and tells that it did not go out. Sending
 * and retrying are the outbox's (src/outbox): only failures that surely did not reach Twilio
 * are tried again, and a time-out is never retried so nobody is texted or called twice.
 */
import { maskNumber } from '../adapters/twilio/phone-numbers.js';
import { escapeMrkdwn } from '../core/escape.js';
import type { NotificationKey } from './notification-repository.js';

export type SendFailure = { status: 'failed' | 'unknown'; error: string; tries: number };

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
