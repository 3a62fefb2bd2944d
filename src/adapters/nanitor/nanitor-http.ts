import type { Logger } from 'winston';
import { SecOpsError } from '../../errors.js';
import { ResponseTooLargeError, readTextCapped } from '../../http/read-response.js';
import { clip } from '../../log.js';
import { withRetry } from '../../retry/retry.js';

export interface NanitorHttpOptions {
  baseUrl: string;
  apiToken: string;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  logger: Logger;
}

/** One attempt either yields parsed JSON or an error that says whether trying again could help. */
type Attempt = { ok: true; body: unknown } | { ok: false; retryable: boolean; error: SecOpsError };

/** Carries a failure that another attempt may fix through the retry policy. */
class Retryable extends Error {
  constructor(readonly error: SecOpsError) {
    super(error.message);
  }
}

/** Nanitor's answers are small JSON documents (a page of 200 issues); a body past this is not one of them. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * GETs JSON from Nanitor's system API with a per-request time-out and retries.
 * Every failure leaves here as a SecOpsError whose message names the endpoint
 * (`label`), because that message ends up in the digest the team reads.
 */
export class NanitorHttp {
  private readonly baseUrl: string;

  constructor(private readonly options: NanitorHttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async getJson(pathAndQuery: string, label: string): Promise<unknown> {
    const { retries, backoffMs, logger } = this.options;
    try {
      return await withRetry(
        async () => {
          const result = await this.attempt(pathAndQuery, label);
          if (result.ok) return result.body;
          throw result.retryable ? new Retryable(result.error) : result.error;
        },
        { retries, minDelayMs: backoffMs },
        {
          retryable: (err) => err instanceof Retryable,
          onRetry: ({ error, attempt, waitMs }) => {
            const { code, message } = (error as Retryable).error;
            logger.warn('Nanitor request failed; retrying', {
              endpoint: label,
              code,
              error: message,
              attempt,
              delayMs: waitMs,
            });
          },
        },
      );
    } catch (err) {
      throw err instanceof Retryable ? err.error : err;
    }
  }

  private async attempt(pathAndQuery: string, label: string): Promise<Attempt> {
    const { apiToken, timeoutMs } = this.options;
    const what = `Nanitor ${label}`;
    const controller = new AbortController();
    // One timer covers both the headers and the body: a server that stalls mid-body must time out too.
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const failedInFlight = (err: unknown): Attempt =>
      controller.signal.aborted
        ? { ok: false, retryable: true, error: new SecOpsError('timeout', `${what}: timed out after ${timeoutMs} ms`) }
        : {
            ok: false,
            retryable: true,
            error: new SecOpsError('unavailable', `${what}: request failed: ${describeNetworkError(err)}`, {
              cause: err,
            }),
          };
    try {
      let response: Response;
      try {
        response = await fetch(`${this.baseUrl}/${pathAndQuery}`, {
          headers: { Authorization: `Bearer ${apiToken}`, Accept: 'application/json' },
          signal: controller.signal,
        });
      } catch (err) {
        return failedInFlight(err);
      }
      let raw: string;
      try {
        raw = await readTextCapped(response, MAX_BODY_BYTES);
      } catch (err) {
        if (err instanceof ResponseTooLargeError) {
          return { ok: false, retryable: false, error: new SecOpsError('bad_response', `${what}: ${err.message}`) };
        }
        return failedInFlight(err);
      }
      const status = response.status;
      if (status === 401 || status === 403) {
        return {
          ok: false,
          retryable: false,
          error: new SecOpsError('unauthorized', 'Nanitor rejected NANITOR_API_TOKEN', {
            userMessage: 'Nanitor refused our API token; the operator should check NANITOR_API_TOKEN.',
          }),
        };
      }
      if (status >= 500) {
        return { ok: false, retryable: true, error: new SecOpsError('unavailable', `${what}: HTTP ${status}`) };
      }
      if (status === 429) {
        return { ok: false, retryable: true, error: new SecOpsError('rate_limited', `${what}: HTTP 429`) };
      }
      if (status === 404) {
        return { ok: false, retryable: false, error: new SecOpsError('not_found', `${what}: HTTP 404`) };
      }
      if (status < 200 || status >= 300) {
        return { ok: false, retryable: false, error: new SecOpsError('bad_response', `${what}: HTTP ${status}`) };
      }
      try {
        return { ok: true, body: JSON.parse(raw) };
      } catch (err) {
        // A truncated body is usually a proxy or server hiccup, so it is worth another try.
        return {
          ok: false,
          retryable: true,
          error: new SecOpsError('bad_response', `${what}: response is not valid JSON`, { cause: err }),
        };
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

/** undici wraps the useful reason (ECONNREFUSED, …) in `cause`; surface it. */
function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause;
    if (cause instanceof Error) {
      const code = (cause as NodeJS.ErrnoException).code;
      return clip(code ? `${code} (${cause.message})` : cause.message);
    }
    return clip(err.message);
  }
  return clip(String(err));
}
