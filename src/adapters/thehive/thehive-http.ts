/**
 * TheHive HTTP transport: Bearer auth, optional X-Organisation, a time-out per attempt, and
 * exponential-backoff retries for failures that may pass (5xx, network, time-out, malformed JSON).
 * 4xx answers are never retried; they become SecOpsErrors unless the caller says it handles the status.
 */
import type { Logger } from 'winston';
import { type ErrorCode, SecOpsError } from '../../errors.js';
import { ResponseTooLargeError, readTextCapped } from '../../http/read-response.js';
import { clip } from '../../log.js';
import { withRetry } from '../../retry/retry.js';

export interface TheHiveHttpOptions {
  url: string;
  apiKey: string;
  organisation?: string;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  logger: Logger;
}

export interface TheHiveResponse {
  status: number;
  /** Parsed JSON; null for an empty body or an unparseable error body. */
  body: unknown;
}

export interface RequestOptions {
  body?: unknown;
  /** 4xx statuses the caller interprets itself instead of receiving a SecOpsError. */
  handles?: readonly number[];
}

const USER_MESSAGE = 'TheHive could not be reached just now; try again in a minute.';

/** A failure worth another attempt; carries the error to throw once attempts run out. */
class RetryableFailure extends Error {
  constructor(readonly error: SecOpsError) {
    super(error.message);
  }
}

/**
 * A page of 500 alerts with long descriptions is a few megabytes; past this it is not an answer
 * we can use, and reading on would only fill memory.
 */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** TheHive's own words in an error are shown to responders and logged: a sentence, not a page. */
const MAX_VENDOR_TEXT = 300;

export class TheHiveHttp {
  private readonly baseUrl: string;

  constructor(private readonly options: TheHiveHttpOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
  }

  async request(method: 'GET' | 'POST', path: string, options: RequestOptions = {}): Promise<TheHiveResponse> {
    const attempts = this.options.retries + 1;
    try {
      return await withRetry(
        async () => {
          const outcome = await this.attempt(method, path, options);
          if (outcome instanceof RetryableFailure) throw outcome;
          return outcome;
        },
        { retries: this.options.retries, minDelayMs: this.options.backoffMs },
        {
          retryable: (err) => err instanceof RetryableFailure,
          onRetry: ({ error, attempt, waitMs }) => {
            const { code, message } = (error as RetryableFailure).error;
            this.options.logger.warn('TheHive request failed, retrying', {
              method,
              path: clip(path),
              attempt,
              code,
              reason: message,
              waitMs,
            });
          },
        },
      );
    } catch (err) {
      if (!(err instanceof RetryableFailure)) throw err;
      const { code, message } = err.error;
      throw new SecOpsError(code, `${message} (gave up after ${attempts} attempts)`, {
        userMessage: USER_MESSAGE,
        cause: err.error,
      });
    }
  }

  private async attempt(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<TheHiveResponse | RetryableFailure> {
    const what = `${method} ${clip(path, 120)}`;
    let status: number;
    let text: string;
    try {
      const response = await fetch(this.baseUrl + path, {
        method,
        headers: this.headers(options.body !== undefined),
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      status = response.status;
      text = await readTextCapped(response, MAX_RESPONSE_BYTES);
    } catch (err) {
      if (err instanceof ResponseTooLargeError) {
        throw new SecOpsError('bad_response', `TheHive answered ${what} with a ${err.message}`);
      }
      return new RetryableFailure(transportError(err, what, this.options.timeoutMs));
    }

    if (status >= 500) {
      return new RetryableFailure(new SecOpsError('unavailable', `TheHive answered ${status} to ${what}`));
    }
    if (status >= 400) {
      const body = parseOrNull(text);
      if (options.handles?.includes(status)) return { status, body };
      throw clientError(status, what, body);
    }
    if (text.trim() === '') return { status, body: null };
    try {
      return { status, body: JSON.parse(text) };
    } catch (err) {
      // A truncated body is usually a proxy or a restart cutting the answer short; asking again helps.
      return new RetryableFailure(
        new SecOpsError('bad_response', `TheHive sent malformed JSON for ${what}`, { cause: err }),
      );
    }
  }

  private headers(hasBody: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.apiKey}`,
      accept: 'application/json',
    };
    if (hasBody) headers['content-type'] = 'application/json';
    if (this.options.organisation) headers['x-organisation'] = this.options.organisation;
    return headers;
  }
}

function transportError(err: unknown, what: string, timeoutMs: number): SecOpsError {
  if (err instanceof Error && err.name === 'TimeoutError') {
    return new SecOpsError('timeout', `TheHive did not answer ${what} within ${timeoutMs} ms`, { cause: err });
  }
  const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
  return new SecOpsError('unavailable', `TheHive unreachable for ${what}: ${reason}`, { cause: err });
}

function clientError(status: number, what: string, body: unknown): SecOpsError {
  const detail = theHiveMessage(body);
  if (status === 401) {
    return new SecOpsError('unauthorized', 'TheHive rejected THEHIVE_API_KEY', {
      userMessage: 'The bot is not authorised in TheHive; an administrator needs to check its API key.',
    });
  }
  const code: ErrorCode =
    status === 403 ? 'forbidden' : status === 404 ? 'not_found' : status === 429 ? 'rate_limited' : 'invalid_input';
  return new SecOpsError(code, `TheHive answered ${status} to ${what}${detail ? `: ${detail}` : ''}`);
}

/** TheHive's error bodies are `{type, message}`; cut to a sentence, since they end up in logs and replies. */
export function theHiveMessage(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const { type, message } = body as { type?: unknown; message?: unknown };
  const text = [type, message].filter((part): part is string => typeof part === 'string').join(': ');
  return clip(text, MAX_VENDOR_TEXT);
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
