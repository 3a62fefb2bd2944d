/**
 * Counts every Slack Web API call at the one place they all pass: WebClient.prototype.apiCall.
 * Bolt creates its own clients per token, Socket Mode has one for apps.connections.open and the
 * features use app.client; hooking the shared class counts them all without touching callers.
 * A client binds its method shortcuts (client.chat.postMessage) when it is built, so the hook
 * must be installed before the first client is created.
 */
import { WebClient } from '@slack/web-api';
import { slackApiCalls } from './metrics.js';

const roles = new Map<string, string>();
let installed = false;

/** Installs the hook once per process; `channels` maps configured channel ids to their role label. */
export function countSlackCalls(channels: Record<string, string>): void {
  for (const [role, id] of Object.entries(channels)) roles.set(id, role);
  if (installed) return;
  installed = true;
  const original = WebClient.prototype.apiCall;
  WebClient.prototype.apiCall = async function apiCall(this: WebClient, method, options) {
    const channel = channelRole(options?.channel);
    try {
      const result = await original.call(this, method, options);
      slackApiCalls.inc({ method, channel, result: 'ok' });
      return result;
    } catch (err) {
      slackApiCalls.inc({ method, channel, result: resultOf(err) });
      throw err;
    }
  };
}

function channelRole(channel: unknown): string {
  if (typeof channel !== 'string') return 'none';
  return roles.get(channel) ?? 'other';
}

/** A bounded label for a failed call: Slack's own error code, or the kind of failure. */
function resultOf(err: unknown): string {
  const e = err as { code?: string; statusCode?: number; data?: { error?: unknown } };
  switch (e?.code) {
    case 'slack_webapi_rate_limited_error':
      return 'rate_limited';
    case 'slack_webapi_platform_error': {
      const code = e.data?.error;
      return typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? code : 'platform_error';
    }
    case 'slack_webapi_http_error':
      return `http_${e.statusCode === 429 ? '429' : `${String(e.statusCode ?? 0).slice(0, 1)}xx`}`;
    case 'slack_webapi_request_error':
      return 'request_error';
    default:
      return 'error';
  }
}
