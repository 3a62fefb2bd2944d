/** The bot's real logger (redaction, bounds, level checks) writing its JSON lines into an array. */
import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger } from '../../src/log.js';

export function capturedLines(level = 'info'): { logger: winston.Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ json: true, level });
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk, _enc, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    }),
  );
  return { logger, lines };
}
