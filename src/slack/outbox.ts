import type { ChatPostMessageArguments, ChatUpdateArguments, WebClient } from '@slack/web-api';
import type { Logger } from 'winston';

export interface PostedMessage {
  channel: string;
  ts: string;
}

export interface SlackOutboxOptions {
  /** Minimum gap between two messages to the same channel (Slack: about one per second). */
  perChannelIntervalMs?: number;
  /** How many times one message is retried after a 429 before giving up. */
  maxRateLimitRetries?: number;
}

/**
 * Every message the bot sends on its own initiative (DMs, escalations, notices)
 * goes through here. Messages to one channel are sent one after another with a
 * minimum gap, and a 429 is honoured by waiting its Retry-After and sending the
 * same message again, so a burst of alerts is slowed down, never dropped or
 * duplicated. Different channels proceed in parallel.
 */
export class SlackOutbox {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly nextAllowedAt = new Map<string, number>();
  private readonly intervalMs: number;
  private readonly maxRetries: number;

  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
    options: SlackOutboxOptions = {},
  ) {
    this.intervalMs = options.perChannelIntervalMs ?? 1000;
    this.maxRetries = options.maxRateLimitRetries ?? 10;
  }

  async post(args: ChatPostMessageArguments): Promise<PostedMessage> {
    const res = await this.enqueue(args.channel, () => this.client.chat.postMessage(args));
    return { channel: res.channel ?? args.channel, ts: res.ts! };
  }

  async update(args: ChatUpdateArguments): Promise<void> {
    await this.enqueue(args.channel, () => this.client.chat.update(args));
  }

  /** Opens (or finds) the DM channel with a user. */
  async dmChannel(userId: string): Promise<string> {
    const res = await this.client.conversations.open({ users: userId });
    return res.channel!.id!;
  }

  private enqueue<T>(channel: string, send: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(channel) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(() => this.sendPaced(channel, send));
    this.queues.set(channel, run);
    // Forget idle channels so the map does not grow with every DM ever sent.
    void run
      .finally(() => {
        if (this.queues.get(channel) === run) this.queues.delete(channel);
      })
      .catch(() => {});
    return run;
  }

  private async sendPaced<T>(channel: string, send: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const wait = (this.nextAllowedAt.get(channel) ?? 0) - Date.now();
      if (wait > 0) await sleep(wait);
      try {
        const result = await send();
        this.nextAllowedAt.set(channel, Date.now() + this.intervalMs);
        return result;
      } catch (err) {
        const e = err as { code?: string; retryAfter?: number };
        if (e.code !== 'slack_webapi_rate_limited_error' || attempt >= this.maxRetries) throw err;
        const retryAfterMs = Math.max(1, e.retryAfter ?? 1) * 1000;
        this.logger.warn('slack rate limited; waiting', { component: 'outbox', channel, retryAfterMs, attempt });
        this.nextAllowedAt.set(channel, Date.now() + retryAfterMs);
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
