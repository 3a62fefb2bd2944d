import type { EphemeralMessage, SlackMessage } from './types.js';
import type { WorkspaceChange } from './workspace.js';

export type MessageKind = 'message' | 'update';
export type MessagePredicate = (message: SlackMessage, kind: MessageKind) => boolean;
export type EphemeralPredicate = (ephemeral: EphemeralMessage) => boolean;

export interface WaitOptions {
  timeoutMs?: number;
  /**
   * A mark from `mark()`: entries recorded after it count too, so a test can take a mark, trigger the
   * bot, and wait without racing a reply that lands before the wait starts. Without it, only later entries count.
   */
  since?: number;
}

type Entry = WorkspaceChange & { seq: number };

interface Waiter {
  test: (entry: Entry) => boolean;
  settle: (entry: Entry) => void;
}

const DEFAULT_WAIT_MS = 2000;

/** Every change in order, with a sequence number, so waiting can look back as well as forward. */
export class ActivityLog {
  private readonly entries: Entry[] = [];
  private readonly waiters = new Set<Waiter>();
  private seq = 0;
  private readonly failers = new Set<(err: Error) => void>();

  mark(): number {
    return this.seq;
  }

  record(change: WorkspaceChange): void {
    const entry = { ...change, seq: ++this.seq };
    this.entries.push(entry);
    for (const waiter of [...this.waiters]) {
      if (waiter.test(entry)) waiter.settle(entry);
    }
  }

  waitForMessage(predicate: MessagePredicate, options: WaitOptions | number = {}): Promise<SlackMessage> {
    const test = (entry: Entry) =>
      (entry.kind === 'message' || entry.kind === 'update') && predicate(entry.message, entry.kind);
    return this.waitFor(test, options, 'message').then((entry) => (entry as { message: SlackMessage }).message);
  }

  waitForEphemeral(predicate: EphemeralPredicate, options: WaitOptions | number = {}): Promise<EphemeralMessage> {
    const test = (entry: Entry) => entry.kind === 'ephemeral' && predicate(entry.ephemeral);
    return this.waitFor(test, options, 'ephemeral').then(
      (entry) => (entry as { ephemeral: EphemeralMessage }).ephemeral,
    );
  }

  /** Rejects every pending wait, so a stopped simulator never leaves a test hanging. */
  failAll(reason: string): void {
    for (const fail of [...this.failers]) fail(new Error(reason));
  }

  private waitFor(test: (entry: Entry) => boolean, options: WaitOptions | number, what: string): Promise<Entry> {
    const { timeoutMs = DEFAULT_WAIT_MS, since } = typeof options === 'number' ? { timeoutMs: options } : options;
    if (since !== undefined) {
      const found = this.entries.find((entry) => entry.seq > since && test(entry));
      if (found) return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        this.failers.delete(fail);
      };
      const fail = (err: Error) => {
        finish();
        reject(err);
      };
      const waiter: Waiter = {
        test,
        settle: (entry) => {
          finish();
          resolve(entry);
        },
      };
      const timer = setTimeout(() => fail(new Error(`no matching ${what} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.add(waiter);
      this.failers.add(fail);
    });
  }
}
