import { type ApiBody, type ApiParams, chatMethods, fail, type MethodHandler, stringParam } from './chat-methods.js';
import { directoryMethods } from './directory-methods.js';
import type { ApiFault } from './types.js';
import type { Workspace } from './workspace.js';

export interface ApiReply {
  status: number;
  headers: Record<string, string>;
  body: ApiBody;
}

export interface WebApiOptions {
  botToken: string;
  appToken: string;
  /** chat.postMessage pacing per channel; undefined means unlimited. */
  perChannelPerSecond: number | undefined;
  /** Issues a one-time WebSocket URL for apps.connections.open. */
  openConnectionUrl: () => string;
  /** Methods served elsewhere (views.* by HomeTabs) and their own rate limits (seconds to wait, if over). */
  extraMethods?: Record<string, MethodHandler>;
  retryAfter?: (method: string, nowMs: number) => number | undefined;
}

const PACING_WINDOW_MS = 1000;

/** Methods that only an app-level token (xapp-) may call; every other method wants the bot token. */
const APP_TOKEN_METHODS = new Set(['apps.connections.open']);

/**
 * The Web API's front door: token checks, injected faults and rate limits, then the method itself.
 * Answers are HTTP 200 with `{ok:…}` except rate limits and injected HTTP failures, as on slack.com.
 */
export class WebApi {
  private readonly faults = new Map<string, ApiFault[]>();
  private readonly postsByChannel = new Map<string, number[]>();
  private readonly methods: Record<string, MethodHandler>;

  constructor(
    private readonly workspace: Workspace,
    private readonly options: WebApiOptions,
  ) {
    this.methods = {
      ...chatMethods,
      ...directoryMethods,
      'apps.connections.open': () => ({ ok: true, url: this.options.openConnectionUrl() }),
      ...this.options.extraMethods,
    };
  }

  failNext(method: string, count: number, fault: ApiFault): void {
    const queue = this.faults.get(method) ?? [];
    for (let i = 0; i < count; i++) queue.push(fault);
    this.faults.set(method, queue);
  }

  call(method: string, params: ApiParams, token: string | undefined, nowMs: number): ApiReply {
    const handler = this.methods[method];
    if (!handler) return ok200(fail('unknown_method'));
    const authError = this.checkToken(method, token);
    if (authError) return ok200(fail(authError));

    const fault = this.faults.get(method)?.shift();
    if (fault) return faultReply(fault);
    const waitSeconds = this.options.retryAfter?.(method, nowMs);
    if (waitSeconds !== undefined) return rateLimited(waitSeconds);

    if (method !== 'chat.postMessage') return ok200(handler(params, this.workspace));
    const pacing = this.pace(params, nowMs);
    if ('status' in pacing) return pacing;
    const body = handler(params, this.workspace);
    // Only messages that were actually posted use up the channel's allowance.
    if (body.ok) pacing.count();
    return ok200(body);
  }

  private checkToken(method: string, token: string | undefined): string | undefined {
    if (!token) return 'not_authed';
    const wantsAppToken = APP_TOKEN_METHODS.has(method);
    if (token === (wantsAppToken ? this.options.appToken : this.options.botToken)) return undefined;
    if (token === this.options.appToken || token === this.options.botToken) return 'not_allowed_token_type';
    return 'invalid_auth';
  }

  /** Slack allows about one message per second per channel, with short bursts; over it you get 429. */
  private pace(params: ApiParams, nowMs: number): ApiReply | { count: () => void } {
    const limit = this.options.perChannelPerSecond;
    if (limit === undefined) return { count: () => {} };
    const ref = stringParam(params, 'channel') ?? '';
    const key = this.workspace.resolveChannel(ref)?.id ?? ref;
    const recent = (this.postsByChannel.get(key) ?? []).filter((at) => nowMs - at < PACING_WINDOW_MS);
    this.postsByChannel.set(key, recent);
    if (recent.length >= limit) {
      const waitMs = recent[0]! + PACING_WINDOW_MS - nowMs;
      return rateLimited(Math.max(1, Math.ceil(waitMs / 1000)));
    }
    return { count: () => recent.push(nowMs) };
  }
}

function ok200(body: ApiBody): ApiReply {
  return { status: 200, headers: {}, body };
}

function rateLimited(retryAfterSeconds: number): ApiReply {
  return { status: 429, headers: { 'Retry-After': String(retryAfterSeconds) }, body: fail('ratelimited') };
}

function faultReply(fault: ApiFault): ApiReply {
  if ('error' in fault) return ok200(fail(fault.error));
  if (fault.status === 429) return rateLimited(fault.retryAfter ?? 1);
  return { status: fault.status, headers: {}, body: fail('internal_error') };
}
