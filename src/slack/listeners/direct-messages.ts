import type { App, SayFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'winston';
import { escapeMrkdwn } from '../../core/escape.js';

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
}

const MAX_TEXT = 4000;
const GREETINGS = new Set(['hi', 'hello', 'hey']);

/**
 * DMs to the bot. Bolt already drops the bot's own messages (ignoreSelf); we also
 * drop edits, deletions and other bots, and never let odd input (empty, huge,
 * emoji, mentions, mrkdwn) reach a handler unbounded.
 */
export function registerDirectMessages(app: App, deps: DirectMessageDeps): void {
  app.message(async ({ message, say, client }) => {
    if (message.channel_type !== 'im') return;
    if (message.subtype !== undefined) return;
    if ('bot_id' in message && message.bot_id) return;
    const userId = 'user' in message ? message.user : undefined;
    if (!userId) return;
    const text = (('text' in message ? message.text : '') ?? '').slice(0, MAX_TEXT).trim();
    const command = text
      .split(/\s+/, 1)[0]!
      .toLowerCase()
      .replace(/[!.?,]+$/, '');
    const logger = deps.logger.child({ component: 'dm', user: userId });
    const ctx: DmContext = { userId, channel: message.channel, text, command, say, client, logger };

    // A bare greeting or "help" is always the built-in; any longer text goes to the features
    // first, so an explanation that happens to start with "hi" reaches the escalation.
    const bare = text.toLowerCase().replace(/[!.?,\s]+$/, '');
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
