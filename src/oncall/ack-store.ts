/**
 * Acknowledgements: one current row per alert, taken by exactly one caller. A new one can
 * be taken only once the last has run out or ended, so two replicas (or a phone and a Slack
 * click at once) never both win, and each win is audited with who and how.
 */
import { acknowledgements } from '../metrics/metrics.js';
import { appendAudit } from '../store/audit.js';
import { type Db, isUniqueViolation } from '../store/db.js';

export type AckHow = 'phone' | 'sms' | 'slack';

export interface Ack {
  alertId: string;
  by: string;
  how: AckHow;
  at: number;
  until: number;
  tierAtAck: number;
  endedAt: number | null;
  endedReason: string | null;
}

export type AckOutcome = { ok: true; ack: Ack } | { ok: false; reason: 'already'; ack: Ack };

interface AckRow {
  alert_id: string;
  by_who: string;
  how: string;
  acked_at: number | string;
  until: number | string;
  tier_at_ack: number;
  ended_at: number | string | null;
  ended_reason: string | null;
}

function fromRow(r: AckRow): Ack {
  return {
    alertId: r.alert_id,
    by: r.by_who,
    how: r.how as AckHow,
    at: Number(r.acked_at),
    until: Number(r.until),
    tierAtAck: Number(r.tier_at_ack),
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
    endedReason: r.ended_reason,
  };
}

/** In force: not ended, not run out. */
export function isActive(ack: Ack | null, now: number): ack is Ack {
  return ack !== null && ack.endedAt === null && now < ack.until;
}

export class AckStore {
  constructor(private readonly db: Db) {}

  async get(alertId: string): Promise<Ack | null> {
    const row = (await this.db('oncall_acks').where({ alert_id: alertId }).first()) as AckRow | undefined;
    return row ? fromRow(row) : null;
  }

  async acknowledge(input: Omit<Ack, 'endedAt' | 'endedReason'>, now: number): Promise<AckOutcome> {
    const values = {
      by_who: input.by,
      how: input.how,
      acked_at: input.at,
      until: input.until,
      tier_at_ack: input.tierAtAck,
      ended_at: null,
      ended_reason: null,
      updated_at: now,
    };
    let won = false;
    try {
      await this.db('oncall_acks').insert({ alert_id: input.alertId, ...values });
      won = true;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Only a row that has run out or ended may be replaced; the condition is the claim.
      const changed = await this.db('oncall_acks')
        .where({ alert_id: input.alertId })
        .andWhere((q) => q.where('until', '<=', now).orWhereNotNull('ended_at'))
        .update(values);
      won = changed === 1;
    }
    const current = (await this.get(input.alertId))!;
    if (!won) return { ok: false, reason: 'already', ack: current };
    acknowledgements.inc({ channel: input.how });
    await appendAudit(this.db, {
      at: new Date(now),
      actor: input.by,
      action: 'oncall.acknowledged',
      subject: `hive:${input.alertId}`,
      details: { how: input.how, until: input.until, tierAtAck: input.tierAtAck },
    });
    return { ok: true, ack: current };
  }

  /** Promote or close ends an acknowledgement; true when this call ended it. */
  async end(alertId: string, reason: string, now: number): Promise<boolean> {
    const changed = await this.db('oncall_acks')
      .where({ alert_id: alertId })
      .whereNull('ended_at')
      .where('until', '>', now)
      .update({ ended_at: now, ended_reason: reason, updated_at: now });
    if (changed === 0) return false;
    await appendAudit(this.db, {
      at: new Date(now),
      actor: 'system',
      action: 'oncall.ack_ended',
      subject: `hive:${alertId}`,
      details: { reason },
    });
    return true;
  }
}
