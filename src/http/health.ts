import type { SlackConnection } from '../slack/app.js';
import { type Db, pingDatabase } from '../store/db.js';
import type { LeaseKeeper } from '../store/leases.js';
import { withTimeout } from '../with-timeout.js';
import type { HttpServer } from './server.js';

/**
 * 200 while the database answers, 503 when it does not. Slack (or Duo) being away makes the bot
 * `degraded`, named in `degraded`, but still 200: SMS and calls go out without Slack and its
 * messages wait in the outbox, so an orchestrator must not restart a bot that is paging fine.
 * The body names replicas by their opaque ids only: host names and pids are for the logs, not
 * for anyone who can reach the port.
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
    const duo = deps.duo?.();
    const degraded = [...(slack === 'connected' ? [] : ['slack']), ...(duo === 'degraded' ? ['duo'] : [])];
    // Leading needs a lease renewed recently and a database that answers now.
    const leader = db === 'ok' && deps.lease.isHeld();
    return {
      status: db === 'ok' ? 200 : 503,
      body: {
        status: db !== 'ok' ? 'down' : degraded.length ? 'degraded' : 'ok',
        ...(degraded.length ? { degraded } : {}),
        db,
        slack,
        ...(duo === undefined ? {} : { duo }),
        replica: deps.replica,
        leader,
        leaseHolder: db === 'ok' ? deps.lease.holderNow() : null,
      },
    };
  });
}
