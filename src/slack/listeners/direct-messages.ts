import type { App, SayFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'winston';
import { formatDuration } from '../../core/duration.js';
import { escapeMrkdwn } from '../../core/escape.js';
import { SlidingWindowLimit } from './rate-limit.js';

export interface DmContext {
  userId: string;
  channel: string;
  /** trimmed text as typed */
  text: string;
  /** lower-cased first word, for command matching */
  command: string;
  say: SayFn;
  client: WebClient;
  logger: Logger;
}

/** A feature's DM handler: returns true when it handled the message. */
export type DmHandler = (ctx: DmContext) => Promise<boolean>;

export interface DirectMessageDeps {
  logger: Logger;
  helpText: () => string;
  /** Feature handlers, asked in order after the built-in greeting and help. */
  handlers: DmHandler[];
  limits?: Partial<DmLimits>;
}

/**
 * How much one person, and everyone together, may ask of the bot by DM. `test` starts a whole
 * confirmation and may end as a post in the escalation channel, where it queues with real
 * escalations; so it is limited per person and, more tightly than any one person could reach,
 * for everyone, which bounds what test traffic can ever put in front of a real alert.
 */
export interface DmLimits {
  /** `test` DMs per person per window */
  testsPerUser: number;
  /** `test` DMs from everyone per window */
  testsTotal: number;
  testWindowMs: number;
  /** any DMs per person per minute; past it they are not answered */
  messagesPerMinute: number;
  now: () => number;
}

export const DEFAULT_DM_LIMITS: DmLimits = {
  testsPerUser: 3,
  testsTotal: 10,
  testWindowMs: 10 * 60_000,
  messagesPerMinute: 30,
  now: Date.now,
};

const MAX_TEXT = 4000;
const MAX_COMMAND_WORD = 32;
const GREETINGS = new Set(['hi', 'hello', 'hey']);

/**
 * DMs to the bot. Bolt already drops the bot's own messages (ignoreSelf); we also
 * drop edits, deletions and other bots, and never let odd input (empty, huge,
 * emoji, mentions, mrkdwn) reach a handler unbounded.
 */
export function registerDirectMessages(app: App, deps: DirectMessageDeps): void {
  const limits = { ...DEFAULT_DM_LIMITS, ...deps.limits };
  const testsPerUser = new SlidingWindowLimit(limits.testsPerUser, limits.testWindowMs);
  const testsTotal = new SlidingWindowLimit(limits.testsTotal, limits.testWindowMs);
  const messages = new SlidingWindowLimit(limits.messagesPerMinute, 60_000);
  const warnedFlood = new SlidingWindowLimit(1, 60_000);
  app.message(async ({ message, say, client }) => {
    if (message.channel_type !== 'im') return;
    if (message.subtype !== undefined) return;
    if ('bot_id' in message && message.bot_id) return;
    const userId = 'user' in message ? message.user : undefined;
    if (!userId) return;
    const text = (('text' in message ? message.text : '') ?? '').slice(0, MAX_TEXT).trim();
    const command = commandWord(text);
    const logger = deps.logger.child({ component: 'dm', user: userId });
    const now = limits.now();
    if (messages.take(userId, now) > 0) {
      // Said once a minute; the rest of a flood gets no answer and costs no Slack call.
      if (warnedFlood.take(userId, now) === 0) {
        logger.warn('DM flood from one user; not answering for a minute');
        await say("You're sending me messages faster than I can answer; I'll pick up again in a minute.");
      }
      return;
    }
    if (command === 'test') {
      const wait = Math.max(testsPerUser.waitFor(userId, now), testsTotal.waitFor('*', now));
      if (wait === 0) {
        testsPerUser.take(userId, now);
        testsTotal.take('*', now);
      } else {
        logger.info('test DM refused by its rate limit');
        await say(
          `You can ask for ${limits.testsPerUser} test alerts every ${formatDuration(limits.testWindowMs)} (and the whole team for ${limits.testsTotal}); try again in ${formatDuration(Math.max(1000, Math.ceil(wait / 1000) * 1000))}.`,
        );
        return;
      }
    }
    const ctx: DmContext = { userId, channel: message.channel, text, command, say, client, logger };

    // A bare greeting or "help" is always the built-in; any longer text goes to the features
    // first, so an explanation that happens to start with "hi" reaches the escalation.
    const bare = trimEndOf(text.toLowerCase(), PUNCTUATION, true);
    if (!GREETINGS.has(bare) && bare !== 'help') {
      for (const handler of deps.handlers) {
        if (await handler(ctx)) return;
      }
    }
    if (GREETINGS.has(command)) {
      await say(
        `Hi ${escapeMrkdwn(await firstName(client, userId))}! I'm the security bot. Type \`help\` to see what I can do.`,
      );
      return;
    }
    if (command === 'help') {
      await say(deps.helpText());
      return;
    }
    await say("I didn't understand that. Type `help` to see what I can do.");
  });
}

const PUNCTUATION = new Set(['!', '.', '?', ',']);

/** The lower-cased first word without trailing punctuation: "Hi!" and "help?" are commands. */
export function commandWord(text: string): string {
  const start = text.search(/\S/);
  if (start < 0) return '';
  // No command is longer than a few letters: a 4,000-character "word" need not be scanned whole.
  const limit = Math.min(text.length, start + MAX_COMMAND_WORD);
  let end = start;
  while (end < limit && !/\s/.test(text[end]!)) end++;
  return trimEndOf(text.slice(start, end).toLowerCase(), PUNCTUATION, false);
}

/**
 * `text` without trailing characters from `chars` (and whitespace, when asked). A loop from the
 * end instead of /[!.?,]+$/, which the engine retries from every position of a long run of
 * such characters, each attempt scanning to the run's end: 4,000 "!" cost 8 million steps.
 */
export function trimEndOf(text: string, chars: ReadonlySet<string>, whitespace: boolean): string {
  let end = text.length;
  while (end > 0) {
    const c = text[end - 1]!;
    if (!chars.has(c) && !(whitespace && /\s/.test(c))) break;
    end--;
  }
  return text.slice(0, end);
}

export function registerMentions(app: App, deps: Pick<DirectMessageDeps, 'helpText'>): void {
  app.event('app_mention', async ({ event, say }) => {
    await say({ text: deps.helpText(), thread_ts: event.thread_ts ?? event.ts });
  });
}

async function firstName(client: WebClient, userId: string): Promise<string> {
  try {
    const res = await client.users.info({ user: userId });
    const profile = res.user?.profile;
    return (
      profile?.first_name ||
      profile?.real_name?.split(' ')[0] ||
      res.user?.real_name?.split(' ')[0] ||
      res.user?.name ||
      'there'
    );
  } catch {
    // A greeting is not worth failing over; users.info may be rate limited.
    return 'there';
  }
}
