/** A winston logger that keeps every entry, so a test can count what the bot logged and how big it was. */
import { Writable } from 'node:stream';
import winston, { type Logger } from 'winston';

export interface CapturedLog {
  level: string;
  message: string;
  /** the whole entry as JSON, to check its size */
  json: string;
}

export function capturingLogger(): { logger: Logger; entries: CapturedLog[] } {
  const entries: CapturedLog[] = [];
  const stream = new Writable({
    objectMode: true,
    write(info: Record<string, unknown>, _enc, done) {
      entries.push({ level: String(info.level), message: String(info.message), json: safeJson(info) });
      done();
    },
  });
  const logger = winston.createLogger({ level: 'debug', transports: [new winston.transports.Stream({ stream })] });
  return { logger, entries };
}

function safeJson(info: Record<string, unknown>): string {
  try {
    return JSON.stringify(info, (_k, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack } : v));
  } catch {
    return String(info.message);
  }
}
