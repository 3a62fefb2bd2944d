/**
 * What went wrong with Slack at start-up, in one line: which token Slack refused (it cannot heal: exit), or
 * why Slack cannot be reached (it may heal: warn now and then while the bot keeps trying).
 */

/** Slack's answers that mean "this token is no good", as opposed to a passing fault. */
const AUTH_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
]);

export interface SlackTokens {
  apiUrl: string;
  botToken: string;
  appToken: string;
}

/** The Slack error code when `err` is Slack refusing a token, else null. */
export function slackAuthErrorOf(err: unknown): string | null {
  const e = err as { code?: string; data?: { error?: string } } | null;
  const error = e?.code === 'slack_webapi_platform_error' ? e.data?.error : undefined;
  return error && AUTH_ERRORS.has(error) ? error : null;
}

/**
 * Slack's errors do not say which call failed, so ask again, once per token: auth.test is the call the bot
 * token makes first, apps.connections.open the only one the app-level token makes.
 */
export async function explainSlackAuthError(error: string, tokens: SlackTokens): Promise<string> {
  const bot = await slackAnswer(tokens.apiUrl, 'auth.test', tokens.botToken);
  if (bot && AUTH_ERRORS.has(bot)) {
    return (
      `SLACK_BOT_TOKEN was refused by Slack (${bot}): copy the Bot User OAuth Token (xoxb-…) again from ` +
      'OAuth & Permissions, and reinstall the app to the workspace if it was revoked'
    );
  }
  const app = await slackAnswer(tokens.apiUrl, 'apps.connections.open', tokens.appToken);
  if (app && AUTH_ERRORS.has(app)) {
    return (
      `SLACK_APP_TOKEN was refused by Slack (${app}): generate an app-level token with the connections:write ` +
      'scope under Basic Information → App-Level Tokens (xapp-…), and check that Socket Mode is on'
    );
  }
  return `Slack refused SLACK_BOT_TOKEN or SLACK_APP_TOKEN (${error}): check both tokens`;
}

/** Slack's `error` for one call ('ok' when it succeeded), or null when Slack did not answer. */
async function slackAnswer(apiUrl: string, method: string, token: string): Promise<string | null> {
  try {
    const res = await fetch(`${apiUrl}${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { ok?: boolean; error?: string };
    return body.ok ? 'ok' : (body.error ?? `HTTP ${res.status}`);
  } catch {
    return null;
  }
}

/** Why Slack's Web API cannot be reached, or null when it answers (any HTTP answer counts). */
export async function slackUnreachableCause(apiUrl: string, timeoutMs = 5000): Promise<string | null> {
  try {
    await fetch(`${apiUrl}api.test`, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) });
    return null;
  } catch (err) {
    return networkCause(err, apiUrl, timeoutMs);
  }
}

/** The cause in words when `err` is the Slack Web API client failing to reach Slack, else null. */
export function slackUnreachableOf(err: unknown, apiUrl: string): string | null {
  const e = err as { code?: string; original?: unknown } | null;
  if (e?.code !== 'slack_webapi_request_error') return null;
  return networkCause(e.original ?? err, apiUrl, 15_000);
}

/** A fetch failure in words: DNS, refused, timed out, TLS. */
export function networkCause(err: unknown, url: string, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const host = safeHost(url);
  const code = e.cause?.code ?? '';
  if (e.name === 'TimeoutError' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT')
    return `no answer from ${host} within ${Math.round(timeoutMs / 1000)} s (a firewall or a proxy?)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the host name ${host} does not resolve (DNS)`;
  if (code === 'ECONNREFUSED') return `connection refused by ${host}`;
  if (code === 'ECONNRESET') return `${host} closed the connection`;
  if (/CERT|SSL|TLS|UNABLE_TO_VERIFY/.test(code))
    return `TLS failed for ${host} (${code}): a TLS-inspecting proxy? Trust its CA with NODE_EXTRA_CA_CERTS`;
  return `${host}: ${e.cause?.message ?? e.message ?? String(err)}`;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
