/**
 * TheHive HTTP transport: Bearer auth, optional X-Organisation, a time-out per attempt, and
 * exponential-backoff retries for failures that may pass (5xx, network, time-out, malformed JSON).
 * 4xx answers are never retried; they become SecOpsErrors unless the caller says it handles the status.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'winston';
import { type ErrorCode, SecOpsError } from '../../errors.js';

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
class RetryableFailure {
  constructor(readonly error: SecOpsError) {}
}

export class TheHiveHttp {
  private readonly baseUrl: string;

  constructor(private readonly options: TheHiveHttpOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
  }

  async request(method: 'GET' | 'POST', path: string, options: RequestOptions = {}): Promise<TheHiveResponse> {
    const attempts = this.options.retries + 1;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(method, path, options);
      if (!(outcome instanceof RetryableFailure)) return outcome;
      if (attempt >= attempts) {
        const { code, message } = outcome.error;
        throw new SecOpsError(code, `${message} (gave up after ${attempts} attempts)`, {
          userMessage: USER_MESSAGE,
          cause: outcome.error,
        });
      }
      const waitMs = this.options.backoffMs * 2 ** (attempt - 1);
      this.options.logger.warn('TheHive request failed, retrying', {
        method,
        path,
        attempt,
        code: outcome.error.code,
        reason: outcome.error.message,
        waitMs,
      });
      await sleep(waitMs);
    }
  }

  private async attempt(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<TheHiveResponse | RetryableFailure> {
    const what = `${method} ${path}`;
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
      text = await response.text();
    } catch (err) {
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

/** TheHive's error bodies are `{type, message}`. */
export function theHiveMessage(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const { type, message } = body as { type?: unknown; message?: unknown };
  return [type, message].filter((part): part is string => typeof part === 'string').join(': ');
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
