import type { Knex } from 'knex';
import { type Db, isUniqueViolation } from '../store/db.js';

type Exec = Db | Knex.Transaction;

export type DigestKind = 'scheduled' | 'on_demand';
/**
 * claimed: a scheduled digest waiting in the outbox (or an on-demand one being built);
 * failed: it could not be posted anywhere.
 */
export type DigestStatus = 'claimed' | 'posted' | 'failed';

export interface StoredDigest {
  id: number;
  slotAt: Date | null;
  kind: DigestKind;
  status: DigestStatus;
  /** 'system' for the schedule, the Slack user ID for /secops status */
  requestedBy: string;
  late: boolean;
  generatedAt: Date | null;
  health: number | null;
  p0: number | null;
  failures: string[];
  /** null when it was only shown ephemerally (the bot could not post in that channel) */
  channel: string | null;
  ts: string | null;
}

/** What a built digest showed. */
export interface DigestValues {
  generatedAt: Date;
  health: number | null;
  p0: number | null;
  failures: string[];
}

export interface DigestOutcome extends DigestValues {
  status: 'posted' | 'failed';
  channel: string | null;
  ts: string | null;
}

interface DigestRow {
  id: number | string;
  slot_at: number | string | null;
  kind: DigestKind;
  status: DigestStatus;
  requested_by: string;
  late: number | boolean;
  generated_at: number | string | null;
  health: number | null;
  p0: number | null;
  failures: string | null;
  channel: string | null;
  ts: string | null;
}

const valueColumns = (v: DigestValues) => ({
  generated_at: v.generatedAt.getTime(),
  health: v.health,
  p0: v.p0,
  failures: JSON.stringify(v.failures),
});

const dateOrNull = (ms: number | string | null): Date | null => (ms === null ? null : new Date(Number(ms)));

function fromRow(row: DigestRow): StoredDigest {
  return {
    id: Number(row.id),
    slotAt: dateOrNull(row.slot_at),
    kind: row.kind,
    status: row.status,
    requestedBy: row.requested_by,
    late: Boolean(row.late),
    generatedAt: dateOrNull(row.generated_at),
    health: row.health === null ? null : Number(row.health),
    p0: row.p0 === null ? null : Number(row.p0),
    failures: row.failures ? (JSON.parse(row.failures) as string[]) : [],
    channel: row.channel,
    ts: row.ts,
  };
}

/** The digest history: slot claims, outcomes, and the previous values a trend compares with. */
export class DigestRepository {
  constructor(private readonly db: Db) {}

  /**
   * Claims a scheduled slot before anything is posted. Returns the new row's id,
   * or null when another replica (or an earlier run of this one) already has it:
   * the UNIQUE key decides, so two replicas firing at once cannot both win. Inside
   * `exec`'s transaction a lost claim fails only its own statement.
   */
  async claimSlot(
    slotAt: Date,
    claim: { late: boolean; now: Date; replica: string; built?: DigestValues },
    exec: Exec = this.db,
  ): Promise<number | null> {
    try {
      const [id] = await exec('digests').insert({
        slot_at: slotAt.getTime(),
        kind: 'scheduled',
        status: 'claimed',
        requested_by: 'system',
        late: claim.late,
        claimed_at: claim.now.getTime(),
        replica: claim.replica,
        ...(claim.built ? valueColumns(claim.built) : {}),
      });
      return Number(id);
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }

  async isClaimed(slotAt: Date): Promise<boolean> {
    const row = await this.db('digests').where({ slot_at: slotAt.getTime() }).first('id');
    return row !== undefined;
  }

  /** Whether any scheduled slot was ever claimed: false on a fresh install. */
  async hasScheduledHistory(): Promise<boolean> {
    const row = await this.db('digests').whereNotNull('slot_at').first('id');
    return row !== undefined;
  }

  /** On-demand runs get a row without a slot, so they never use up a scheduled one. */
  async createOnDemand(request: { requestedBy: string; now: Date; replica: string }): Promise<number> {
    const [id] = await this.db('digests').insert({
      slot_at: null,
      kind: 'on_demand',
      status: 'claimed',
      requested_by: request.requestedBy,
      late: false,
      claimed_at: request.now.getTime(),
      replica: request.replica,
    });
    return Number(id);
  }

  async complete(id: number, outcome: DigestOutcome): Promise<void> {
    await this.db('digests')
      .where({ id })
      .update({ status: outcome.status, ...valueColumns(outcome), channel: outcome.channel, ts: outcome.ts });
  }

  /**
   * The outbox delivered a queued digest (or gave it up): recorded in its transaction. Returns
   * the row as it is now, or null when it is not waiting any more.
   */
  async settleQueued(
    trx: Knex.Transaction,
    id: number,
    outcome: { status: 'posted' | 'failed'; channel: string | null; ts: string | null },
  ): Promise<StoredDigest | null> {
    const n = await trx('digests').where({ id, status: 'claimed' }).update(outcome);
    if (n !== 1) return null;
    const row = (await trx('digests').where({ id }).first()) as DigestRow | undefined;
    return row ? fromRow(row) : null;
  }

  /**
   * The latest scheduled digest posted before `before` that held at least one value, for the ▲ / ▼ trend.
   * On-demand digests (/secops status) never become the baseline: otherwise the morning digest could compare
   * with a status someone asked for minutes earlier instead of with yesterday's.
   */
  async previousWithValues(
    before: Date,
  ): Promise<{ health: number | null; p0: number | null; generatedAt: Date } | null> {
    const row = (await this.db('digests')
      .where({ status: 'posted', kind: 'scheduled' })
      .andWhere('generated_at', '<', before.getTime())
      .andWhere((q) => q.whereNotNull('health').orWhereNotNull('p0'))
      .orderBy('generated_at', 'desc')
      .orderBy('id', 'desc')
      .first()) as DigestRow | undefined;
    if (!row) return null;
    const digest = fromRow(row);
    return { health: digest.health, p0: digest.p0, generatedAt: digest.generatedAt! };
  }

  async list(): Promise<StoredDigest[]> {
    const rows = (await this.db('digests').orderBy('id', 'asc')) as DigestRow[];
    return rows.map(fromRow);
  }
}
