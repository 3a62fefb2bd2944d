/**
 * Storm folding: when more foldable rows are due for one lane than it can take within a few
 * seconds, they are folded into one summary message for that lane instead of queueing behind
 * each other. The domain that owns the rows renders the summary (it knows what they are about).
 */
import type { OutboxRow } from './types.js';

export interface StormFolder {
  /** true when `row` was folded (and must not be sent on its own) */
  maybeFold(row: OutboxRow, now: number): Promise<boolean>;
}
