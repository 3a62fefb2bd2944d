/**
 * Signed requests to Duo's Auth API. The signature is the SDK's own (`duo_sig`, canonical v2 with
 * a form body or v5 with a JSON body); only the transport is ours, because the SDK's pins Duo's
 * CA, takes no port, has no time-out and retries 429s itself for up to a minute while holding the
 * caller. Here every call is bounded, a 429 comes back at once as `rate_limited` (the caller's
 * poller backs off without blocking other pushes), and DUO_CA_FILE replaces the pins when set.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
/** Duo's published root set, as the SDK pins it; used when DUO_CA_FILE is not set. */
import duoConstants from '@duosecurity/duo_api/lib/constants.js';
import duoSig from '@duosecurity/duo_api/lib/duo_sig.js';
import { SecOpsError } from '../../errors.js';

export interface DuoAuthTransportOptions {
  ikey: string;
  skey: string;
  /** `api-xxxxxxxx.duosecurity.com`, or `host:port` for a simulator */
  host: string;
  /** PEM to trust instead of Duo's pinned CAs */
  caFile?: string | null;
  /** canonical v2 (form body, the SDK's default) or v5 (JSON body with its hash) */
  signatureVersion?: 2 | 5;
  /** bound on each call (default 10 s) */
  timeoutMs?: number;
  /** how many long polls (auth_status) may be open at once (default 64; each holds a connection) */
  maxSockets?: number;
  /** connections kept for the quick calls (check, preauth, auth), reused warm (default 16) */
  quickSockets?: number;
}

export type DuoParams = Record<string, string>;

/** The longest text of Duo's we keep: an error body can be anything, and it is logged and stored. */
const MAX_DETAIL = 300;

export class DuoAuthTransport {
  /**
   * Two pools: long polls hold their connections for seconds, so the quick calls get their own
   * small pool of warm connections and never wait for a TLS handshake behind a held poll.
   */
  private readonly pollAgent: Agent;
  private readonly quickAgent: Agent;
  private readonly timeoutMs: number;
  private readonly version: 2 | 5;

  constructor(private readonly options: DuoAuthTransportOptions) {
    const ca = options.caFile ? readCa(options.caFile) : duoConstants.DUO_PINNED_CERT;
    this.pollAgent = new Agent({ ca, keepAlive: true, maxSockets: options.maxSockets ?? 64 });
    this.quickAgent = new Agent({ ca, keepAlive: true, maxSockets: options.quickSockets ?? 16 });
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.version = options.signatureVersion ?? 2;
  }

  /**
   * The `response` of a `stat: OK` answer; every failure is a SecOpsError with a short, safe message.
   * `longPoll`: Duo may hold the call open (auth_status), so it uses the long-poll pool.
   */
  async call(
    method: 'GET' | 'POST',
    path: string,
    params: DuoParams = {},
    timeoutMs = this.timeoutMs,
    longPoll = false,
  ): Promise<unknown> {
    const { ikey, skey, host } = this.options;
    const date = new Date().toUTCString();
    const headers: Record<string, string> = { Date: date, Host: host, 'User-Agent': 'secops-bot' };
    const form = new URLSearchParams(params).toString().replace(/\+/g, '%20');
    let body = '';
    let target = path;
    if (method === 'POST' && this.version === 5) {
      body = JSON.stringify(params);
      headers['Content-Type'] = 'application/json';
      headers.Authorization = duoSig.signV5(ikey, skey, method, host, path, {}, date, body);
    } else if (method === 'POST') {
      body = form;
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers.Authorization = duoSig.sign(ikey, skey, method, host, path, params, date);
    } else {
      if (form) target = `${path}?${form}`;
      headers.Authorization =
        this.version === 5
          ? duoSig.signV5(ikey, skey, method, host, path, params, date, '')
          : duoSig.sign(ikey, skey, method, host, path, params, date);
    }
    const agent = longPoll ? this.pollAgent : this.quickAgent;
    const { status, text } = await this.send(agent, method, target, headers, body, timeoutMs);
    return parse(path, status, text);
  }

  close(): void {
    this.pollAgent.destroy();
    this.quickAgent.destroy();
  }

  private send(
    agent: Agent,
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<{ status: number; text: string }> {
    const [hostname, port] = splitHost(this.options.host);
    return new Promise((resolve, reject) => {
      const req = request({ hostname, port, method, path, headers, agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          // Keep the first 64 KB: enough for any real answer, and a runaway body cannot grow memory.
          if (size <= 65_536) chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () =>
        req.destroy(new SecOpsError('timeout', `Duo ${path.split('?')[0]}: no answer within ${timeoutMs} ms`)),
      );
      req.on('error', (err) =>
        reject(
          err instanceof SecOpsError
            ? err
            : new SecOpsError('unavailable', `Duo unreachable: ${err.message}`.slice(0, MAX_DETAIL), { cause: err }),
        ),
      );
      req.end(body);
    });
  }
}

function parse(path: string, status: number, text: string): unknown {
  let json: { stat?: string; response?: unknown; code?: number; message?: string; message_detail?: string } | null =
    null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  if (status === 429 || json?.code === 42901) {
    throw new SecOpsError('rate_limited', `Duo ${path}: too many requests (429)`);
  }
  if (json?.stat === 'OK') return json.response;
  const what = json
    ? `${json.code ?? status} ${json.message ?? ''}${json.message_detail ? `: ${json.message_detail}` : ''}`
    : `HTTP ${status}`;
  const detail = `Duo ${path}: ${what}`.slice(0, MAX_DETAIL);
  if (status === 401 || (json?.code !== undefined && Math.floor(json.code / 100) === 401)) {
    throw new DuoApiError('unauthorized', detail, json?.code ?? status);
  }
  if (status >= 500 || status === 0) throw new DuoApiError('unavailable', detail, json?.code ?? status);
  throw new DuoApiError('bad_response', detail, json?.code ?? status);
}

/** A Duo `stat: FAIL` answer, with Duo's numeric code (40002, 40103, …) kept for the caller. */
export class DuoApiError extends SecOpsError {
  constructor(
    code: 'unauthorized' | 'unavailable' | 'bad_response',
    message: string,
    readonly duoCode: number,
  ) {
    super(code, message);
  }
}

function splitHost(host: string): [string, number] {
  const m = /^(.*):(\d+)$/.exec(host);
  return m ? [m[1]!, Number(m[2])] : [host, 443];
}

function readCa(path: string): string {
  try {
    const pem = readFileSync(path, 'utf8');
    if (pem.includes('-----BEGIN CERTIFICATE-----')) return pem;
  } catch (err) {
    throw new SecOpsError('config', `DUO_CA_FILE ${path} cannot be read: ${(err as Error).message}`);
  }
  throw new SecOpsError('config', `DUO_CA_FILE ${path} holds no PEM certificate`);
}
