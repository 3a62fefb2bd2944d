/**
 * The one retry policy for vendor calls made while someone waits (TheHive, Nanitor, the Slack
 * look-ups of the confirmation flow): exponential backoff by p-retry, with what differs between
 * vendors as parameters. Messages (Slack posts, SMS, calls) are retried by the outbox instead,
 * whose back-off lives in the database and survives a restart. Which failures are worth another try is the caller's knowledge, so the caller
 * says it (`retryable`); everything else is thrown at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';

export interface RetryPolicy {
  /** attempts after the first; 0 = no retry */
  retries: number;
  /** wait before the first retry; each later one is `factor` times longer */
  minDelayMs: number;
  /** default 2 */
  factor?: number;
  /** no single wait is longer than this (default: unbounded) */
  maxDelayMs?: number;
  /** each wait times a random 1–2, so replicas that failed together do not retry together */
  jitter?: boolean;
}

export interface RetryHooks {
  /** whether this failure may pass on another try */
  retryable: (err: unknown) => boolean;
  /** a wait the server asked for (Retry-After), added to the backoff */
  serverWaitMs?: (err: unknown) => number | undefined;
  /** before each retry, with the wait ahead: log it, record the attempt */
  onRetry?: (retry: { error: unknown; attempt: number; waitMs: number }) => void | Promise<void>;
  /** ends the waiting (shutdown): the promise then rejects with the signal's reason; once aborted, a failure is thrown as it is */
  signal?: AbortSignal;
}

/** p-retry only passes Error objects through its hooks; anything else thrown is carried in one. */
class Thrown extends Error {
  constructor(readonly value: unknown) {
    super(String(value));
  }
}

/** The wait before retry `n` (1-based) without jitter, as the backoff computes it. */
export function backoffMs(policy: RetryPolicy, n: number): number {
  const raw = policy.minDelayMs * (policy.factor ?? 2) ** (n - 1);
  return Math.round(Math.min(raw, policy.maxDelayMs ?? Number.POSITIVE_INFINITY));
}

/** `fn` until it succeeds, a failure is not retryable, or the retries run out; then its last error. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks,
): Promise<T> {
  if (!Number.isInteger(policy.retries) || policy.retries < 0 || !(policy.minDelayMs >= 0)) {
    throw new RangeError('retry policy: retries must be a whole number >= 0 and minDelayMs >= 0');
  }
  const unwrap = (err: unknown) => (err instanceof Thrown ? err.value : err);
  // p-retry only listens for an abort that comes later; one that came first must stop the retries too.
  const retryable = (err: unknown) => !hooks.signal?.aborted && hooks.retryable(err);
  try {
    return await pRetry(
      async (attempt) => {
        try {
          return await fn(attempt);
        } catch (err) {
          // p-retry gives up at once on a TypeError that is not a network error; the caller decides here instead.
          throw err instanceof Error && !(err instanceof TypeError) ? err : new Thrown(err);
        }
      },
      {
        retries: policy.retries,
        minTimeout: policy.minDelayMs,
        factor: policy.factor ?? 2,
        maxTimeout: policy.maxDelayMs ?? Number.POSITIVE_INFINITY,
        randomize: policy.jitter ?? false,
        signal: hooks.signal,
        shouldRetry: (err) => retryable(unwrap(err)),
        onFailedAttempt: async (err) => {
          const error = unwrap(err);
          // p-retry calls this even after shouldRetry said no.
          if (err.retriesLeft <= 0 || !retryable(error)) return;
          const serverWait = Math.max(0, hooks.serverWaitMs?.(error) ?? 0);
          await hooks.onRetry?.({
            error,
            attempt: err.attemptNumber,
            waitMs: serverWait + backoffMs(policy, err.attemptNumber),
          });
          if (serverWait > 0) await sleep(serverWait, undefined, { signal: hooks.signal });
        },
      },
    );
  } catch (err) {
    throw unwrap(err);
  }
}
