/**
 * A local stand-in for Duo's OIDC Auth API (Universal Prompt), speaking the
 * same routes, form bodies, JWTs and error shapes, over TLS with a test CA,
 * so the real @duosecurity/duo_universal client can be run against it.
 *
 * Tests and the sandbox drive prompts without a browser through `pending()`,
 * `decide()` and `approveUrlFor()`; a browser can use the HTML page instead.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBody } from '../read-body.js';
import { listen } from '../sim-http.js';
import { type AuthApiOptions, DuoAuthApi } from './auth-api.js';
import { type AuthorizeParse, type PromptRequest, parseAuthorizeRequest } from './duo-authorize-request.js';
import { buildIdTokenClaims, type DuoDecision } from './duo-id-token.js';
import { DuoPromptStore, type PendingPrompt } from './duo-prompt-store.js';
import { signHs512, verifyHs512 } from './hs512-jwt.js';
import { renderErrorPage, renderPromptPage } from './prompt-page.js';
import { generateTestTls } from './test-ca.js';

export type { PreauthSetting, PushAnswer, SimPush } from './auth-api.js';
export type { DuoDecision } from './duo-id-token.js';
export type { PendingPrompt } from './duo-prompt-store.js';

export interface DuoSimulatorOptions {
  clientId: string;
  clientSecret: string;
  /** How long an undecided prompt stays pending. Default 5 minutes. */
  promptTtlMs?: number;
  /** How long an authorization code can be exchanged. Default 60 s. */
  codeTtlMs?: number;
  /** Clock for prompt/code expiry and JWT time checks; tests may shift it. */
  now?: () => number;
  /** Also serve the Auth API (Duo Push) for an "Auth API" application with these keys. */
  authApi?: Omit<AuthApiOptions, 'now'>;
}

const HEALTH_CHECK_PATH = '/oauth/v1/health_check';
const AUTH_API_PREFIX = '/auth/v2/';
const AUTHORIZE_PATH = '/oauth/v1/authorize';
const TOKEN_PATH = '/oauth/v1/token';
const PROMPT_FORM_PREFIX = '/frame/v4/prompt/';
const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const JWT_LEEWAY_SECONDS = 60;
const ID_TOKEN_LIFETIME_SECONDS = 300;
const MAX_BODY_BYTES = 64 * 1024;

export class DuoSimulator extends EventEmitter<{ prompt: [PendingPrompt] }> {
  private healthy = true;
  /** The Auth API (push) side; null unless started with `authApi`. */
  readonly authApi: DuoAuthApi | null;

  private constructor(
    private readonly options: DuoSimulatorOptions,
    private readonly server: Server,
    private readonly store: DuoPromptStore,
    private readonly now: () => number,
    private readonly caDir: string,
    /** PEM of the CA that signed the server certificate. */
    readonly caPem: string,
    /** A file holding `caPem`, for DUO_CA_FILE. Removed by `stop()`. */
    readonly caFile: string,
    /** `127.0.0.1:PORT`, for DUO_API_HOST. */
    readonly apiHost: string,
  ) {
    super();
    this.authApi = options.authApi ? new DuoAuthApi({ ...options.authApi, now }) : null;
  }

  static async start(options: DuoSimulatorOptions): Promise<DuoSimulator> {
    const tls = await generateTestTls();
    const caDir = await mkdtemp(join(tmpdir(), 'duo-simulator-'));
    const caFile = join(caDir, 'ca.pem');
    await writeFile(caFile, tls.caPem);
    const now = options.now ?? Date.now;
    const store = new DuoPromptStore({
      now,
      promptTtlMs: options.promptTtlMs ?? 5 * 60_000,
      codeTtlMs: options.codeTtlMs ?? 60_000,
    });
    const server = createServer({ key: tls.serverKeyPem, cert: tls.serverCertPem });
    const port = await listen(server);
    const simulator = new DuoSimulator(options, server, store, now, caDir, tls.caPem, caFile, `127.0.0.1:${port}`);
    server.on('request', (req, res) => {
      simulator.route(req, res).catch((err: unknown) => {
        if (res.headersSent) {
          res.destroy();
        } else {
          const reply = json(500, { error: 'server_error', error_description: String(err) });
          res.writeHead(reply.status, reply.headers).end(reply.body);
        }
      });
    });
    return simulator;
  }

  get baseUrl(): string {
    return `https://${this.apiHost}`;
  }

  pending(): PendingPrompt[] {
    return this.store.pending();
  }

  private tokenDelayMs = 0;

  /** Holds every token exchange this long first, as a slow Duo would. */
  setTokenDelay(ms: number): void {
    this.tokenDelayMs = ms;
  }

  /** Health check answers `stat: FAIL` while false. */
  setHealthy(healthy: boolean): void {
    this.healthy = healthy;
  }

  /**
   * Settles a prompt as the user would in the browser and returns the URL Duo
   * redirects to (`redirect_uri?state=…&duo_code=…`). `asUser` puts another
   * preferred_username in the id_token, as a confused or hostile Duo might.
   */
  decide(promptId: string, decision: DuoDecision, opts: { asUser?: string } = {}): string {
    const { prompt, code } = this.store.decide(promptId, decision, opts.asUser);
    const target = new URL(prompt.redirectUri);
    target.searchParams.set('state', prompt.state);
    target.searchParams.set(prompt.useDuoCodeAttribute ? 'duo_code' : 'code', code);
    return target.toString();
  }

  /** Registers the prompt an auth URL describes, as the browser's GET would, and returns its id. */
  approveUrlFor(authUrl: string, label?: string): string {
    const url = new URL(authUrl);
    if (url.host !== this.apiHost || url.pathname !== AUTHORIZE_PATH) {
      throw new Error(`Duo simulator: ${url.origin}${url.pathname} is not this simulator's authorize endpoint`);
    }
    const parsed = this.parseAuthorize(url.searchParams);
    if (!parsed.ok) throw new Error(`Duo simulator: invalid authorization request: ${parsed.reason}`);
    return this.openPrompt(label === undefined ? parsed.request : { ...parsed.request, label }).id;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    await rm(this.caDir, { recursive: true, force: true });
  }

  private openPrompt(request: PromptRequest & { label?: string }): PendingPrompt {
    const prompt = this.store.open(request);
    this.emit('prompt', prompt);
    return prompt;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    let reply: Reply;
    if (url.pathname.startsWith(AUTH_API_PREFIX) && this.authApi) reply = await this.authApiCall(req, url);
    else if (req.method === 'POST' && url.pathname === HEALTH_CHECK_PATH) reply = this.healthCheck(await readForm(req));
    else if (req.method === 'GET' && url.pathname === AUTHORIZE_PATH) reply = this.authorize(url);
    else if (req.method === 'POST' && url.pathname === TOKEN_PATH) {
      const form = await readForm(req);
      if (this.tokenDelayMs > 0) await new Promise((r) => setTimeout(r, this.tokenDelayMs));
      reply = this.token(form);
    } else if (req.method === 'POST' && url.pathname.startsWith(PROMPT_FORM_PREFIX)) {
      reply = this.promptForm(decodeURIComponent(url.pathname.slice(PROMPT_FORM_PREFIX.length)), await readForm(req));
    } else {
      reply = json(404, { stat: 'FAIL', code: 40401, message: 'Resource not found', timestamp: this.nowSeconds() });
    }
    res.writeHead(reply.status, { ...reply.headers, 'cache-control': 'no-store' }).end(reply.body);
  }

  private async authApiCall(req: IncomingMessage, url: URL): Promise<Reply> {
    const body = req.method === 'POST' ? (await readBody(req, MAX_BODY_BYTES)).toString('utf8') : '';
    const contentType = String(req.headers['content-type'] ?? '');
    const params =
      req.method === 'POST'
        ? new URLSearchParams(contentType.startsWith('application/json') ? '' : body)
        : url.searchParams;
    const reply = await this.authApi!.handle({
      method: req.method ?? 'GET',
      host: String(req.headers.host ?? ''),
      path: url.pathname,
      headers: req.headers as Record<string, string | string[] | undefined>,
      params,
      body,
      contentType,
    });
    return json(reply.status, reply.body);
  }

  private healthCheck(form: URLSearchParams): Reply {
    const problem =
      form.get('client_id') === this.options.clientId
        ? this.checkClientAssertion(form.get('client_assertion'), HEALTH_CHECK_PATH)
        : 'client_id does not match';
    const timestamp = this.nowSeconds();
    if (problem !== null) {
      return json(400, { stat: 'FAIL', code: 40002, timestamp, message: 'invalid_client', message_detail: problem });
    }
    if (!this.healthy) {
      return json(200, {
        stat: 'FAIL',
        code: 50301,
        timestamp,
        message: 'Service Unavailable',
        message_detail: 'Duo is temporarily unavailable (simulated).',
      });
    }
    return json(200, { stat: 'OK', response: { timestamp } });
  }

  private authorize(url: URL): Reply {
    const parsed = this.parseAuthorize(url.searchParams);
    if (!parsed.ok) return html(400, renderErrorPage(400, `Invalid authorization request: ${parsed.reason}`));
    const prompt = this.openPrompt(parsed.request);
    return html(200, renderPromptPage(prompt, `${PROMPT_FORM_PREFIX}${encodeURIComponent(prompt.id)}`));
  }

  private promptForm(promptId: string, form: URLSearchParams): Reply {
    const decision = form.get('decision');
    if (decision !== 'allow' && decision !== 'deny') {
      return html(400, renderErrorPage(400, 'decision must be allow or deny'));
    }
    if (this.store.get(promptId) === undefined) {
      return html(404, renderErrorPage(404, 'This prompt has expired or was already answered.'));
    }
    return { status: 302, headers: { location: this.decide(promptId, decision) }, body: '' };
  }

  private token(form: URLSearchParams): Reply {
    const fail = (error: string, description: string) => json(400, { error, error_description: description });
    if (form.get('grant_type') !== 'authorization_code') {
      return fail('unsupported_grant_type', 'grant_type must be authorization_code');
    }
    if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) {
      return fail('invalid_request', 'client_assertion_type must be jwt-bearer');
    }
    const clientId = form.get('client_id');
    if (clientId !== null && clientId !== this.options.clientId) return fail('invalid_client', 'Unknown client_id');
    const problem = this.checkClientAssertion(form.get('client_assertion'), TOKEN_PATH);
    if (problem !== null) return fail('invalid_client', problem);
    const code = form.get('code');
    const redirectUri = form.get('redirect_uri');
    if (!code || !redirectUri) return fail('invalid_request', 'code and redirect_uri are required');

    const redeemed = this.store.redeem(code, redirectUri);
    if (!redeemed.ok) return fail('invalid_grant', redeemed.description);
    const { prompt, decision, asUser, decidedAt } = redeemed.decided;
    const claims = buildIdTokenClaims({
      apiHost: this.apiHost,
      clientId: this.options.clientId,
      username: asUser ?? prompt.username,
      decision,
      decidedAtSeconds: Math.floor(decidedAt / 1000),
      nowSeconds: this.nowSeconds(),
      nonce: prompt.nonce,
      lifetimeSeconds: ID_TOKEN_LIFETIME_SECONDS,
    });
    return json(200, {
      access_token: randomBytes(24).toString('base64url'),
      id_token: signHs512(claims, this.options.clientSecret),
      expires_in: ID_TOKEN_LIFETIME_SECONDS,
      token_type: 'Bearer',
    });
  }

  /** The private_key_jwt client authentication Duo requires on health_check and token; null when valid. */
  private checkClientAssertion(assertion: string | null, endpointPath: string): string | null {
    if (!assertion) return 'client_assertion is required';
    const check = verifyHs512(assertion, this.options.clientSecret, {
      nowSeconds: this.nowSeconds(),
      issuer: this.options.clientId,
      audience: `${this.baseUrl}${endpointPath}`,
      leewaySeconds: JWT_LEEWAY_SECONDS,
    });
    if (!check.ok) return check.reason;
    const { sub, jti, exp } = check.claims;
    if (sub !== this.options.clientId) return 'wrong sub';
    if (typeof jti !== 'string' || jti === '') return 'missing jti';
    if (!this.store.rememberJti(jti, Number(exp) + JWT_LEEWAY_SECONDS)) return 'client_assertion was already used';
    return null;
  }

  private parseAuthorize(query: URLSearchParams): AuthorizeParse {
    return parseAuthorizeRequest(query, {
      clientId: this.options.clientId,
      clientSecret: this.options.clientSecret,
      baseUrl: this.baseUrl,
      nowSeconds: this.nowSeconds(),
      leewaySeconds: JWT_LEEWAY_SECONDS,
    });
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function json(status: number, body: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function html(status: number, body: string): Reply {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new URLSearchParams((await readBody(req, MAX_BODY_BYTES)).toString('utf8'));
}
