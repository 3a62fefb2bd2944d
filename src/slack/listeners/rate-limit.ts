/**
 * A sliding-window counter per key, for DMs. Kept in memory on purpose: it guards this process's
 * Slack and database work against one person's burst, so it needs no coordination, and a restart
 * that forgets it costs at most one more window's worth.
 */
export class SlidingWindowLimit {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** 0 when `key` has room at `now`, else how long until it has; records nothing. */
  waitFor(key: string, now: number): number {
    const recent = (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
    this.hits.set(key, recent);
    return recent.length >= this.max ? recent[0]! + this.windowMs - now : 0;
  }

  /** Records a hit for `key` at `now` and returns 0, or, when the window is full, how long until it has room. */
  take(key: string, now: number): number {
    const wait = this.waitFor(key, now);
    if (wait > 0) return wait;
    const recent = this.hits.get(key)!;
    recent.push(now);
    this.hits.set(key, recent);
    // Forget idle keys now and then, so a workspace's worth of users does not accumulate.
    if (this.hits.size > 10_000) this.prune(now);
    return 0;
  }

  private prune(now: number): void {
    for (const [key, times] of this.hits) {
      if (times.every((t) => t <= now - this.windowMs)) this.hits.delete(key);
    }
  }
}
