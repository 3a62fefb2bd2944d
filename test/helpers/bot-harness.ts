import { type Bot, type BotOptions, createBot } from '../../main.js';
import { type Config, type Env, loadConfig } from '../../src/config/env.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { SlackSimulator, type SlackSimulatorOptions } from '../../src/sandbox/slack/index.js';
import { freshSqlite, type TestStore } from './stores.js';

export interface Harness {
  sim: SlackSimulator;
  store: TestStore;
  config: Config;
  bot: Bot;
  /** base URL of the bot's HTTP server */
  url: string;
  /** stop the bot (as on SIGTERM) and start a new process-equivalent on the same DB and simulator */
  restart(overrides?: Env): Promise<void>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  env?: Env;
  store?: TestStore;
  sim?: SlackSimulator;
  simOptions?: SlackSimulatorOptions;
  botOptions?: BotOptions;
}

/** Logs are silent in tests unless TEST_LOG_LEVEL is set (e.g. TEST_LOG_LEVEL=debug npm test). */
export function testLogger() {
  return process.env.TEST_LOG_LEVEL ? createLogger({ level: process.env.TEST_LOG_LEVEL, json: false }) : silentLogger();
}

export function baseEnv(sim: SlackSimulator, store: TestStore): Env {
  return {
    SLACK_BOT_TOKEN: sim.botToken,
    SLACK_APP_TOKEN: sim.appToken,
    SLACK_API_URL: sim.apiUrl,
    SLACK_ESCALATION_CHANNEL: 'C0ESCAL',
    SLACK_ALERTS_CHANNEL: 'C0ALERTS',
    SLACK_DIGEST_CHANNEL: 'C0DIGEST',
    DATABASE_URL: store.url,
    PORT: '0',
    TZ: 'UTC',
    LOG_LEVEL: 'error',
  };
}

/**
 * The real bot (createBot from main.ts, real Bolt in Socket Mode, real store) against
 * the Slack simulator, in-process. Features are configured through `env` exactly as an
 * operator would configure them.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const sim = options.sim ?? (await SlackSimulator.start(options.simOptions));
  const store = options.store ?? (await freshSqlite());
  let env: Env = { ...baseEnv(sim, store), ...options.env };
  const botOptions: BotOptions = {
    logger: testLogger(),
    host: '127.0.0.1',
    slackRetry: { retries: 0 },
    perChannelIntervalMs: 0,
    // The outbox retries within a test's patience; claims of a "dead" sender expire in seconds.
    outbox: { pollMs: 50, backoffMs: 100, maxBackoffMs: 1000, claimTtlMs: 15_000, phoneIntervalMs: 0 },
    leaseTtlMs: 3000,
    socketRetry: { retries: 200, factor: 1, minTimeout: 100, maxTimeout: 100 },
    ...options.botOptions,
  };
  let config = loadConfig(env);
  let bot = await createBot(config, botOptions);
  const harness: Harness = {
    sim,
    store,
    get config() {
      return config;
    },
    get bot() {
      return bot;
    },
    get url() {
      return `http://127.0.0.1:${bot.port}`;
    },
    async restart(overrides: Env = {}) {
      await bot.stop();
      env = { ...env, ...overrides };
      config = loadConfig(env);
      bot = await createBot(config, botOptions);
    },
    async stop() {
      await bot.stop();
      if (!options.sim) await sim.stop();
      if (!options.store) await store.drop();
    },
  };
  return harness;
}
