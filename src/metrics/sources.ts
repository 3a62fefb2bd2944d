import type { Db } from '../store/db.js';

/** Confirmations that are not final yet, for the secops_confirmations_pending gauge. */
export function pendingConfirmationsIn(db: Db): () => Promise<number> {
  return async () => {
    const [row] = await db('confirm_alerts').whereIn('status', ['new', 'asked', 'verifying']).count({ n: '*' });
    return Number(row?.n ?? 0);
  };
}
