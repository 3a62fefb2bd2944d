/**
 * One timer at the earliest deadline, shared by the SLA monitor and the confirmation
 * time-outs. Node's setTimeout cannot wait longer than ~24.8 days, so a farther deadline
 * is waited for in several steps.
 *
 * When a firing makes no progress (the next arming asks for a deadline no later than the one
 * that just fired: the pass failed, or the row could not be moved), the timer backs off,
 * doubling from `firstBackoffMs` up to `maxBackoffMs`, instead of firing again at once: a
 * database that refuses every pass would otherwise be hammered in a hot loop. Any arming for a
 * later deadline (progress) ends the back-off.
 */
const MAX_TIMEOUT_MS = 2_147_483_647;

export interface DeadlineTimerOptions {
  firstBackoffMs?: number;
  maxBackoffMs?: number;
}

export class DeadlineTimer {
  private timer: NodeJS.Timeout | null = null;
  private armedFor: number | null = null;
  /** the deadline of the last firing, until a later deadline shows it was dealt with */
  private lastFired: number | null = null;
  private stalls = 0;
  private readonly firstBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly now: () => number,
    private readonly onDue: () => void,
    options: DeadlineTimerOptions = {},
  ) {
    this.firstBackoffMs = options.firstBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  /** Wakes at `at` (ms since epoch); null cancels. Replaces any earlier arming. */
  arm(at: number | null): void {
    if (at === this.armedFor && this.timer) return;
    this.cancel();
    if (at === null || this.lastFired === null || at > this.lastFired) {
      this.stalls = 0;
      this.lastFired = null;
    } else {
      this.stalls++;
    }
    if (at === null) return;
    this.armedFor = at;
    const backoff = this.stalls === 0 ? 0 : Math.min(this.maxBackoffMs, this.firstBackoffMs * 2 ** (this.stalls - 1));
    const delay = Math.min(MAX_TIMEOUT_MS, Math.max(backoff, at - this.now()));
    this.wake(at, delay);
  }

  /** How many firings in a row made no progress (0 when the last one did). */
  stalledFirings(): number {
    return this.stalls;
  }

  private wake(at: number, delay: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      // Node runs a timer up to a millisecond before the clock reads its time; a firing then
      // finds nothing due yet, re-arms for the same deadline and would back off as a stall.
      const early = at - this.now();
      if (early > 0) return this.wake(at, Math.min(MAX_TIMEOUT_MS, early));
      this.armedFor = null;
      this.lastFired = at;
      this.onDue();
    }, delay);
    // Deadlines never keep the process alive on their own; stop() cancels them anyway.
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = null;
  }
}
