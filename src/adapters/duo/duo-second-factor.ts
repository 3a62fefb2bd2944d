/**
 * Duo Universal Prompt (Web SDK v4) as our SecondFactorPort, on the official
 * @duosecurity/duo_universal client.
 *
 * The client checks the id_token's signature, iss, aud, exp and that
 * preferred_username is the user we asked about, but not whether Duo allowed
 * the login: a denied prompt still comes back as a valid token. So `verify`
 * requires auth_result.status === 'allow' itself, and re-checks the username.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { Client, constants, DuoException } from '@duosecurity/duo_universal';
import type { Logger } from 'winston';
import type { SecondFactorOutcome, SecondFactorPort } from '../../core/ports.js';
import { SecOpsError } from '../../errors.js';

export interface DuoSecondFactorOptions {
  clientId: string;
  clientSecret: string;
  /** e.g. `api-xxxxxxxx.duosecurity.com`; the client always prefixes https:// */
  apiHost: string;
  /** Our Duo callback (`GET /duo/callback`). */
  redirectUrl: string;
  /** PEM CA to trust for apiHost instead of Duo's pinned CAs (DUO_CA_FILE). */
  caFile?: string;
  /** bound on every call to Duo (health check, token exchange); default 10 s */
  timeoutMs?: number;
  logger: Logger;
}

type DuoToken = Awaited<ReturnType<Client['exchangeAuthorizationCodeFor2FAResult']>>;

export class DuoSecondFactor implements SecondFactorPort {
  readonly name = 'duo';
  private readonly client: Client;
  private readonly logger: Logger;

  constructor(options: DuoSecondFactorOptions) {
    validateConfig(options);
    this.logger = options.logger;
    try {
      this.client = new Client({
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        apiHost: options.apiHost,
        redirectUrl: options.redirectUrl,
      });
    } catch (err) {
      throw new SecOpsError('config', `Duo client configuration rejected: ${errorMessage(err)}`, { cause: err });
    }
    boundEveryCall(this.client, options.timeoutMs ?? 10_000);
    if (options.caFile !== undefined) {
      trustCaInsteadOfDuoPins(this.client, readCaFile(options.caFile));
      this.logger.info('duo: trusting DUO_CA_FILE instead of the pinned Duo CAs', { apiHost: options.apiHost });
    }
  }

  async healthy(): Promise<boolean> {
    try {
      await this.client.healthCheck();
      return true;
    } catch (err) {
      this.logger.warn('duo: health check failed', { error: errorMessage(err) });
      return false;
    }
  }

  async authUrl(username: string, state: string): Promise<string> {
    try {
      return await this.client.createAuthUrl(username, state);
    } catch (err) {
      // Only reachable with an empty username or a state outside 22..1024 chars: our bug or bad input.
      throw new SecOpsError('invalid_input', `Duo auth URL not created: ${errorMessage(err)}`, { cause: err });
    }
  }

  async verify(code: string, username: string): Promise<SecondFactorOutcome> {
    if (username === '') return { ok: false, reason: 'error', detail: 'no username to verify against' };
    let token: DuoToken;
    try {
      token = await this.client.exchangeAuthorizationCodeFor2FAResult(code, username);
    } catch (err) {
      // The client throws USERNAME_ERROR (after a valid signature) when preferred_username differs.
      if (err instanceof DuoException && err.message === constants.USERNAME_ERROR) {
        this.logger.warn('duo: token was issued for another user', { username });
        return { ok: false, reason: 'wrong_user', detail: 'Duo answered for a different user' };
      }
      this.logger.warn('duo: code exchange failed', { username, error: errorMessage(err) });
      if (isUnreachable(err))
        return { ok: false, reason: 'unavailable', detail: `Duo could not be reached: ${errorMessage(err)}` };
      return { ok: false, reason: 'error', detail: errorMessage(err) };
    }
    if (token.preferred_username !== username) {
      return { ok: false, reason: 'wrong_user', detail: 'Duo answered for a different user' };
    }
    const status = token.auth_result?.status;
    if (status !== 'allow') {
      const why = token.auth_result?.status_msg || `status ${status ?? 'missing'}`;
      return { ok: false, reason: 'denied', detail: `Duo did not allow the login: ${why}` };
    }
    return { ok: true, username };
  }
}

function validateConfig(options: DuoSecondFactorOptions): void {
  if (options.clientId.length !== constants.CLIENT_ID_LENGTH) {
    throw new SecOpsError(
      'config',
      `DUO_CLIENT_ID must be ${constants.CLIENT_ID_LENGTH} characters (got ${options.clientId.length})`,
    );
  }
  if (options.clientSecret.length !== constants.CLIENT_SECRET_LENGTH) {
    throw new SecOpsError(
      'config',
      `DUO_CLIENT_SECRET must be ${constants.CLIENT_SECRET_LENGTH} characters (got ${options.clientSecret.length})`,
    );
  }
  if (options.apiHost.trim() === '' || /[/\s]/.test(options.apiHost)) {
    throw new SecOpsError('config', 'DUO_API_HOST must be a host name such as api-xxxxxxxx.duosecurity.com');
  }
}

function readCaFile(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SecOpsError('config', `DUO_CA_FILE ${path} cannot be read: ${errorMessage(err)}`, { cause: err });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new SecOpsError('config', `DUO_CA_FILE ${path} holds no PEM certificate`);
  }
  return pem;
}

/**
 * The CA seam. Client 3.0.0 builds one axios instance in its constructor with
 * `httpsAgent: new https.Agent({ ca: DUO_PINNED_CERT })` and offers no option
 * to change it (NODE_EXTRA_CA_CERTS is ignored because `ca` replaces the
 * defaults). Replacing that instance's default agent is the smallest change:
 * the library still builds every URL, signs every assertion and checks every
 * token; only the roots the TLS handshake trusts differ, and only when
 * DUO_CA_FILE is set. If a library upgrade moves the field we fail at start
 * rather than silently keep the pins.
 */
function trustCaInsteadOfDuoPins(client: Client, caPem: string): void {
  const transport = (client as unknown as { axios?: { defaults?: { httpsAgent?: unknown } } }).axios;
  if (transport?.defaults?.httpsAgent === undefined) {
    throw new SecOpsError(
      'config',
      'DUO_CA_FILE is set but this @duosecurity/duo_universal version has no replaceable HTTPS agent',
    );
  }
  transport.defaults.httpsAgent = new Agent({ ca: caPem });
}

/** Duo's own error text can be anything (a 40 KB error_description was seen): it is cut before it is logged or stored. */
const MAX_ERROR_TEXT = 300;

function errorMessage(err: unknown): string {
  const text =
    err instanceof DuoException && err.inner !== undefined
      ? `${err.message} (${err.inner.message})`
      : err instanceof Error
        ? err.message
        : String(err);
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text;
}

/**
 * A Duo outage rather than an answer: no HTTP response at all (refused, reset, DNS, our time-out)
 * or a 5xx. Reported as 2fa_unavailable, never as a failed check.
 */
function isUnreachable(err: unknown): boolean {
  const inner =
    err instanceof DuoException
      ? (err.inner as { response?: { status?: number }; code?: string } | undefined)
      : undefined;
  if (!inner) return false;
  const status = inner.response?.status;
  return status === undefined ? NETWORK_FAILURES.has(inner.code ?? '') : status >= 500;
}

/** Connection-level failures; a TLS trust failure (wrong CA) is a configuration error, not an outage. */
const NETWORK_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** The client's axios instance has no time-out by default: a Duo that accepts and never answers would hang the click. */
function boundEveryCall(client: Client, timeoutMs: number): void {
  const transport = (client as unknown as { axios?: { defaults?: { timeout?: number } } }).axios;
  if (transport?.defaults === undefined) {
    throw new SecOpsError('config', 'this @duosecurity/duo_universal version has no axios instance to bound');
  }
  transport.defaults.timeout = timeoutMs;
}
