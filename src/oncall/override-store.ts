/** On-call overrides set with `/oncall override`, kept in the database and audited. */
import type { OnCallOverride } from '../core/oncall/rotation.js';
import { appendAudit } from '../store/audit.js';
import type { Db } from '../store/db.js';

interface OverrideRow {
  id: number;
  slack_user: string;
  starts_at: number | string;
  ends_at: number | string;
  set_by: string;
}

export class OverrideStore {
  constructor(private readonly db: Db) {}

  /** Overrides that matter at `now` or later (ended ones are history in the audit log). */
  async current(now: number): Promise<OnCallOverride[]> {
    const rows = (await this.db('oncall_overrides').where('ends_at', '>', now).orderBy('id')) as OverrideRow[];
    return rows.map((r) => ({
      slack: r.slack_user,
      startsAt: Number(r.starts_at),
      endsAt: Number(r.ends_at),
      by: r.set_by,
    }));
  }

  async add(o: OnCallOverride, now: number): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('oncall_overrides').insert({
        slack_user: o.slack,
        starts_at: o.startsAt,
        ends_at: o.endsAt,
        set_by: o.by,
        created_at: now,
      });
      await appendAudit(trx, {
        at: new Date(now),
        actor: o.by,
        action: 'oncall.override_set',
        subject: `oncall:${o.slack}`,
        details: { startsAt: o.startsAt, endsAt: o.endsAt },
      });
    });
  }

  /** Ends every override in force or to come; returns how many it ended. */
  async clear(by: string, now: number): Promise<number> {
    return this.db.transaction(async (trx) => {
      const ended = await trx('oncall_overrides').where('ends_at', '>', now).update({ ends_at: now });
      if (ended > 0) {
        await appendAudit(trx, {
          at: new Date(now),
          actor: by,
          action: 'oncall.override_cleared',
          subject: 'oncall:overrides',
          details: { ended },
        });
      }
      return ended;
    });
  }
}
