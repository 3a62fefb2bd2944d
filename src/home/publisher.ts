/**
 * Publishes Home tabs: at once when someone opens theirs or clicks on it, and after a short
 * debounce when something on it changed, so a burst of changes for one person is one publish.
 * Only people who have opened their Home get one. All publishes share one pace (Slack's
 * views.publish is Tier 4, about 100 a minute), and a 429 stops every publish for its Retry-After,
 * then the same Home is published again.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'winston';
import type { HomeOpeners } from './openers.js';

export type HomeTarget = readonly string[] | 'responders';

export interface HomePublisherDeps {
  client: WebClient;
  openers: HomeOpeners;
  isResponder: (userId: string) => Promise<boolean>;
  /** the view for this person now, with the notice (if any) on top */
  render: (userId: string, notice: string | null) => Promise<Record<string, unknown>>;
  logger: Logger;
}

export interface HomePublisherOptions {
  /** how long changes for a person are gathered before their Home is published (default 750 ms) */
  debounceMs?: number;
  /** publishes per minute across all people (default 100, Slack's Tier 4) */
  perMinute?: number;
  /** publishes allowed back to back before the pace applies (default 10) */
  burst?: number;
  /** how long a click's answer stays on the clicker's Home (default 2 min) */
  noticeMs?: number;
  /** publishes in flight at once, never two for one person (default 4) */
  concurrency?: number;
}

export interface PublishStats {
  published: number;
  failed: number;
  rateLimited: number;
  /** ms from the first change (or open) to the publish that showed it */
  latenciesMs: number[];
}

const MAX_LATENCIES = 20_000;

export class HomePublisher {
  private readonly debounceMs: number;
  private readonly perMs: number;
  private readonly burst: number;
  private readonly noticeMs: number;
  /** people whose Home changed, with when their debounce ends */
  private readonly waiting = new Map<string, number>();
  private respondersDueAt: number | null = null;
  /** ready to publish, in order; a Set so a person is queued once */
  private readonly ready = new Set<string>();
  private readonly since = new Map<string, number>();
  private readonly notices = new Map<string, { text: string; until: number }>();
  private timer: NodeJS.Timeout | null = null;
  private readonly workers = new Set<Promise<void>>();
  /** people whose Home is being published right now: a second publish would race the first */
  private readonly publishing = new Set<string>();
  private readonly concurrency: number;
  private tokens: number;
  private tokensAt = Date.now();
  private pausedUntil = 0;
  private stopped = false;
  private readonly background = new Set<Promise<unknown>>();
  readonly stats: PublishStats = { published: 0, failed: 0, rateLimited: 0, latenciesMs: [] };

  constructor(
    private readonly d: HomePublisherDeps,
    options: HomePublisherOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 750;
    this.perMs = (options.perMinute ?? 100) / 60_000;
    this.burst = options.burst ?? 10;
    this.noticeMs = options.noticeMs ?? 120_000;
    this.concurrency = options.concurrency ?? 4;
    this.tokens = this.burst;
  }

  /** Something on these people's Homes (or every responder's) changed. */
  changed(who: HomeTarget): void {
    if (this.stopped) return;
    const now = Date.now();
    if (who === 'responders') {
      this.respondersDueAt ??= now + this.debounceMs;
    } else {
      for (const userId of who) {
        if (!this.waiting.has(userId) && !this.ready.has(userId)) this.waiting.set(userId, now + this.debounceMs);
        if (!this.since.has(userId)) this.since.set(userId, now);
      }
    }
    this.arm();
  }

  /** The person opened their Home: remember that, and publish it now. */
  async opened(userId: string, now: number): Promise<void> {
    await this.d.openers.record(userId, now);
    this.publishSoon(userId);
  }

  /** The answer to a click made on the Home, which has no message to reply in: shown on top of it. */
  reply(userId: string, text: string): void {
    this.notices.set(userId, { text, until: Date.now() + this.noticeMs });
    this.publishSoon(userId);
  }

  /** Resolves when nothing is waiting, queued or being published (tests, the bench, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.workers.size > 0) await Promise.allSettled([...this.workers]);
      else if (this.background.size > 0) await Promise.allSettled([...this.background]);
      else if (this.waiting.size > 0 || this.respondersDueAt !== null || this.ready.size > 0)
        await new Promise((r) => setTimeout(r, 10));
      else return;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.waiting.clear();
    this.ready.clear();
    this.respondersDueAt = null;
    await Promise.allSettled([...this.workers]);
  }

  private publishSoon(userId: string): void {
    if (this.stopped) return;
    this.waiting.delete(userId);
    if (!this.since.has(userId)) this.since.set(userId, Date.now());
    // Someone looking at their Home right now goes ahead of background refreshes.
    const rest = [...this.ready].filter((u) => u !== userId);
    this.ready.clear();
    for (const u of [userId, ...rest]) this.ready.add(u);
    this.pump();
  }

  private arm(): void {
    if (this.timer || this.stopped) return;
    const dues = [...this.waiting.values(), ...(this.respondersDueAt === null ? [] : [this.respondersDueAt])];
    if (dues.length === 0) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.track(this.release());
      },
      Math.max(0, Math.min(...dues) - Date.now()),
    );
  }

  /** Moves people whose debounce ended to the queue; only those who have opened their Home. */
  private async release(): Promise<void> {
    const now = Date.now();
    const due = [...this.waiting].filter(([, at]) => at <= now).map(([userId]) => userId);
    for (const userId of due) this.waiting.delete(userId);
    const respondersDue = this.respondersDueAt !== null && this.respondersDueAt <= now;
    if (respondersDue) this.respondersDueAt = null;
    try {
      const openers = new Set(await this.d.openers.filter(due));
      for (const userId of due) {
        if (openers.has(userId)) this.ready.add(userId);
        else this.since.delete(userId);
      }
      if (respondersDue) {
        for (const userId of await this.d.openers.all()) {
          if (!(await this.d.isResponder(userId))) continue;
          if (!this.since.has(userId)) this.since.set(userId, now);
          this.ready.add(userId);
        }
      }
    } catch (err) {
      this.d.logger.warn('home: could not read who has opened their Home; those changes are not published', { err });
    }
    this.pump();
    this.arm();
  }

  private pump(): void {
    while (!this.stopped && this.workers.size < this.concurrency && this.nextUser() !== undefined) {
      const worker: Promise<void> = (async () => {
        for (;;) {
          await this.waitForTurn();
          const userId = this.nextUser();
          if (this.stopped || userId === undefined) return;
          this.ready.delete(userId);
          this.publishing.add(userId);
          try {
            await this.publishOne(userId);
          } finally {
            this.publishing.delete(userId);
          }
        }
      })().finally(() => {
        this.workers.delete(worker);
        this.pump();
      });
      this.workers.add(worker);
    }
  }

  /** The first queued person whose Home is not being published already. */
  private nextUser(): string | undefined {
    for (const userId of this.ready) if (!this.publishing.has(userId)) return userId;
    return undefined;
  }

  /** Token bucket for the shared pace, and a full stop while Slack's Retry-After lasts. */
  private async waitForTurn(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.burst, this.tokens + (now - this.tokensAt) * this.perMs);
      this.tokensAt = now;
      const wait = Math.max(this.pausedUntil - now, this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.perMs));
      if (wait <= 0) {
        this.tokens -= 1;
        return;
      }
      if (this.nextUser() === undefined) return;
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  private async publishOne(userId: string): Promise<void> {
    const notice = this.notices.get(userId);
    const live = notice && notice.until > Date.now() ? notice.text : null;
    if (notice && !live) this.notices.delete(userId);
    try {
      const view = await this.d.render(userId, live);
      await this.d.client.views.publish({ user_id: userId, view: view as never });
      this.stats.published++;
      const since = this.since.get(userId);
      this.since.delete(userId);
      if (since !== undefined && this.stats.latenciesMs.length < MAX_LATENCIES)
        this.stats.latenciesMs.push(Date.now() - since);
    } catch (err) {
      const e = err as {
        code?: string;
        retryAfter?: number;
        data?: { error?: string; errors?: unknown; response_metadata?: unknown };
      };
      if (e.code === 'slack_webapi_rate_limited_error') {
        this.stats.rateLimited++;
        const ms = Math.max(1, e.retryAfter ?? 1) * 1000;
        this.pausedUntil = Date.now() + ms;
        this.d.logger.warn('home: views.publish rate limited; waiting', { component: 'home', retryAfterMs: ms });
        // Back to the front of the queue: the same Home goes out first once the wait is over.
        const rest = [...this.ready];
        this.ready.clear();
        for (const u of [userId, ...rest]) this.ready.add(u);
        return;
      }
      this.stats.failed++;
      this.since.delete(userId);
      this.d.logger.error('home: views.publish failed', {
        component: 'home',
        user: userId,
        error: e.data?.error ?? e.code,
        errors: e.data?.errors,
        messages: e.data?.response_metadata,
        err: e.data ? undefined : err,
      });
    }
  }

  private track(p: Promise<unknown>): void {
    this.background.add(p);
    void p.finally(() => this.background.delete(p)).catch(() => {});
  }
}
