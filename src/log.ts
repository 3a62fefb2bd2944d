import { inspect } from 'node:util';
import winston, { type Logger } from 'winston';

/**
 * Redaction happens in the logger, not at call sites, because secrets leak through
 * places nobody thinks of: an error's message quoting a URL with a token, a vendor
 * error object carrying request headers, a stack trace.
 */
const SECRET_KEY = /token|secret|password|passwd|authorization|api[-_]?key|cookie|signature|client_assertion|duo_code/i;

/**
 * Every pattern must run in time linear in its input, since log lines carry text from anyone
 * (a 40,000-character DM, a vendor's error page). A pattern may only start where its first
 * token can start (a word or scheme boundary), and every repetition that is followed by
 * something that can fail is bounded, so a failed attempt costs a constant, not the rest of
 * the string.
 */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [REDACTED]'],
  [/\bxox[abposre]-[A-Za-z0-9-]+/g, 'xox?-[REDACTED]'],
  [/\bxapp-[A-Za-z0-9-]+/g, 'xapp-[REDACTED]'],
  // userinfo in URLs: mysql://user:pass@host, https://sid:token@api.twilio.com. The scheme starts
  // only where no scheme character precedes it: unanchored, a run of letters was tried from
  // every one of its positions, each attempt scanning to the run's end (quadratic).
  [/(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}:\/\/)([^/\s:@]{1,256}):([^/\s@]{1,1024})@/gi, '$1$2:[REDACTED]@'],
  // secrets passed as query or form parameters
  [
    // `request` is the signed JWT in Duo's authorize URL, which carries the single-use state
    /(\b(?:token|access_token|api_key|apikey|key|secret|password|client_secret|code|duo_code|state|request)=)[^&\s"']+/gi,
    '$1[REDACTED]',
  ],
];

/** Longest string value written to a log line; a stack trace fits, a pasted document does not. */
export const MAX_LOGGED_STRING = 4000;
const MAX_LOGGED_ITEMS = 50;
const MAX_LOGGED_KEYS = 100;

const knownSecrets = new Set<string>();
/** A secret that straddles the cut must still be recognised whole, so redaction looks this far past it. */
let secretMargin = 1100;

/** Exact secret values (from config) that must never appear in any log line. */
export function registerSecrets(values: Iterable<string | null | undefined>): void {
  for (const v of values) {
    if (!v || v.length < 6) continue;
    knownSecrets.add(v);
    secretMargin = Math.max(secretMargin, v.length);
  }
}

/**
 * `text` cut to `max` characters with a note of how much was dropped: for vendor and user
 * strings that go into logs or error messages, which must not grow with what a stranger sends.
 */
export function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}… [${text.length - max} more characters]` : text;
}

/** Redacted and at most MAX_LOGGED_STRING long; cut before the patterns run, so the cost is bounded too. */
export function redactString(s: string): string {
  const cut = s.length > MAX_LOGGED_STRING;
  let out = cut ? s.slice(0, MAX_LOGGED_STRING + secretMargin) : s;
  for (const secret of knownSecrets) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement);
  return cut ? `${out.slice(0, MAX_LOGGED_STRING)}… [${s.length - MAX_LOGGED_STRING} more characters]` : out;
}

function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (depth > 6) return '[Truncated]';
  if (value instanceof Error) {
    const out: Record<string, unknown> = {
      name: value.name,
      message: redactString(value.message),
      stack: value.stack ? redactString(value.stack) : undefined,
    };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out.code = redact(code, depth + 1, seen);
    if (value.cause !== undefined) out.cause = redact(value.cause, depth + 1, seen);
    return out;
  }
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_LOGGED_ITEMS).map((v) => redact(v, depth + 1, seen));
    if (value.length > MAX_LOGGED_ITEMS) items.push(`[${value.length - MAX_LOGGED_ITEMS} more items]`);
    return items;
  }
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  const out: Record<string, unknown> = {};
  let keys = 0;
  for (const k in value) {
    if (!Object.hasOwn(value, k)) continue;
    if (++keys > MAX_LOGGED_KEYS) {
      out['…'] = 'more keys cut';
      break;
    }
    const v = (value as Record<string, unknown>)[k];
    out[clip(k, 100)] =
      SECRET_KEY.test(k) && v !== null && v !== undefined && v !== '' ? '[REDACTED]' : redact(v, depth + 1, seen);
  }
  return out;
}

const redactFormat = winston.format((info) => {
  const redacted = redact({ ...info }) as Record<string | symbol, unknown>;
  for (const key of Object.keys(info)) delete (info as Record<string, unknown>)[key];
  Object.assign(info, redacted);
  return info;
});

export interface LoggerOptions {
  level?: string;
  json?: boolean;
  silent?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  // winston runs every format before a transport drops a line below its level, so a debug line
  // nobody will see would still be redacted; this gate drops it first.
  let logger: Logger | undefined;
  const levelGate = winston.format((info) => (logger?.isLevelEnabled(info.level) === false ? false : info));
  const json = options.json ?? !process.stdout.isTTY;
  const readable = winston.format.printf((info) => {
    const { level, message, timestamp, component } = info as Record<string, unknown>;
    // String keys only: winston keeps the caller's unredacted arguments under Symbol keys.
    const rest = Object.fromEntries(
      Object.entries(info).filter(([k]) => !['level', 'message', 'timestamp', 'component'].includes(k)),
    );
    const extra = Object.keys(rest).length
      ? ` ${inspect(rest, { depth: 4, breakLength: Number.POSITIVE_INFINITY })}`
      : '';
    return `${timestamp} ${level}${component ? ` [${component}]` : ''} ${message}${extra}`;
  });
  logger = winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    format: winston.format.combine(
      levelGate(),
      winston.format.errors({ stack: true }),
      redactFormat(),
      winston.format.timestamp(),
      json ? winston.format.json() : winston.format.combine(winston.format.colorize(), readable),
    ),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
  return logger;
}

/** For tests and tools that need a logger but not its output. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true });
}
