import { bearerCheck } from '../http/bearer.js';
import type { HttpResponse, HttpServer } from '../http/server.js';
import { registry } from './metrics.js';

/**
 * GET /metrics in the Prometheus text format. With a token (METRICS_TOKEN) a scrape must send
 * `Authorization: Bearer <token>`; without one the route is open, for a port only the
 * monitoring network reaches.
 */
export function registerMetricsRoute(http: HttpServer, token: string | null): void {
  const authorized = token === null ? null : bearerCheck(token);
  http.route('GET', '/metrics', async (req): Promise<HttpResponse> => {
    if (authorized !== null && !authorized(req.headers.authorization)) {
      return { status: 401, headers: { 'www-authenticate': 'Bearer' }, body: { error: 'unauthorized' } };
    }
    return { status: 200, headers: { 'content-type': registry.contentType }, body: await registry.metrics() };
  });
}
