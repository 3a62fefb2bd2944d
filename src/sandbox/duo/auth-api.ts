/**
 * Duo's Auth API v2 as the simulator serves it: /auth/v2/ping, check, preauth, auth and
 * auth_status, with Duo's envelope (`{stat:"OK", response}` / `{stat:"FAIL", code, message,
 * message_detail}`, HTTP status = the code's first three digits), signatures verified, pushes
 * held until a test or the sandbox phone answers them, auth_status long-polling, and 429s on demand.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type SignedRequest, verifyDuoSignature } from './auth-api-signature.js';

export type PreauthSetting =
  /** a push-capable phone (the default) */
  { result: 'auth'; device?: 'push' | 'sms_only'; verifiedPush?: boolean } | { result: 'enroll' | 'allow' | 'deny' };

export type PushAnswer = 'approve' | 'deny' | 'fraud';

export interface SimPush {
  txid: string;
  username: string;
  device: string;
  /** the device's name as preauth listed it */
  deviceName: string;
  type: string;
  /** the pushinfo pairs, decoded, as the phone would list them */
  info: Record<string, string>;
  /** Verified Push: the code the user must type on the phone */
  verificationCode: string | null;
  createdAt: number;
  result: 'waiting' | 'allow' | 'deny';
  status: string;
  statusMsg: string;
}

export interface AuthApiOptions {
  ikey: string;
  skey: string;
  /** how long an unanswered push waits before Duo's `timeout` (Duo: 60 s) */
  pushTimeoutMs?: number;
  /** how long auth_status holds a waiting request before answering `waiting` */
  longPollMs?: number;
  now: () => number;
}

interface Reply {
  status: number;
  body: unknown;
}

const ok = (response: unknown): Reply => ({ status: 200, body: { stat: 'OK', response } });
const fail = (code: number, message: string, detail?: string): Reply => ({
  status: Math.floor(code / 100),
  body: { stat: 'FAIL', code, message, ...(detail ? { message_detail: detail } : {}) },
});

export class DuoAuthApi extends EventEmitter<{ push: [SimPush]; settled: [SimPush] }> {
  private readonly preauth = new Map<string, PreauthSetting>();
  private readonly txs = new Map<string, SimPush>();
  private readonly verified = new Map<string, { username: string; code: string }>();
  private rateLimited = 0;
  private rateLimitedPath: string | null = null;
  private down = false;
  private heldPolls = 0;
  /** the most auth_status long polls held open at one time (a serial poller would never pass 1) */
  maxHeldPolls = 0;
  /** every request that reached a route, for tests: path and whether its signature passed */
  readonly requests: { path: string; signed: boolean; version?: 2 | 5 }[] = [];

  constructor(private readonly options: AuthApiOptions) {
    super();
    this.setMaxListeners(0);
  }

  setPreauth(username: string, setting: PreauthSetting | null): void {
    if (setting === null) this.preauth.delete(username);
    else this.preauth.set(username, setting);
  }

  /** The next `n` signed requests (to `path` only, when given) answer 429 (code 42901). */
  rateLimitNext(n: number, path: string | null = null): void {
    this.rateLimited = n;
    this.rateLimitedPath = path;
  }

  /** While down, every route answers 503 (code 50301), as during a Duo outage. */
  setDown(down: boolean): void {
    this.down = down;
  }

  pushes(): SimPush[] {
    this.expire();
    return [...this.txs.values()];
  }

  pending(): SimPush[] {
    return this.pushes().filter((p) => p.result === 'waiting');
  }

  /** The phone's answer. Verified Push needs the code the DM showed; a wrong one is a deny. */
  answer(txid: string, answer: PushAnswer, typedCode?: string): SimPush {
    this.expire();
    const tx = this.txs.get(txid);
    if (!tx) throw new Error(`Duo simulator: no push ${txid}`);
    if (tx.result !== 'waiting') throw new Error(`Duo simulator: push ${txid} was already answered (${tx.status})`);
    if (answer === 'approve' && tx.verificationCode !== null && typedCode !== tx.verificationCode) {
      return this.settle(tx, 'deny', 'deny', 'Login request denied: the verification code was wrong.');
    }
    if (answer === 'approve') return this.settle(tx, 'allow', 'allow', 'Success. Logging you in...');
    if (answer === 'fraud') return this.settle(tx, 'deny', 'fraud', 'Login request reported as fraudulent.');
    return this.settle(tx, 'deny', 'deny', 'Login request denied.');
  }

  async handle(req: SignedRequest): Promise<Reply> {
    if (req.path === '/auth/v2/ping') return ok({ time: Math.floor(this.options.now() / 1000) });
    const known = ['/auth/v2/check', '/auth/v2/preauth', '/auth/v2/auth', '/auth/v2/auth_status'];
    if (!known.includes(req.path)) return fail(40401, 'Resource not found');
    const check = verifyDuoSignature(req, this.options, this.options.now());
    this.requests.push({ path: req.path, signed: check.ok, ...(check.ok ? { version: check.version } : {}) });
    if (!check.ok) return fail(check.code, check.message, check.detail);
    if (this.down) return fail(50301, 'Service Unavailable');
    if (this.rateLimited > 0 && (this.rateLimitedPath === null || this.rateLimitedPath === req.path)) {
      this.rateLimited--;
      return fail(42901, 'Too Many Requests', 'The user may have exceeded the per-user authentication rate limit');
    }
    const params = paramsOf(req);
    switch (req.path) {
      case '/auth/v2/check':
        return ok({ time: Math.floor(this.options.now() / 1000) });
      case '/auth/v2/preauth':
        return this.preauthFor(params);
      case '/auth/v2/auth':
        return this.auth(params);
      default:
        return this.authStatus(params);
    }
  }

  private preauthFor(params: Record<string, string>): Reply {
    const username = params.username;
    if (!username) return fail(40001, 'Missing required request parameters', 'username');
    const setting = this.preauth.get(username) ?? { result: 'auth' };
    switch (setting.result) {
      case 'enroll':
        return ok({
          result: 'enroll',
          status_msg: 'Enroll an authentication device to proceed',
          enroll_portal_url: 'https://example.invalid/portal',
        });
      case 'allow':
        return ok({ result: 'allow', status_msg: 'Allowing unknown user' });
      case 'deny':
        return ok({ result: 'deny', status_msg: 'Login request denied.' });
    }
    const capabilities =
      setting.device === 'sms_only' ? ['sms', 'phone'] : ['auto', 'push', 'sms', 'phone', 'mobile_otp'];
    const response: Record<string, unknown> = {
      result: 'auth',
      status_msg: 'Account is active',
      devices: [
        {
          device: `DP${hash(username)}`,
          type: 'phone',
          display_name: `iPhone (${username})`,
          name: 'iPhone',
          number: 'XXX-XXX-0100',
          capabilities,
        },
      ],
    };
    // Verified Push is offered only to clients that say they can show the code.
    if (setting.verifiedPush && params.client_supports_verified_push === '1') {
      const txid = randomBytes(16).toString('hex');
      const code = String(100 + (randomBytes(2).readUInt16BE() % 900));
      this.verified.set(txid, { username, code });
      Object.assign(response, {
        txid,
        verification_code: code,
        expiration: Math.floor(this.options.now() / 1000) + 60,
      });
    }
    return ok(response);
  }

  private auth(params: Record<string, string>): Reply {
    const { username, factor, device } = params;
    if (!username) return fail(40001, 'Missing required request parameters', 'username');
    if (factor !== 'push') return fail(40002, 'Invalid request parameters', 'factor');
    if (params.async !== '1')
      return fail(40002, 'Invalid request parameters', 'async (the simulator only answers async pushes)');
    const setting = this.preauth.get(username) ?? { result: 'auth' };
    if (setting.result !== 'auth' || setting.device === 'sms_only') {
      return fail(40002, 'Invalid request parameters', 'device');
    }
    if (device !== 'auto' && device !== `DP${hash(username)}`)
      return fail(40002, 'Invalid request parameters', 'device');
    let verificationCode: string | null = null;
    if (setting.verifiedPush) {
      const v = params.txid ? this.verified.get(params.txid) : undefined;
      if (!v || v.username !== username)
        return fail(40002, 'Invalid request parameters', 'txid (Verified Duo Push is required)');
      this.verified.delete(params.txid!);
      verificationCode = v.code;
    }
    const tx: SimPush = {
      txid: randomBytes(16).toString('hex'),
      username,
      device: device!,
      deviceName: `iPhone (${username})`,
      type: params.type ?? 'Login request',
      info: Object.fromEntries(new URLSearchParams(params.pushinfo ?? '')),
      verificationCode,
      createdAt: this.options.now(),
      result: 'waiting',
      status: 'pushed',
      statusMsg: 'Pushed a login request to your device...',
    };
    this.txs.set(tx.txid, tx);
    this.emit('push', tx);
    return ok({ txid: tx.txid });
  }

  private async authStatus(params: Record<string, string>): Promise<Reply> {
    const tx = params.txid ? this.txs.get(params.txid) : undefined;
    if (!tx) return fail(40002, 'Invalid request parameters', 'txid');
    this.expire();
    if (tx.result === 'waiting') {
      this.heldPolls++;
      this.maxHeldPolls = Math.max(this.maxHeldPolls, this.heldPolls);
      try {
        await this.waitForChange(tx);
      } finally {
        this.heldPolls--;
      }
    }
    return ok({ result: tx.result, status: tx.status, status_msg: tx.statusMsg });
  }

  private waitForChange(tx: SimPush): Promise<void> {
    const ttl = this.options.pushTimeoutMs ?? 60_000;
    const wait = Math.max(0, Math.min(this.options.longPollMs ?? 5000, tx.createdAt + ttl - this.options.now()));
    return new Promise((resolve) => {
      const done = (settled: SimPush) => {
        if (settled.txid !== tx.txid) return;
        clearTimeout(timer);
        this.off('settled', done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('settled', done);
        this.expire();
        resolve();
      }, wait + 5);
      this.on('settled', done);
    });
  }

  private expire(): void {
    const ttl = this.options.pushTimeoutMs ?? 60_000;
    const now = this.options.now();
    for (const tx of this.txs.values()) {
      if (tx.result === 'waiting' && now - tx.createdAt >= ttl) this.settle(tx, 'deny', 'timeout', 'Login timed out.');
    }
  }

  private settle(tx: SimPush, result: 'allow' | 'deny', status: string, statusMsg: string): SimPush {
    Object.assign(tx, { result, status, statusMsg });
    this.emit('settled', tx);
    return tx;
  }
}

function paramsOf(req: SignedRequest): Record<string, string> {
  if (req.method === 'POST' && req.contentType.startsWith('application/json')) {
    try {
      const parsed = JSON.parse(req.body) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    } catch {
      return {};
    }
  }
  return Object.fromEntries(req.params);
}

function hash(s: string): string {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(36).toUpperCase().padStart(7, '0').slice(0, 18);
}
