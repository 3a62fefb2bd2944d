import { inspect } from 'node:util';
import winston, { type Logger } from 'winston';

/**
 * Redaction happens in the logger, not at call sites, because secrets leak through
 * places nobody thinks of: an error's message quoting a URL with a token, a vendor
 * error object carrying request headers, a stack trace.
 */
const SECRET_KEY = /token|secret|password|passwd|authorization|api[-_]?key|cookie|signature|client_assertion|duo_code/i;

const SECRET_PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [REDACTED]'],
  [/\bxox[abposre]-[A-Za-z0-9-]+/g, 'xox?-[REDACTED]'],
  [/\bxapp-[A-Za-z0-9-]+/g, 'xapp-[REDACTED]'],
  // userinfo in URLs: mysql://user:pass@host, https://sid:token@api.twilio.com
  [/([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):([^/\s@]+)@/gi, '$1$2:[REDACTED]@'],
  // secrets passed as query or form parameters
  [
    // `request` is the signed JWT in Duo's authorize URL, which carries the single-use state
    /(\b(?:token|access_token|api_key|apikey|key|secret|password|client_secret|code|duo_code|state|request)=)[^&\s"']+/gi,
    '$1[REDACTED]',
  ],
];

const knownSecrets = new Set<string>();

/** Exact secret values (from config) that must never appear in any log line. */
export function registerSecrets(values: Iterable<string | null | undefined>): void {
  for (const v of values) if (v && v.length >= 6) knownSecrets.add(v);
}

export function redactString(s: string): string {
  let out = s;
  for (const secret of knownSecrets) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement);
  return out;
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
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1, seen));
  if (value instanceof Date) return value.toISOString();
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
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
  return winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    format: winston.format.combine(
      winston.format.errors({ stack: true }),
      redactFormat(),
      winston.format.timestamp(),
      json ? winston.format.json() : winston.format.combine(winston.format.colorize(), readable),
    ),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}

/** For tests and tools that need a logger but not its output. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true });
}
