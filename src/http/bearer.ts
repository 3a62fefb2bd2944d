import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * A check of `Authorization: Bearer <token>` against the configured token. Digests are compared,
 * not the strings: equal lengths, so the comparison time says nothing about the token, not even
 * its length. The scheme is case-insensitive (RFC 7235) and the header is read without a regular
 * expression: it is attacker-controlled text.
 */
export function bearerCheck(token: string): (header: string | undefined) => boolean {
  const expected = digest(token);
  return (header) => {
    const given = bearerToken(header ?? '');
    return given !== null && timingSafeEqual(digest(given), expected);
  };
}

export function bearerToken(header: string): string | null {
  if (header.length < 7 || header.slice(0, 6).toLowerCase() !== 'bearer') return null;
  const rest = header.slice(6);
  if (rest.trimStart() === rest) return null;
  const token = rest.trim();
  return token === '' ? null : token;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
