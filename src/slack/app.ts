import { App, SocketModeReceiver } from '@slack/bolt';
import type { RetryOptions } from '@slack/web-api';
import type { Logger } from 'winston';
import { boltLogger } from './bolt-logger.js';

export type SlackConnection = 'connecting' | 'connected' | 'disconnected';

export interface SlackApp {
  app: App;
  receiver: SocketModeReceiver;
  connection(): SlackConnection;
}

export interface SlackAppOptions {
  botToken: string;
  appToken: string;
  apiUrl: string;
  logger: Logger;
  /** Web API retries for network errors and 5xx; tests pass {retries: 0}. */
  retryConfig?: RetryOptions;
  /** retries of apps.connections.open when (re)connecting the socket */
  socketRetryConfig?: RetryOptions;
}

/**
 * Builds the Bolt app in Socket Mode. We construct the receiver ourselves so that
 * the Socket Mode client's connection state is visible to /healthz. Rate-limited
 * calls are rejected rather than retried inside the Web API client, because
 * SlackOutbox paces and retries per channel and must see the Retry-After itself.
 */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  const logger = boltLogger(options.logger);
  const clientOptions = {
    slackApiUrl: options.apiUrl,
    retryConfig: options.retryConfig ?? { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5000 },
    rejectRateLimitedCalls: true,
    timeout: 15_000,
  };
  const receiver = new SocketModeReceiver({
    appToken: options.appToken,
    logger,
    // Fetching a new socket URL gets its own, much more patient retry policy: the
    // Socket Mode client gives up reconnecting for good once this call fails.
    installerOptions: {
      clientOptions: {
        slackApiUrl: options.apiUrl,
        retryConfig: options.socketRetryConfig ?? { retries: 100, factor: 1.3, maxTimeout: 10_000 },
      },
    },
  });
  // No conversation store: nothing reads context.conversation, and its miss path builds an Error
  // (with a stack) for every incoming event.
  const app = new App({
    receiver,
    token: options.botToken,
    logger,
    clientOptions,
    ignoreSelf: true,
    convoStore: false,
    // Bolt checks the bot token once; in the constructor a failure (Slack down at start) would be
    // cached and every later event refused. Deferred, main.ts retries app.init() until it works.
    deferInitialization: true,
  });

  let state: SlackConnection = 'connecting';
  receiver.client.on('connected', () => {
    state = 'connected';
    options.logger.info('slack socket connected', { component: 'slack' });
  });
  for (const event of ['disconnected', 'reconnecting'] as const) {
    receiver.client.on(event, () => {
      if (state === 'connected') options.logger.warn(`slack socket ${event}`, { component: 'slack' });
      state = 'disconnected';
    });
  }
  return { app, receiver, connection: () => state };
}
