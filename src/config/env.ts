import { existsSync } from 'node:fs';
import schedule from 'node-schedule';
import { isE164 } from '../core/sla/policy.js';
import { ConfigError } from './config-error.js';
import { loadDotEnvFile } from './dotenv.js';
import { defaultPolicy, loadPolicyFile, type Policy } from './policy.js';

export interface SlackConfig {
  botToken: string;
  appToken: string;
  apiUrl: string;
  escalationChannel: string;
  alertsChannel: string;
  digestChannel: string;
  /** null: responders are the members of the alerts channel */
  responders: string[] | null;
}

export interface Config {
  slack: SlackConfig;
  databaseUrl: string;
  port: number;
  publicUrl: string;
  apiToken: string | null;
  thehive: { url: string; apiKey: string; organisation: string | null; pollIntervalMs: number } | null;
  nanitor: { baseUrl: string; apiToken: string } | null;
  digest: { schedule: string; tz: string };
  twilio: { accountSid: string; authToken: string; fromNumber: string; apiUrl: string } | null;
  duo: { clientId: string; clientSecret: string; apiHost: string; caFile: string | null } | null;
  /** Duo Auth API application (Duo Push from the chat); null when DUO_AUTH_API_IKEY is not set */
  duoAuthApi: { ikey: string; skey: string; host: string; caFile: string | null } | null;
  /** how a Slack user's Duo username is derived (both Duo paths) */
  duoUsernameFrom: DuoUsernameFrom;
  logLevel: string;
  policy: Policy;
  /** how long the scheduler lease lasts without renewal before a replica on another host takes over */
  leaseTtlMs: number;
  /** Bearer token GET /metrics requires; null: /metrics is open */
  metricsToken: string | null;
}

export type Env = Record<string, string | undefined>;

export const DUO_USERNAME_SOURCES = ['email_local', 'email', 'slack_username'] as const;
export type DuoUsernameFrom = (typeof DUO_USERNAME_SOURCES)[number];

const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];

/** The example values of .env.example: copied unchanged they would only fail later, at Slack or a vendor. */
const PLACEHOLDERS = new Set([
  'xoxb-your-bot-token',
  'xapp-your-app-level-token',
  'C0123456789',
  'U0123456789',
  'U0987654321',
  'https://thehive.example.com',
  'https://example.nanitor.net/system_api',
  'ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'api-XXXXXXXX.duosecurity.com',
]);

function refusePlaceholder(name: string, v: string): string {
  if (PLACEHOLDERS.has(v))
    throw new ConfigError(`${name} is still the placeholder '${v}' from .env.example: put your real value there`);
  return v;
}

/**
 * Adds `.env` in the working directory to process.env; variables already set keep their values.
 * A value is never cut at `#` (see dotenv.ts); an unreadable or malformed `.env` is a ConfigError.
 */
export function loadDotEnv(file = '.env'): void {
  loadDotEnvFile(file, process.env);
}

/** DATABASE_URL on its own, for `npm run migrate`, which needs nothing else from the environment. */
export function databaseUrlFrom(env: Env): string {
  const url = env.DATABASE_URL?.trim() || 'sqlite:./data/secops-bot.sqlite';
  if (!/^(mysql|mariadb):\/\/[^/]+\/[^/?]+/.test(url) && !/^sqlite:.+/.test(url)) {
    throw new ConfigError('DATABASE_URL must be mysql://user:pass@host:3306/db or sqlite:path');
  }
  return url;
}

/**
 * Turns the environment into one typed, validated object. Every problem is a
 * ConfigError whose message names the variable, so start-up can print one line.
 */
export function loadConfig(env: Env): Config {
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : refusePlaceholder(name, v);
  };
  const required = (name: string, why = 'is required'): string => {
    const v = get(name);
    if (v === undefined) throw new ConfigError(`${name} ${why}`);
    return v;
  };

  const botToken = required('SLACK_BOT_TOKEN', 'is required (the xoxb- bot token from OAuth & Permissions)');
  if (!botToken.startsWith('xoxb-')) throw new ConfigError('SLACK_BOT_TOKEN must be a bot token starting with xoxb-');
  const appToken = required('SLACK_APP_TOKEN', 'is required (an xapp- app-level token with connections:write)');
  if (!appToken.startsWith('xapp-'))
    throw new ConfigError('SLACK_APP_TOKEN must be an app-level token starting with xapp-');

  const escalationChannel = channelId('SLACK_ESCALATION_CHANNEL', required('SLACK_ESCALATION_CHANNEL'));
  const alertsChannel = channelId('SLACK_ALERTS_CHANNEL', get('SLACK_ALERTS_CHANNEL') ?? escalationChannel);
  const digestChannel = channelId('SLACK_DIGEST_CHANNEL', get('SLACK_DIGEST_CHANNEL') ?? alertsChannel);
  const respondersRaw = get('SLACK_RESPONDERS');
  const responders =
    respondersRaw === undefined
      ? null
      : respondersRaw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  responders?.forEach((id) => {
    refusePlaceholder('SLACK_RESPONDERS', id);
    if (!/^[UW][A-Z0-9]{2,}$/.test(id)) throw new ConfigError(`SLACK_RESPONDERS: '${id}' is not a Slack user ID (U…)`);
  });

  const port = portNumber('PORT', get('PORT') ?? '3000');
  const publicUrl = httpUrl('PUBLIC_URL', get('PUBLIC_URL') ?? `http://localhost:${port}`);
  const databaseUrl = databaseUrlFrom(env);

  const apiToken = get('API_TOKEN') ?? null;
  if (apiToken !== null && apiToken.length < 16) throw new ConfigError('API_TOKEN must be at least 16 characters');

  const policyFile = get('POLICY_FILE');
  const policy = policyFile ? loadPolicyFile(policyFile) : defaultPolicy();

  let thehive: Config['thehive'] = null;
  const thehiveUrl = get('THEHIVE_URL');
  if (thehiveUrl) {
    // The range is this variable's own; without it the policy's sla.poll_interval applies as written.
    const pollRaw = get('THEHIVE_POLL_SECONDS');
    const pollSeconds = pollRaw === undefined ? null : Number(pollRaw);
    if (pollSeconds !== null && !(pollSeconds >= 1 && pollSeconds <= 3600)) {
      throw new ConfigError('THEHIVE_POLL_SECONDS must be a number of seconds between 1 and 3600');
    }
    thehive = {
      url: httpUrl('THEHIVE_URL', thehiveUrl),
      apiKey: required('THEHIVE_API_KEY', 'is required when THEHIVE_URL is set'),
      organisation: get('THEHIVE_ORGANISATION') ?? null,
      pollIntervalMs: pollSeconds === null ? policy.sla.pollIntervalMs : pollSeconds * 1000,
    };
  }

  const nanitorUrl = get('NANITOR_BASE_URL');
  const nanitor = nanitorUrl
    ? {
        baseUrl: httpUrl('NANITOR_BASE_URL', nanitorUrl),
        apiToken: required('NANITOR_API_TOKEN', 'is required when NANITOR_BASE_URL is set'),
      }
    : null;

  const tz = get('TZ') ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!isTimeZone(tz)) throw new ConfigError(`TZ: unknown time zone '${tz}'`);
  const digestSchedule = get('DIGEST_SCHEDULE') ?? '0 9 * * *';
  if (!isCron(digestSchedule, tz)) {
    throw new ConfigError(`DIGEST_SCHEDULE: '${digestSchedule}' is not a valid cron expression (e.g. "0 9 * * *")`);
  }

  let twilio: Config['twilio'] = null;
  const twilioVars = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM_NUMBER'];
  if (twilioVars.some((n) => get(n))) {
    const [accountSid, authToken, fromNumber] = twilioVars.map((n) =>
      required(n, `is required when any of ${twilioVars.join(', ')} is set`),
    );
    if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid))
      throw new ConfigError('TWILIO_ACCOUNT_SID must look like AC followed by 32 hex digits');
    if (!isE164(fromNumber)) throw new ConfigError('TWILIO_FROM_NUMBER must be an E.164 number such as +15550001111');
    twilio = {
      accountSid,
      authToken,
      fromNumber,
      apiUrl: httpUrl('TWILIO_API_URL', get('TWILIO_API_URL') ?? 'https://api.twilio.com'),
    };
  }

  let duo: Config['duo'] = null;
  const duoVars = ['DUO_CLIENT_ID', 'DUO_CLIENT_SECRET', 'DUO_API_HOST'];
  if (duoVars.some((n) => get(n))) {
    const [clientId, clientSecret, apiHost] = duoVars.map((n) =>
      required(n, `is required when any of ${duoVars.join(', ')} is set`),
    );
    if (clientId.length !== 20) throw new ConfigError('DUO_CLIENT_ID must be 20 characters (from the Duo Admin Panel)');
    if (clientSecret.length !== 40) throw new ConfigError('DUO_CLIENT_SECRET must be 40 characters');
    if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(apiHost))
      throw new ConfigError('DUO_API_HOST must be a host name such as api-XXXXXXXX.duosecurity.com');
    const caFile = get('DUO_CA_FILE') ?? null;
    if (caFile !== null && !existsSync(caFile)) throw new ConfigError(`DUO_CA_FILE: ${caFile} does not exist`);
    duo = { clientId, clientSecret, apiHost, caFile };
  }

  const metricsToken = get('METRICS_TOKEN') ?? null;
  if (metricsToken !== null && metricsToken.length < 16)
    throw new ConfigError('METRICS_TOKEN must be at least 16 characters');

  const leaseTtlSeconds = Number(get('LEASE_TTL_SECONDS') ?? '15');
  if (!(leaseTtlSeconds >= 3 && leaseTtlSeconds <= 300))
    throw new ConfigError('LEASE_TTL_SECONDS must be a number of seconds between 3 and 300');
  const { duoAuthApi, duoUsernameFrom } = duoAuthApiFrom(get, required, duo?.apiHost ?? null);

  const logLevel = get('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  return {
    slack: {
      botToken,
      appToken,
      // The Web API client appends method names to this base, so it keeps its slash.
      apiUrl: `${httpUrl('SLACK_API_URL', get('SLACK_API_URL') ?? 'https://slack.com/api/')}/`,
      escalationChannel,
      alertsChannel,
      digestChannel,
      responders,
    },
    databaseUrl,
    port,
    publicUrl,
    apiToken,
    thehive,
    nanitor,
    digest: { schedule: digestSchedule, tz },
    twilio,
    duo,
    duoAuthApi,
    duoUsernameFrom,
    logLevel,
    policy,
    leaseTtlMs: leaseTtlSeconds * 1000,
    metricsToken,
  };
}

/** Every secret value in the config, so the logger can scrub them wherever they show up. */
export function secretsOf(c: Config): string[] {
  return [
    c.slack.botToken,
    c.slack.appToken,
    c.apiToken,
    c.thehive?.apiKey,
    c.nanitor?.apiToken,
    c.twilio?.authToken,
    c.duo?.clientSecret,
    c.metricsToken,
    c.duoAuthApi?.skey,
  ].filter((s): s is string => typeof s === 'string');
}

/** DUO_AUTH_API_*: the Auth API application's keys; its host defaults to DUO_API_HOST. */
function duoAuthApiFrom(
  get: (name: string) => string | undefined,
  required: (name: string, why?: string) => string,
  promptHost: string | null,
): Pick<Config, 'duoAuthApi' | 'duoUsernameFrom'> {
  const from = get('DUO_USERNAME_FROM') ?? 'email_local';
  if (!(DUO_USERNAME_SOURCES as readonly string[]).includes(from)) {
    throw new ConfigError(`DUO_USERNAME_FROM must be one of ${DUO_USERNAME_SOURCES.join(', ')}, got '${from}'`);
  }
  const duoUsernameFrom = from as DuoUsernameFrom;
  if (!get('DUO_AUTH_API_IKEY') && !get('DUO_AUTH_API_SKEY')) return { duoAuthApi: null, duoUsernameFrom };
  const why = 'is required when DUO_AUTH_API_IKEY or DUO_AUTH_API_SKEY is set';
  const ikey = required('DUO_AUTH_API_IKEY', why);
  const skey = required('DUO_AUTH_API_SKEY', why);
  if (!/^DI[A-Z0-9]{18}$/.test(ikey)) throw new ConfigError('DUO_AUTH_API_IKEY must be 20 characters starting with DI');
  if (skey.length !== 40) throw new ConfigError('DUO_AUTH_API_SKEY must be 40 characters');
  const host = get('DUO_AUTH_API_HOST') ?? promptHost;
  if (host === null)
    throw new ConfigError('DUO_AUTH_API_HOST (or DUO_API_HOST) is required when DUO_AUTH_API_IKEY is set');
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(host)) {
    throw new ConfigError('DUO_AUTH_API_HOST must be a host name such as api-XXXXXXXX.duosecurity.com');
  }
  const caFile = get('DUO_CA_FILE') ?? null;
  if (caFile !== null && !existsSync(caFile)) throw new ConfigError(`DUO_CA_FILE: ${caFile} does not exist`);
  return { duoAuthApi: { ikey, skey, host, caFile }, duoUsernameFrom };
}

function channelId(name: string, v: string): string {
  if (!/^[CGD][A-Z0-9]{2,}$/.test(v))
    throw new ConfigError(`${name}: '${v}' is not a Slack channel ID (C…, G…), not a #name`);
  return v;
}

function portNumber(name: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 0 || n > 65535)
    throw new ConfigError(`${name} must be a port number 0-65535, got '${v}'`);
  return n;
}

/** `v` checked to be an http(s) URL, without trailing slashes so paths can be appended. */
function httpUrl(name: string, v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got '${v}'`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new ConfigError(`${name} must be an http(s) URL, got '${v}'`);
  return v.replace(/\/+$/, '');
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Validated by node-schedule itself, so what passes here is exactly what the scheduler accepts. */
function isCron(spec: string, tz: string): boolean {
  const fields = spec.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) return false;
  const job = schedule.scheduleJob({ rule: spec, tz }, () => {});
  if (!job) return false;
  job.cancel();
  return true;
}
