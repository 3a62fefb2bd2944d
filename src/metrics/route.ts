import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpResponse, HttpServer } from '../http/server.js';
import { registry } from './metrics.js';

/**
 * GET /metrics in the Prometheus text format. With a token (METRICS_TOKEN) a scrape must send
 * `Authorization: Bearer <token>`; without one the route is open, for a port only the
 * monitoring network reaches.
 */
export function registerMetricsRoute(http: HttpServer, token: string | null): void {
  const expected = token === null ? null : digest(token);
  http.route('GET', '/metrics', async (req): Promise<HttpResponse> => {
    if (expected !== null) {
      const header = req.headers.authorization ?? '';
      const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
      // Compare digests: equal length, so the comparison time says nothing about the token.
      if (!timingSafeEqual(digest(given), expected)) {
        return { status: 401, headers: { 'www-authenticate': 'Bearer' }, body: { error: 'unauthorized' } };
      }
    }
    return { status: 200, headers: { 'content-type': registry.contentType }, body: await registry.metrics() };
  });
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
