import type { Logger } from 'winston';
import type { Digest } from '../core/digest/index.js';
import type { Clock } from '../core/ports.js';
import type { Outbox } from '../outbox/outbox.js';
import type { SlackPayload } from '../outbox/types.js';
import { appendAudit } from '../store/audit.js';
import type { Db } from '../store/db.js';
import type { DigestRepository } from './digest-repository.js';

/** `ref` type of a scheduled digest's outbox row; the id is the digests row. */
export const DIGEST_REF = 'digest';

/** One outbox key per slot, forever: whoever claims the slot, the slot is posted at most once. */
export const slotKey = (slotAt: Date): string => `digest:${slotAt.getTime()}`;

/** The core builds Block Kit as plain objects; the outbox sends them as they are. */
export function digestPayload(digest: Digest): SlackPayload {
  const payload: SlackPayload & { unfurl_media: boolean } = {
    text: digest.text,
    blocks: digest.blocks,
    unfurl_links: false,
    unfurl_media: false,
  };
  return payload;
}

export async function auditDigest(
  db: Db,
  at: Date,
  subject: { id: number; actor: string },
  details: Record<string, unknown> & Pick<Digest, 'health' | 'p0' | 'failures'>,
): Promise<void> {
  await appendAudit(db, {
    at,
    actor: subject.actor,
    action: 'digest.posted',
    subject: `digest:${subject.id}`,
    details,
  });
}

/**
 * A scheduled digest is recorded as posted (with its ts, and its audit entry) by whichever
 * replica's sender delivers it, in the transaction that marks its outbox row sent: the replica
 * that queued it may have stopped long before. Registered whether or not this replica runs
 * the schedule.
 */
export function registerDigestOutbox(
  outbox: Outbox,
  repo: DigestRepository,
  ctx: { clock: Clock; logger: Logger },
): void {
  outbox.register(DIGEST_REF, {
    async sent(trx, id, result, row) {
      const channel = result.channel ?? row.lane;
      const digest = await repo.settleQueued(trx, Number(id), { status: 'posted', channel, ts: result.id });
      if (!digest) return;
      await auditDigest(
        trx,
        ctx.clock.now(),
        { id: digest.id, actor: 'system' },
        {
          kind: 'scheduled',
          slot: digest.slotAt?.getTime() ?? null,
          late: digest.late,
          channel,
          ts: result.id,
          health: digest.health,
          p0: digest.p0,
          failures: digest.failures,
        },
      );
      ctx.logger.info('digest posted', { slot: digest.slotAt?.toISOString(), late: digest.late, channel });
    },
    async gaveUp(trx, id, error, row) {
      // The slot stays used: posting it again later could post it twice. The outbox audits the give-up.
      const digest = await repo.settleQueued(trx, Number(id), { status: 'failed', channel: row.lane, ts: null });
      ctx.logger.error('digest could not be posted', { slot: digest?.slotAt?.toISOString(), channel: row.lane, error });
    },
  });
}
