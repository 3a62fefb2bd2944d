import type { SlackConnection } from '../slack/app.js';
import { type Db, pingDatabase } from '../store/db.js';
import type { LeaseKeeper } from '../store/leases.js';
import { withTimeout } from '../with-timeout.js';
import type { HttpServer } from './server.js';

/**
 * 200 only when both the database answers and the Slack socket is connected. The body names
 * replicas by their opaque ids only: host names and pids are for the logs, not for anyone
 * who can reach the port.
 */
export function registerHealth(
  http: HttpServer,
  deps: {
    db: Db;
    slack: () => SlackConnection;
    replica: string;
    lease: Pick<LeaseKeeper, 'isHeld' | 'holderNow'>;
    /** Duo Push: degraded is reported, but the bot is still up (a "yes" is then escalated as unverified) */
    duo?: () => 'off' | 'checking' | 'ok' | 'degraded';
  },
): void {
  http.route('GET', '/healthz', async () => {
    let db = 'ok';
    try {
      await withTimeout(pingDatabase(deps.db), 2000);
    } catch {
      db = 'down';
    }
    const slack = deps.slack();
    const ok = db === 'ok' && slack === 'connected';
    // Leading needs a lease renewed recently and a database that answers now.
    const leader = db === 'ok' && deps.lease.isHeld();
    return {
      status: ok ? 200 : 503,
      body: {
        status: ok ? 'ok' : 'degraded',
        db,
        slack,
        ...(deps.duo ? { duo: deps.duo() } : {}),
        replica: deps.replica,
        leader,
        leaseHolder: db === 'ok' ? deps.lease.holderNow() : null,
      },
    };
  });
}
