import type { Logger } from 'winston';
import type { Config } from '../config/env.js';
import { explainDatabaseError } from './database-errors.js';
import { explainSlackAuthError, slackAuthErrorOf, slackUnreachableCause } from './slack-errors.js';

/**
 * One line for a failure that ends start-up (the database, a refused Slack token, a taken port), or null when
 * the failure is not one we recognise and the caller should log it whole.
 */
export async function explainStartupFailure(err: unknown, config: Config): Promise<string | null> {
  const db = explainDatabaseError(err, config.databaseUrl);
  if (db) return db;
  const slack = slackAuthErrorOf(err);
  if (slack) return explainSlackAuthError(slack, config.slack);
  const e = err as { code?: string; syscall?: string } | null;
  if (e?.code === 'EADDRINUSE' && e.syscall === 'listen')
    return `PORT ${config.port} is already in use: stop what listens there or choose another PORT`;
  if (e?.code === 'EACCES' && e.syscall === 'listen')
    return `PORT ${config.port} may not be opened by this user: choose a PORT above 1023`;
  return null;
}

export interface SlackWatchOptions {
  /** first look, so a start against a reachable Slack says nothing */
  firstAfterMs?: number;
  everyMs?: number;
}

/**
 * While start-up waits for Slack, says every minute why Slack cannot be reached (the Slack clients keep
 * retrying on their own). Returns a function that stops the watch.
 */
export function watchSlackReachability(apiUrl: string, logger: Logger, options: SlackWatchOptions = {}): () => void {
  const { firstAfterMs = 2000, everyMs = 60_000 } = options;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const look = async () => {
    const cause = await slackUnreachableCause(apiUrl);
    if (stopped) return;
    if (cause) {
      logger.warn(
        `Slack is unreachable at SLACK_API_URL (${apiUrl}): ${cause}; still trying. ` +
          'Check the network, a proxy, or SLACK_API_URL.',
        { component: 'startup' },
      );
    }
    timer = setTimeout(look, everyMs);
    timer.unref();
  };
  timer = setTimeout(look, firstAfterMs);
  timer.unref();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
