/**
 * `npm run sandbox`: the real bot on embedded SQLite against local simulators of Slack, Duo, Twilio,
 * TheHive and Nanitor, plus a browser page to play every role. The bot is configured through an
 * environment exactly as an operator would configure it; only the vendor URLs point here.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'winston';
import { parse } from 'yaml';
import { type Bot, createBot } from '../../main.js';
import { type Env, loadConfig } from '../config/env.js';
import { createLogger } from '../log.js';
import { nodeVersionProblem } from '../startup/node-version.js';
import { DuoSimulator } from './duo/duo-simulator.js';
import { NanitorSimulator } from './nanitor/nanitor-simulator.js';
import { botOnCallView } from './page/oncall-view.js';
import { type SandboxWorld, startPageServer } from './page/page-server.js';
import { botSlaView } from './page/sla-view.js';
import { pruneSandboxDatabases, sandboxDatabaseName } from './sandbox-data.js';
import { listen } from './sim-http.js';
import { SlackSimulator } from './slack/index.js';
import { TheHiveSimulator } from './thehive/thehive-simulator.js';
import { TwilioSimulator } from './twilio/twilio-simulator.js';

export interface SandboxOptions {
  /** Port of the page; 0 picks a free one. Default 3300, or any free port when 3300 is taken. */
  port?: number;
  /** Where the SQLite file goes. Default ./data */
  dataDir?: string;
  /** Level of the bot's and the sandbox's own logs. Default warn, so the URL line stands out. */
  logLevel?: string;
  /**
   * Interface the page and the bot listen on. Default 127.0.0.1: the sandbox acts for everyone on the page
   * and its REST API takes alerts, so it is not offered to the network unless asked (SANDBOX_HOST=0.0.0.0).
   */
  host?: string;
}

export interface Sandbox {
  /** The page, e.g. http://127.0.0.1:3300/ */
  url: string;
  /** The bot's HTTP server (health, REST API, Duo callback, Twilio webhooks). */
  botUrl: string;
  /** Bearer token of the bot's REST API, new for every run */
  apiToken: string;
  databaseFile: string;
  stop(): Promise<void>;
}

const DEFAULT_PAGE_PORT = 3300;
const HOST = '127.0.0.1';
const POLICY_FILE = fileURLToPath(new URL('./sandbox-policy.yaml', import.meta.url));
const MANIFEST_FILE = fileURLToPath(new URL('../../manifest.yaml', import.meta.url));

// Credentials exist only between the bot and the simulators on this machine; they have the shapes the
// vendors use so the same validation runs as in production.
const CREDENTIALS = {
  thehiveKey: 'sandbox-thehive-api-key',
  nanitorToken: 'sandbox-nanitor-api-token',
  twilioSid: `AC${'5a'.repeat(16)}`,
  twilioToken: 'sandbox-twilio-auth-token',
  twilioFrom: '+15550009999',
  duoClientId: 'DISANDBOX00000000000',
  duoClientSecret: 'sandbox-duo-client-secret-0000000000000x',
  duoAuthIkey: 'DISANDBOXPUSH0000000',
  duoAuthSkey: 'sandbox-duo-auth-api-secret-key-00000000',
};

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const logLevel = options.logLevel ?? 'warn';
  const logger = createLogger({ level: logLevel, json: false }).child({ component: 'sandbox' });
  const stack: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stack.reverse()) await stop().catch((err: unknown) => logger.warn('stop failed', { err }));
    stack.length = 0;
  };
  try {
    const world = await startSimulators(stack, logger);
    const dataDir = resolve(options.dataDir ?? 'data');
    mkdirSync(dataDir, { recursive: true });
    pruneSandboxDatabases(dataDir);
    const databaseFile = resolve(dataDir, sandboxDatabaseName(new Date()));
    const botPort = await freePort();
    const apiToken = randomBytes(18).toString('base64url');
    const env = botEnv(world, { databaseFile, botPort, logLevel, apiToken });
    // The simulated number's Messaging webhook, as an operator sets it in the Twilio console.
    world.twilio.setMessagingWebhook(`http://${HOST}:${botPort}/twilio/sms`);
    const config = loadConfig(env);
    const host = options.host ?? HOST;
    const bot: Bot = await createBot(config, { host });
    stack.push(() => bot.stop());
    // The page server and the simulators reach the bot here, whatever interface it listens on.
    const botUrl = `http://${HOST}:${bot.port}`;
    const page = await startPageServer({
      world,
      botUrl,
      policy: config.policy,
      port: options.port ?? (await portOrAny(DEFAULT_PAGE_PORT)),
      host,
      logger,
      slaView: botSlaView(bot.deps.db, config.policy),
      onCallView: botOnCallView(bot.deps.db, config.policy),
      botNumber: CREDENTIALS.twilioFrom,
    });
    stack.push(() => page.close());
    return { url: page.url, botUrl, apiToken, databaseFile, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function startSimulators(stack: Array<() => Promise<void>>, logger: Logger): Promise<SandboxWorld> {
  const slack = await SlackSimulator.start({ logger, slashCommands: declaredSlashCommands() });
  stack.push(() => slack.stop());
  const duo = await DuoSimulator.start({
    clientId: CREDENTIALS.duoClientId,
    clientSecret: CREDENTIALS.duoClientSecret,
    // Duo Push from the chat is the sandbox's default path; the phone panel answers the pushes.
    authApi: { ikey: CREDENTIALS.duoAuthIkey, skey: CREDENTIALS.duoAuthSkey },
  });
  stack.push(() => duo.stop());
  // Bob has no phone enrolled for push, so the sandbox shows the Universal Prompt fallback too.
  duo.authApi?.setPreauth('bob', { result: 'enroll' });
  // Status steps slow enough that the phone panel shows a call ringing before it completes.
  const twilio = await TwilioSimulator.start({
    accountSid: CREDENTIALS.twilioSid,
    authToken: CREDENTIALS.twilioToken,
    stepDelayMs: 800,
    // An answered call stays on the line long enough for a visitor to press a key on the phone panel.
    answeredCallMs: 45_000,
  });
  stack.push(() => twilio.stop());
  const thehive = await TheHiveSimulator.start({ apiKey: CREDENTIALS.thehiveKey });
  stack.push(() => thehive.stop());
  const nanitor = await NanitorSimulator.start({ apiToken: CREDENTIALS.nanitorToken, health: 0.93, p0: 2 });
  stack.push(() => nanitor.stop());
  return { slack, duo, twilio, thehive, nanitor };
}

/** The slash commands manifest.yaml declares: Slack's client refuses any other before the app sees it. */
function declaredSlashCommands(): string[] | undefined {
  if (!existsSync(MANIFEST_FILE)) return undefined;
  const manifest = parse(readFileSync(MANIFEST_FILE, 'utf8')) as {
    features?: { slash_commands?: { command: string }[] };
  };
  return (manifest.features?.slash_commands ?? []).map((c) => c.command);
}

/** What an operator would put in .env, pointing every vendor at its simulator. */
function botEnv(
  world: SandboxWorld,
  opts: { databaseFile: string; botPort: number; logLevel: string; apiToken: string },
): Env {
  const { slack, duo, twilio, thehive, nanitor } = world;
  return {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_APP_TOKEN: slack.appToken,
    SLACK_API_URL: slack.apiUrl,
    SLACK_ESCALATION_CHANNEL: 'C0ESCAL',
    SLACK_ALERTS_CHANNEL: 'C0ALERTS',
    SLACK_DIGEST_CHANNEL: 'C0DIGEST',
    DATABASE_URL: `sqlite:${opts.databaseFile}`,
    PORT: String(opts.botPort),
    PUBLIC_URL: `http://${HOST}:${opts.botPort}`,
    API_TOKEN: opts.apiToken,
    THEHIVE_URL: thehive.url,
    THEHIVE_API_KEY: CREDENTIALS.thehiveKey,
    NANITOR_BASE_URL: nanitor.baseUrl,
    NANITOR_API_TOKEN: CREDENTIALS.nanitorToken,
    DIGEST_SCHEDULE: '*/5 * * * *',
    TWILIO_ACCOUNT_SID: CREDENTIALS.twilioSid,
    TWILIO_AUTH_TOKEN: CREDENTIALS.twilioToken,
    TWILIO_FROM_NUMBER: CREDENTIALS.twilioFrom,
    TWILIO_API_URL: twilio.url,
    DUO_CLIENT_ID: CREDENTIALS.duoClientId,
    DUO_CLIENT_SECRET: CREDENTIALS.duoClientSecret,
    DUO_API_HOST: duo.apiHost,
    DUO_CA_FILE: duo.caFile,
    DUO_AUTH_API_IKEY: CREDENTIALS.duoAuthIkey,
    DUO_AUTH_API_SKEY: CREDENTIALS.duoAuthSkey,
    POLICY_FILE,
    LOG_LEVEL: opts.logLevel,
  };
}

/** Binds `port` just long enough to learn that it is free (and, for 0, which one the OS picked). */
async function probePort(port: number): Promise<number> {
  const probe = createServer();
  const bound = await listen(probe, port, HOST);
  await new Promise<void>((closed) => probe.close(() => closed()));
  return bound;
}

/**
 * The bot's PUBLIC_URL (Duo redirect, Twilio callbacks) must name its port before it starts, so one
 * is reserved here. The gap between closing this listener and the bot binding is a few milliseconds.
 */
function freePort(): Promise<number> {
  return probePort(0);
}

/** A stable, bookmarkable port when it is free; any free port (0) otherwise. */
function portOrAny(preferred: number): Promise<number> {
  return probePort(preferred).catch(() => 0);
}

function parsePort(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`SANDBOX_PORT must be a port number 0-65535, got '${raw}'`);
  }
  return port;
}

/** The line tests and scripts look for; SANDBOX_PRINT=json makes it machine-readable. */
export const URL_LINE_PREFIX = 'secops-bot sandbox: ';

async function main(): Promise<void> {
  const tooOld = nodeVersionProblem(process.versions.node);
  if (tooOld) {
    console.error(tooOld);
    process.exit(1);
  }
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({
      port: parsePort(process.env.SANDBOX_PORT),
      dataDir: process.env.SANDBOX_DATA_DIR,
      logLevel: process.env.SANDBOX_LOG_LEVEL,
      host: process.env.SANDBOX_HOST || undefined,
    });
  } catch (err) {
    console.error(`sandbox failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  const { url, botUrl, apiToken } = sandbox;
  if (process.env.SANDBOX_PRINT === 'json') console.log(JSON.stringify({ url, botUrl, apiToken }));
  else {
    console.log(`${URL_LINE_PREFIX}${url}  (Ctrl-C to stop)`);
    console.log(
      `  the bot: ${botUrl}  (/healthz; REST API: curl -H 'Authorization: Bearer ${apiToken}' ${botUrl}/api/alerts/1)`,
    );
  }
  const shutdown = () => {
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    void sandbox.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) void main();
