/**
 * Checks a Duo Auth API request's HMAC signature the way Duo documents it, written from the docs
 * rather than from the SDK so the simulator is a real check of the bot's signing:
 *
 * - v2: HMAC-SHA512 over `date\nMETHOD\nhost\npath\nparams`, params sorted by key and
 *   percent-encoded (RFC 3986, upper-case hex), from the query (GET) or the form body (POST).
 * - v5: the same five lines plus the SHA-512 of the body (a JSON object for POST) and of the
 *   canonical `X-Duo-*` headers; a POST's params are in the body, so its query line is empty.
 *
 * Authorization is `Basic base64(ikey:hex signature)`; the Date header must be within 5 minutes.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck =
  | { ok: true; version: 2 | 5 }
  | { ok: false; code: number; message: string; detail?: string };

export interface SignedRequest {
  method: string;
  host: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** query params (GET) or form params (v2 POST) */
  params: URLSearchParams;
  /** raw body text (v5 POST JSON) */
  body: string;
  contentType: string;
}

const SKEW_MS = 5 * 60_000;

const sha512 = (s: string) => createHash('sha512').update(s, 'utf8').digest('hex');
const encode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function canonicalParams(params: URLSearchParams): string {
  const keys = [...new Set(params.keys())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keys.flatMap((k) => params.getAll(k).map((v) => `${encode(k)}=${encode(v)}`)).join('&');
}

function duoHeadersHash(headers: SignedRequest['headers']): string {
  const duo = Object.entries(headers)
    .filter(([k, v]) => k.toLowerCase().startsWith('x-duo-') && typeof v === 'string')
    .map(([k, v]) => [k.toLowerCase(), String(v).trim()] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return sha512(duo.flat().join('\x00'));
}

export function verifyDuoSignature(
  req: SignedRequest,
  credentials: { ikey: string; skey: string },
  nowMs: number,
): SignatureCheck {
  const date = typeof req.headers.date === 'string' ? req.headers.date : '';
  const auth = typeof req.headers.authorization === 'string' ? req.headers.authorization : '';
  if (!auth.startsWith('Basic ')) return { ok: false, code: 40101, message: 'Missing request credentials' };
  if (date === '') return { ok: false, code: 40104, message: 'Missing request timestamp' };
  const at = Date.parse(date);
  if (!Number.isFinite(at) || Math.abs(at - nowMs) > SKEW_MS) {
    return { ok: false, code: 40105, message: 'Request timestamp is too far from the current time' };
  }
  const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const ikey = colon < 0 ? decoded : decoded.slice(0, colon);
  const given = colon < 0 ? '' : decoded.slice(colon + 1);
  if (ikey !== credentials.ikey)
    return { ok: false, code: 40102, message: 'Invalid integration key in request credentials' };

  const head = [date, req.method.toUpperCase(), req.host.toLowerCase(), req.path];
  const jsonBody = req.method === 'POST' && req.contentType.startsWith('application/json');
  const candidates: { version: 2 | 5; canon: string }[] = [];
  if (!jsonBody) candidates.push({ version: 2, canon: [...head, canonicalParams(req.params)].join('\n') });
  const v5Params = jsonBody ? new URLSearchParams() : req.params;
  candidates.push({
    version: 5,
    canon: [...head, canonicalParams(v5Params), sha512(jsonBody ? req.body : ''), duoHeadersHash(req.headers)].join(
      '\n',
    ),
  });
  for (const c of candidates) {
    const expected = createHmac('sha512', credentials.skey).update(c.canon, 'utf8').digest('hex');
    if (given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
      return { ok: true, version: c.version };
    }
  }
  return { ok: false, code: 40103, message: 'Invalid signature in request credentials' };
}
