/**
 * Composition root: config → logger → store → Slack → features → HTTP → start.
 * This is the only place that constructs adapters; everything else receives its
 * dependencies. Tests import `createBot` and run the real thing in-process.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { App } from '@slack/bolt';
import { type RetryOptions, WebClient } from '@slack/web-api';
import type { Logger } from 'winston';
import { DuoSecondFactor } from './src/adapters/duo/duo-second-factor.js';
import { NanitorMetrics } from './src/adapters/nanitor/nanitor-metrics.js';
import { TheHiveTicketing } from './src/adapters/thehive/thehive-client.js';
import { TwilioPhone } from './src/adapters/twilio/twilio-phone.js';
import { ConfigError } from './src/config/config-error.js';
import { type Config, loadConfig, loadDotEnv, secretsOf } from './src/config/env.js';
import { type ConfirmFeatureOptions, createConfirmFeature } from './src/confirm/feature.js';
import { DUO_CALLBACK_PATH } from './src/confirm/http-routes.js';
import { type Clock, systemClock } from './src/core/ports.js';
import { createDigestFeature } from './src/digest/index.js';
import type { Feature, FeatureDeps } from './src/feature.js';
import { registerHealth } from './src/http/health.js';
import { HttpServer } from './src/http/server.js';
import { createLogger, registerSecrets } from './src/log.js';
import { Outbox } from './src/outbox/outbox.js';
import type { SenderTuning } from './src/outbox/sender.js';
import { createSlaFeature } from './src/sla/feature.js';
import { TWILIO_STATUS_PATH } from './src/sla/twilio-status-route.js';
import { createSlackApp } from './src/slack/app.js';
import { registerDirectMessages, registerMentions } from './src/slack/listeners/direct-messages.js';
import { Responders } from './src/slack/responders.js';
import { openDatabase } from './src/store/db.js';
import { LeaseKeeper } from './src/store/leases.js';
import { migrateLatest } from './src/store/migrate.js';

export interface BotOptions {
  logger?: Logger;
  clock?: Clock;
  /** interface to bind the HTTP server to */
  host?: string;
  /** Slack Web API retries (tests: {retries: 0}) */
  slackRetry?: RetryOptions;
  /** retries of apps.connections.open while reconnecting (tests: short waits) */
  socketRetry?: RetryOptions;
  /** gap between two messages to one channel */
  perChannelIntervalMs?: number;
  /** outbox sender tuning (tests shorten the poll, claim and back-off) */
  outbox?: Partial<SenderTuning>;
  /** how long a scheduler lease lasts before another replica may take it over */
  leaseTtlMs?: number;
  /** confirmation tuning (tests shorten the periodic sweep and retry waits) */
  confirm?: Pick<ConfirmFeatureOptions, 'sweepIntervalMs' | 'retryDelaysMs'>;
  /** how long start-up waits for Slack before going on without it (default 10 s) */
  slackStartWaitMs?: number;
  /** identifies this replica in leases and logs */
  replicaId?: string;
}

export interface Bot {
  /** the HTTP port actually bound (PORT=0 picks a free one) */
  port: number;
  replicaId: string;
  deps: FeatureDeps;
  stop(): Promise<void>;
}

/** How long stop() may take before it leaves the rest to the outbox (main() exits at 5 s). */
const STOP_BUDGET_MS = 4000;

export async function createBot(config: Config, options: BotOptions = {}): Promise<Bot> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  registerSecrets(secretsOf(config));
  const clock = options.clock ?? systemClock;
  const replicaId = options.replicaId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  const db = openDatabase(config.databaseUrl);
  const applied = await migrateLatest(db);
  if (applied.length) logger.info('migrations applied', { applied });

  const slack = createSlackApp({
    botToken: config.slack.botToken,
    appToken: config.slack.appToken,
    apiUrl: config.slack.apiUrl,
    logger,
    retryConfig: options.slackRetry,
    socketRetryConfig: options.socketRetry,
  });
  const { app } = slack;
  const phone = config.twilio
    ? new TwilioPhone({ ...config.twilio, statusCallbackUrl: `${config.publicUrl}${TWILIO_STATUS_PATH}`, logger })
    : null;
  // The outbox retries and paces itself and must see every 429, so its client never retries.
  const slackSender = new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 15_000,
    logger: app.logger,
  });
  const outbox = new Outbox({
    db,
    replicaId,
    clock,
    logger,
    slackSender,
    slackReader: app.client,
    phone,
    tuning: {
      ...(options.perChannelIntervalMs === undefined ? {} : { slackPostIntervalMs: options.perChannelIntervalMs }),
      ...options.outbox,
    },
  });
  const lease = new LeaseKeeper(db, 'scheduler', replicaId, clock, logger, options.leaseTtlMs);
  const responders = new Responders(app.client, config.slack.alertsChannel, config.slack.responders, logger);
  const deps: FeatureDeps = {
    config,
    db,
    logger,
    clock,
    slack: app.client,
    outbox,
    lease,
    responders,
  };

  // Adapters: each is null when its integration is not configured.
  const duo = config.duo;
  const secondFactor = duo
    ? new DuoSecondFactor({
        ...duo,
        caFile: duo.caFile ?? undefined,
        redirectUrl: `${config.publicUrl}${DUO_CALLBACK_PATH}`,
        logger,
      })
    : null;
  const hive = config.thehive;
  const ticketing = hive
    ? new TheHiveTicketing({ ...hive, organisation: hive.organisation ?? undefined, logger })
    : null;
  const metrics = config.nanitor ? new NanitorMetrics({ ...config.nanitor, logger }) : null;

  // Each feature is always created: one that is not configured says so once at
  // start and answers its commands honestly instead of pretending to work.
  const features: Feature[] = [
    createConfirmFeature(deps, { secondFactor, ...options.confirm }),
    createSlaFeature(deps, { ticketing, phone, twilioAuthToken: config.twilio?.authToken }),
  ];
  features.push(createDigestFeature(deps, { metrics, activitySources: () => features }));

  // Count handlers in flight so shutdown can let them finish.
  let inFlight = 0;
  app.use(async ({ next }) => {
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  });
  app.error(async (err) => {
    // One failing handler is logged; it never takes the process down.
    logger.error('slack handler failed', { component: 'slack', err });
  });

  const helpText = () =>
    [
      "*I'm the security operations bot.* In a DM you can say:",
      '• `hi` — say hello',
      '• `help` — this message',
      ...features.flatMap((f) => f.helpLines ?? []),
    ].join('\n');
  registerDirectMessages(app, { logger, helpText, handlers: features.flatMap((f) => f.dmHandlers ?? []) });
  registerMentions(app, { helpText });
  for (const f of features) f.registerSlack?.(app);

  const http = new HttpServer(logger.child({ component: 'http' }));
  registerHealth(http, { db, slack: slack.connection, replica: replicaId, lease: () => lease.isHeld() });
  for (const f of features) f.registerHttp?.(http);

  const port = await http.listen(config.port, options.host);
  // Paging must not depend on Slack: the store, lease, schedulers and the outbox start whether
  // or not Slack answers; Slack connects in the background (its messages wait in the outbox).
  const slackWatch = watchSlack(app, slack.connection, logger);
  await lease.start();
  for (const f of features) {
    await f.start?.();
  }
  outbox.start();
  // Returns once Slack is connected, as before, unless Slack stays away: then it goes on without it.
  await Promise.race([
    slackWatch.connected,
    new Promise((r) => setTimeout(r, options.slackStartWaitMs ?? SLACK_START_WAIT_MS).unref()),
  ]);
  logger.info('secops-bot started', { port, replica: replicaId, features: features.map((f) => f.name) });

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      logger.info('stopping');
      // Everything below shares one budget so a SIGTERM under load ends well within 5 s; what
      // is still queued stays in the outbox for the next start.
      const deadline = Date.now() + STOP_BUDGET_MS;
      const left = () => Math.max(0, deadline - Date.now());
      // Stop taking work first: no new connections (requests already in progress may finish).
      const httpClosed = http.close().catch((err: unknown) => logger.warn('http close failed', { err }));
      slackWatch.stop();
      await Promise.race([
        app.stop().catch((err: unknown) => logger.warn('slack stop failed', { err })),
        new Promise((r) => setTimeout(r, 1000).unref()),
      ]);
      while (inFlight > 0 && left() > 2000) await new Promise((r) => setTimeout(r, 20));
      // The outbox stops taking rows at once and its sends in flight get most of the budget (a
      // send cut off before it is recorded would be repeated by the next sender).
      const outboxStopped = outbox.stop(Math.max(0, left() - 500));
      await Promise.race([
        Promise.allSettled(
          [...features]
            .reverse()
            .map((f) =>
              f.stop?.().catch((err: unknown) => logger.warn('feature stop failed', { feature: f.name, err })),
            ),
        ),
        new Promise((r) => setTimeout(r, Math.max(0, left() - 1500)).unref()),
      ]);
      await outboxStopped;
      await lease.stop();
      await Promise.race([httpClosed, new Promise((r) => setTimeout(r, left()).unref())]);
      await db.destroy();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { port, replicaId, deps, stop };
}

/** How often one line says why Slack is unreachable, while it is. */
const SLACK_REPORT_MS = 60_000;
/** How long start-up waits for Slack before going on without it (paging never waits for it). */
const SLACK_START_WAIT_MS = 10_000;

/**
 * Starts Bolt until it connects, without holding up the rest of the bot, and while Slack is
 * unreachable says once a minute why (DNS, refused, a rejected token), from a direct probe: the
 * socket client's own retries only say "fetch failed".
 */
function watchSlack(app: App, connection: () => string, logger: Logger): { connected: Promise<void>; stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const start = async () => {
    while (!stopped) {
      try {
        await app.start();
        return;
      } catch (err) {
        logger.error('slack: could not connect; retrying', { component: 'slack', cause: slackCause(err) });
        await new Promise((r) => setTimeout(r, 5000).unref());
      }
    }
  };
  const connected = start();
  const report = async () => {
    if (stopped || connection() === 'connected') return;
    const cause = await app.client.auth.test().then(
      () => 'the Web API answers, but the Socket Mode connection is down (check SLACK_APP_TOKEN)',
      (err: unknown) => slackCause(err),
    );
    logger.error(`slack: unreachable; SMS and calls still go out, Slack messages wait in the outbox: ${cause}`, {
      component: 'slack',
    });
  };
  timer = setInterval(() => void report(), SLACK_REPORT_MS);
  timer.unref();
  return {
    connected,
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
    },
  };
}

/** The one cause an operator can act on, from the error chain. */
function slackCause(err: unknown): string {
  const seen = new Set<unknown>();
  for (
    let e = err as { code?: string; message?: string; cause?: unknown; data?: { error?: string } } | undefined;
    e && !seen.has(e);
    e = e.cause as typeof e
  ) {
    seen.add(e);
    if (e.data?.error) return `Slack refused the bot token (SLACK_BOT_TOKEN): ${e.data.error}`;
    if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `DNS lookup failed (${e.code}) for SLACK_API_URL`;
    if (e.code === 'ECONNREFUSED') return 'connection refused by SLACK_API_URL';
    if (e.code === 'ETIMEDOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT') return 'connection to SLACK_API_URL timed out';
  }
  return String((err as Error)?.message ?? err).slice(0, 200);
}

/** The process entry point; tests run it in a child process with `options` (short tunings). */
export async function main(options: Omit<BotOptions, 'logger'> = {}): Promise<void> {
  loadDotEnv();
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`config error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  process.on('unhandledRejection', (err) => logger.error('unhandled rejection', { err }));
  // After an uncaught exception the process state is unknown: log it and exit, and let
  // systemd/Docker restart us; all state is in the database, so nothing is lost.
  process.on('uncaughtException', (err) => {
    logger.error('uncaught exception; exiting', { err });
    setTimeout(() => process.exit(1), 100).unref();
  });
  let bot: Bot;
  try {
    bot = await createBot(config, { ...options, logger });
  } catch (err) {
    logger.error('start-up failed', { err });
    process.exit(1);
  }
  const shutdown = (signal: string) => {
    logger.info('signal received', { signal });
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 5 s; exiting');
      process.exit(1);
    }, 5000);
    force.unref();
    void bot.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) void main();
