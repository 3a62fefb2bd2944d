/**
 * One timer at the earliest deadline, shared by the SLA monitor and the confirmation
 * time-outs. Node's setTimeout cannot wait longer than ~24.8 days, so a farther deadline
 * wakes up early and simply finds nothing due.
 */
const MAX_TIMEOUT_MS = 2_147_483_647;

export class DeadlineTimer {
  private timer: NodeJS.Timeout | null = null;
  private armedFor: number | null = null;

  constructor(
    private readonly now: () => number,
    private readonly onDue: () => void,
  ) {}

  /** Wakes at `at` (ms since epoch); null cancels. Replaces any earlier arming. */
  arm(at: number | null): void {
    if (at === this.armedFor && this.timer) return;
    this.cancel();
    if (at === null) return;
    this.armedFor = at;
    const delay = Math.min(MAX_TIMEOUT_MS, Math.max(0, at - this.now()));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.armedFor = null;
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
