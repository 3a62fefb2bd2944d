import { App, SocketModeReceiver } from '@slack/bolt';
import type { RetryOptions } from '@slack/web-api';
import type { Logger } from 'winston';
import { boltLogger } from './bolt-logger.js';

export type SlackConnection = 'connecting' | 'connected' | 'disconnected';

export interface SlackApp {
  app: App;
  receiver: SocketModeReceiver;
  connection(): SlackConnection;
  /** events acked but not yet handed to Bolt (shutdown waits for them) */
  queuedEvents(): number;
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

  const queuedEvents = ackEventsOnArrival(receiver, options.logger);

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
  return { app, receiver, connection: () => state, queuedEvents };
}

interface SocketModeEventArgs {
  type: string;
  body?: { event?: { type?: string } };
  ack: (response?: Record<string, unknown>) => Promise<void>;
}

/**
 * Bolt acknowledges an Events API envelope itself, but only after its processing has started,
 * so in a burst each ack waits for the work of the envelopes that arrived before it; past 3 s
 * Slack redelivers and a busy bot gets busier. An event's ack carries no payload and Bolt sends
 * it whatever the listeners do, so it is sent here as the envelope arrives. The envelopes are
 * then processed in order, one per turn of the event loop, so that the envelopes still arriving
 * are read (and acked) between them rather than after the whole burst's work. Commands, clicks
 * and `function_executed` answer with their ack, and keep Bolt's.
 */
function ackEventsOnArrival(receiver: SocketModeReceiver, logger: Logger): () => number {
  const client = receiver.client;
  const bolt = client.listeners('slack_event') as ((args: SocketModeEventArgs) => Promise<void>)[];
  if (bolt.length !== 1) throw new Error('unexpected Socket Mode listeners: the Bolt receiver changed');
  const [boltListener] = bolt as [(args: SocketModeEventArgs) => Promise<void>];
  const queue: SocketModeEventArgs[] = [];
  const handle = (args: SocketModeEventArgs): void => {
    boltListener(args).catch((err: unknown) => logger.error('slack event failed', { component: 'slack', err }));
  };
  const processNext = (): void => {
    const next = queue.shift();
    if (!next) return;
    handle(next);
    if (queue.length > 0) setImmediate(processNext);
  };
  client.removeAllListeners('slack_event');
  client.on('slack_event', (args: SocketModeEventArgs) => {
    if (args.type !== 'events_api' || args.body?.event?.type === 'function_executed') {
      handle(args);
      return;
    }
    args.ack().catch((err: unknown) => logger.warn('slack event ack failed', { component: 'slack', err }));
    queue.push({ ...args, ack: async () => {} });
    if (queue.length === 1) setImmediate(processNext);
  });
  return () => queue.length;
}
