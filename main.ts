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
import { NanitorMetrics } from './src/adapters/nanitor/nanitor-metrics.js';
import { TheHiveTicketing } from './src/adapters/thehive/thehive-client.js';
import { DeferredPhone } from './src/adapters/twilio/deferred-phone.js';
import { ConfigError } from './src/config/config-error.js';
import { type Config, loadConfig, loadDotEnv, secretsOf } from './src/config/env.js';
import { type ConfirmFeatureOptions, createConfirmFeature } from './src/confirm/feature.js';
import { DUO_CALLBACK_PATH } from './src/confirm/http-routes.js';
import { type Clock, systemClock } from './src/core/ports.js';
import { createDigestFeature } from './src/digest/index.js';
import type { Feature, FeatureDeps } from './src/feature.js';
import { createHomeFeature } from './src/home/feature.js';
import type { HomePublisherOptions } from './src/home/publisher.js';
import { registerHealth } from './src/http/health.js';
import { HttpServer } from './src/http/server.js';
import { createLogger, registerSecrets } from './src/log.js';
import { addMetricSources } from './src/metrics/metrics.js';
import {
  measureNanitor,
  measurePhone,
  measurePush,
  measureSecondFactor,
  measureTicketing,
} from './src/metrics/ports.js';
import { registerMetricsRoute } from './src/metrics/route.js';
import { countSlackCalls } from './src/metrics/slack-calls.js';
import { pendingConfirmationsIn } from './src/metrics/sources.js';
import { createOnCallFeature, type OnCallFeature } from './src/oncall/feature.js';
import { ackStoreProvider, onCallServiceProvider } from './src/oncall/home-providers.js';
import { TWILIO_GATHER_PATH } from './src/oncall/twilio-paths.js';
import { Outbox } from './src/outbox/outbox.js';
import type { SenderTuning } from './src/outbox/sender.js';
import { createSlaFeature } from './src/sla/feature.js';
import { TWILIO_STATUS_PATH } from './src/sla/twilio-status-route.js';
import { createSlackApp } from './src/slack/app.js';
import { registerDirectMessages, registerMentions } from './src/slack/listeners/direct-messages.js';
import { Responders } from './src/slack/responders.js';
import { nodeVersionProblem } from './src/startup/node-version.js';
import { pagingWarnings } from './src/startup/paging-reach.js';
import {
  explainSlackAuthError,
  type SlackTokens,
  slackAuthErrorOf,
  slackUnreachableOf,
} from './src/startup/slack-errors.js';
import { explainStartupFailure, watchSlackReachability } from './src/startup/startup-failure.js';
import { openDatabase } from './src/store/db.js';
import { LeaseKeeper } from './src/store/leases.js';
import { migrateLatest, SchemaError } from './src/store/migrate.js';

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
  /** overrides LEASE_TTL_SECONDS (tests: shorter) */
  leaseTtlMs?: number;
  /** confirmation tuning (tests shorten the periodic sweep and retry waits) */
  confirm?: Pick<ConfirmFeatureOptions, 'sweepIntervalMs' | 'lookupRetry' | 'pushTuning' | 'maxProcessing'>;
  /** bound on one Duo auth_status long poll (tests: short) */
  duoStatusTimeoutMs?: number;
  /** how long start-up waits for Slack before going on without it (default 10 s) */
  slackStartWaitMs?: number;
  /** identifies this replica in leases and logs */
  replicaId?: string;
  /** Home tab publishing pace (tests and the bench shorten the debounce) */
  home?: HomePublisherOptions;
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
  // Opaque: /healthz shows it to anyone. The lease log lines say which host and pid it is.
  const replicaId = options.replicaId ?? `replica-${randomUUID().slice(0, 8)}`;

  const db = openDatabase(config.databaseUrl);
  const applied = await migrateLatest(db);
  if (applied.length) logger.info('migrations applied', { applied });

  // Metrics: every Slack call is counted at the WebClient (hooked before any client exists, since
  // clients bind their methods when built); vendor ports are measured as they are built below.
  countSlackCalls({
    digest: config.slack.digestChannel,
    alerts: config.slack.alertsChannel,
    escalation: config.slack.escalationChannel,
  });
  const slack = createSlackApp({
    botToken: config.slack.botToken,
    appToken: config.slack.appToken,
    apiUrl: config.slack.apiUrl,
    logger,
    retryConfig: options.slackRetry,
    socketRetryConfig: options.socketRetry,
  });
  const { app } = slack;
  const twilio = config.twilio;
  const phone = twilio
    ? measurePhone(
        new DeferredPhone(
          async () =>
            new (await import('./src/adapters/twilio/twilio-phone.js')).TwilioPhone({
              ...twilio,
              statusCallbackUrl: `${config.publicUrl}${TWILIO_STATUS_PATH}`,
              gatherUrl: `${config.publicUrl}${TWILIO_GATHER_PATH}`,
              logger,
            }),
        ),
      )
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
    // host:pid:… lets a restarted sender on this host see at once that a claim's owner is gone;
    // its own random part keeps two bots in one process (tests) or one replica id apart.
    replicaId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
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
  const lease = new LeaseKeeper(db, 'scheduler', replicaId, clock, logger, options.leaseTtlMs ?? config.leaseTtlMs);
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

  // Adapters: each is null when its integration is not configured. The Duo and Twilio SDKs
  // are loaded only when configured: together they cost about 50 MB and 300 ms at start
  // (Twilio's once the bot is up, see DeferredPhone).
  const duo = config.duo;
  const secondFactor = duo
    ? measureSecondFactor(
        new (await import('./src/adapters/duo/duo-second-factor.js')).DuoSecondFactor({
          ...duo,
          caFile: duo.caFile ?? undefined,
          redirectUrl: `${config.publicUrl}${DUO_CALLBACK_PATH}`,
          logger,
        }),
      )
    : null;
  const duoPush = config.duoAuthApi
    ? measurePush(
        new (await import('./src/adapters/duo/duo-push.js')).DuoPush({
          ...config.duoAuthApi,
          maxSockets: 512,
          statusTimeoutMs: options.duoStatusTimeoutMs,
        }),
      )
    : null;
  const hive = config.thehive;
  const ticketing = hive
    ? measureTicketing(new TheHiveTicketing({ ...hive, organisation: hive.organisation ?? undefined, logger }))
    : null;
  const metrics = config.nanitor ? measureNanitor(new NanitorMetrics({ ...config.nanitor, logger })) : null;

  // Home tab first: the features tell it (deps.home) whose Home changed.
  // The on-call feature is built after the Home (it signals deps.home), so the Home asks it lazily.
  let oncallFeature: OnCallFeature | null = null;
  const home = createHomeFeature(deps, {
    hiveConfigured: ticketing !== null,
    oncall: {
      current: async (now) => (oncallFeature ? onCallServiceProvider(oncallFeature.service).current(now) : null),
    },
    acks: {
      forAlerts: async (ids, now) =>
        oncallFeature ? ackStoreProvider(oncallFeature.acks).forAlerts(ids, now) : new Map(),
    },
    publisher: options.home,
  });
  deps.home = home.signals;

  // Each feature is always created: one that is not configured says so once at
  // start and answers its commands honestly instead of pretending to work.
  const confirm = createConfirmFeature(deps, { secondFactor, push: duoPush, replicaId, ...options.confirm });
  const oncall = createOnCallFeature(deps, { phone, twilioAuthToken: config.twilio?.authToken });
  oncallFeature = oncall;
  const features: Feature[] = [
    home,
    confirm,
    createSlaFeature(deps, {
      ticketing,
      phone,
      twilioAuthToken: config.twilio?.authToken,
      ack: oncall.slackAck,
      oncall: oncall.link,
    }),
    oncall,
  ];
  features.push(createDigestFeature(deps, { metrics, activitySources: () => features, ask: confirm.intake }));

  // Count handlers in flight so shutdown can let them finish (and the events acked but not yet started).
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
  registerHealth(http, { db, slack: slack.connection, replica: replicaId, lease, duo: () => confirm.duoPushHealth() });
  registerMetricsRoute(http, config.metricsToken);
  const removeMetricSources = addMetricSources({
    pendingConfirmations: pendingConfirmationsIn(db),
    outboxDepth: () => outbox.depth(),
    leases: () => ({ [lease.name]: lease.isHeld() }),
  });
  for (const f of features) f.registerHttp?.(http);

  const port = await http.listen(config.port, options.host);
  // Paging must not depend on Slack: the store, lease, schedulers and the outbox start whether
  // or not Slack answers; Slack connects in the background (its messages wait in the outbox).
  const slackWatch = watchSlack(app, slack.connection, logger, config.slack);
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
  logger.info('secops-bot started', {
    port,
    replica: replicaId,
    host: hostname(),
    pid: process.pid,
    leader: lease.isHeld(),
    features: features.map((f) => f.name),
  });
  phone?.warm((err) => logger.error('twilio: the SDK could not be loaded; SMS and calls fail', { err }));

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
      while ((inFlight > 0 || slack.queuedEvents() > 0) && left() > 2000) await new Promise((r) => setTimeout(r, 20));
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
      removeMetricSources();
      duoPush?.close();
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
function watchSlack(
  app: App,
  connection: () => string,
  logger: Logger,
  tokens: SlackTokens,
): { connected: Promise<void>; stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const start = async () => {
    while (!stopped) {
      try {
        await app.init();
        await app.start();
        return;
      } catch (err) {
        const refused = slackAuthErrorOf(err);
        if (refused) fail(`start-up failed: ${await explainSlackAuthError(refused, tokens)}`);
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
  const tooOld = nodeVersionProblem(process.versions.node);
  if (tooOld) fail(tooOld);
  let config: Config;
  try {
    loadDotEnv();
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(`config error: ${err.message}`);
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  process.on('unhandledRejection', (err) => void onUnhandledRejection(err, config, logger));
  // After an uncaught exception the process state is unknown: log it and exit, and let
  // systemd/Docker restart us; all state is in the database, so nothing is lost.
  process.on('uncaughtException', (err) => {
    logger.error('uncaught exception; exiting', { err });
    setTimeout(() => process.exit(1), 100).unref();
  });
  for (const warning of pagingWarnings(config, process.env.POLICY_FILE)) logger.warn(warning, { component: 'startup' });
  let bot: Bot;
  const stopWatching = watchSlackReachability(config.slack.apiUrl, logger);
  try {
    bot = await createBot(config, { ...options, logger });
  } catch (err) {
    // A database that cannot be reached fails the migrations first: name DATABASE_URL, not the schema.
    const line = await explainStartupFailure(err instanceof SchemaError ? (err.cause ?? err) : err, config);
    if (line) fail(`start-up failed: ${line}`);
    if (err instanceof SchemaError) fail(`start-up failed: database schema: ${err.message}`);
    logger.error('start-up failed', { err });
    process.exit(1);
  } finally {
    stopWatching();
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

/** Start-up failures that cannot heal: one line on stderr, exit 1, no stack trace. */
function fail(line: string): never {
  console.error(line);
  process.exit(1);
}

/** Bolt checks the bot token in the background (auth.test), so a refused one arrives here. */
async function onUnhandledRejection(err: unknown, config: Config, logger: Logger): Promise<void> {
  const slack = slackAuthErrorOf(err);
  if (slack) fail(`start-up failed: ${await explainSlackAuthError(slack, config.slack)}`);
  const unreachable = slackUnreachableOf(err, config.slack.apiUrl);
  if (unreachable) logger.warn(`Slack could not be reached to check SLACK_BOT_TOKEN: ${unreachable}`);
  else logger.error('unhandled rejection', { err });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) void main();
