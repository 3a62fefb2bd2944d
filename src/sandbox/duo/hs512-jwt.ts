/**
 * Minimal HS512 JWT signing and checking for the Duo simulator. Written on
 * node:crypto on purpose: the simulator must not share `jose` with the client
 * library it is testing, or a bug in one would hide in the other.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type JwtClaims = Record<string, unknown>;

export type JwtCheck = { ok: true; claims: JwtClaims } | { ok: false; reason: string };

export interface JwtExpectations {
  /** Seconds since epoch. */
  nowSeconds: number;
  /** Required `aud` (string, or an array containing it). */
  audience?: string;
  /** Required `iss`. */
  issuer?: string;
  /** Clock skew tolerated on `exp` / `iat`, as Duo's SDKs do. */
  leewaySeconds?: number;
}

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

function hmac(signingInput: string, secret: string): Buffer {
  return createHmac('sha512', secret).update(signingInput).digest();
}

export function signHs512(claims: JwtClaims, secret: string): string {
  const signingInput = `${base64url(JSON.stringify({ alg: 'HS512', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${base64url(hmac(signingInput, secret))}`;
}

function parseJsonSegment(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function verifyHs512(token: string, secret: string, expect: JwtExpectations): JwtCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'not a JWT' };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = parseJsonSegment(headerPart);
  // Pinning alg here is what stops "alg: none" and algorithm-confusion tokens.
  if (!isObject(header) || header.alg !== 'HS512') return { ok: false, reason: 'algorithm must be HS512' };

  const expected = hmac(`${headerPart}.${payloadPart}`, secret);
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'Failed to verify signature.' };
  }

  const claims = parseJsonSegment(payloadPart);
  if (!isObject(claims)) return { ok: false, reason: 'payload is not a JSON object' };

  const leeway = expect.leewaySeconds ?? 60;
  if (typeof claims.exp !== 'number') return { ok: false, reason: 'missing exp' };
  if (claims.exp + leeway < expect.nowSeconds) return { ok: false, reason: 'token has expired' };
  if (typeof claims.iat === 'number' && claims.iat - leeway > expect.nowSeconds) {
    return { ok: false, reason: 'token issued in the future' };
  }
  if (expect.issuer !== undefined && claims.iss !== expect.issuer) return { ok: false, reason: 'wrong iss' };
  if (expect.audience !== undefined) {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(expect.audience)) return { ok: false, reason: 'wrong aud' };
  }
  return { ok: true, claims };
}
