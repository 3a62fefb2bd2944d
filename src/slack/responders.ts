import type { WebClient } from '@slack/web-api';
import type { Logger } from 'winston';

/**
 * Who may act as a security responder (promote, snooze, manage rules): the
 * SLACK_RESPONDERS list when configured, otherwise the human members of the alerts
 * channel. Membership is cached briefly so a burst of clicks costs one API call,
 * and a failed lookup denies rather than allows.
 */
export class Responders {
  private cache: { members: Set<string>; until: number } | null = null;

  constructor(
    private readonly client: WebClient,
    private readonly alertsChannel: string,
    private readonly configured: string[] | null,
    private readonly logger: Logger,
    private readonly cacheMs = 60_000,
  ) {}

  /** Where the list comes from, for help texts and refusals. */
  describe(): string {
    return this.configured ? 'the configured responders (SLACK_RESPONDERS)' : `members of <#${this.alertsChannel}>`;
  }

  async isResponder(userId: string): Promise<boolean> {
    if (this.configured) return this.configured.includes(userId);
    const now = Date.now();
    if (!this.cache || this.cache.until <= now) {
      try {
        this.cache = { members: await this.fetchMembers(), until: now + this.cacheMs };
      } catch (err) {
        this.logger.warn('could not list alerts channel members; treating user as not a responder', {
          component: 'responders',
          user: userId,
          err,
        });
        return false;
      }
    }
    return this.cache.members.has(userId);
  }

  private async fetchMembers(): Promise<Set<string>> {
    const members = new Set<string>();
    let cursor: string | undefined;
    do {
      const res = await this.client.conversations.members({ channel: this.alertsChannel, cursor, limit: 200 });
      for (const m of res.members ?? []) members.add(m);
      cursor = res.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return members;
  }
}
