import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from 'winston';
import { clip, MAX_LOGGED_STRING } from '../log.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * Routes Bolt's and the Socket Mode client's logs through our (redacting) winston logger.
 * Both libraries log every envelope at debug; at any other level such a line must cost
 * nothing, so the level is checked before anything is stringified or formatted.
 */
export function boltLogger(logger: Logger): SlackLogger {
  let level = LogLevel.INFO;
  const child = logger.child({ component: 'bolt' });
  const emit = (at: Level, args: unknown[]) => {
    if (!logger.isLevelEnabled(at)) return;
    child[at](args.map(describe).join(' '));
  };
  return {
    debug: (...args) => emit('debug', args),
    info: (...args) => emit('info', args),
    warn: (...args) => emit('warn', args),
    error: (...args) => emit('error', args),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

function describe(arg: unknown): string {
  if (typeof arg === 'string') return clip(arg, MAX_LOGGED_STRING);
  if (arg instanceof Error) return clip(arg.message, MAX_LOGGED_STRING);
  try {
    return clip(JSON.stringify(arg) ?? String(arg), MAX_LOGGED_STRING);
  } catch {
    return String(arg);
  }
}
