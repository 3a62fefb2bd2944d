/**
 * The small once-only records of the on-call loop: which number was paged for which alert,
 * Twilio webhooks already answered, handoffs already announced, "escalate now" requests,
 * and numbers that texted STOP. Each claim is a unique key, so replicas agree without locks.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { appendAudit } from '../store/audit.js';
import { type Db, isUniqueViolation } from '../store/db.js';

export interface PageRecord {
  alertId: string;
  phone: string;
  method: 'sms' | 'call' | 'escalate';
  sid: string | null;
  at: number;
}

type Exec = Db | Knex.Transaction;

async function insertOnce(db: Exec, table: string, row: Record<string, unknown>): Promise<boolean> {
  try {
    await db(table).insert(row);
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

export class OnCallRecords {
  constructor(private readonly db: Db) {}

  /** `exec`: the transaction that marks the page's outbox row sent, so a sent page is always findable. */
  async recordPage(p: PageRecord, exec: Exec = this.db): Promise<void> {
    await exec('oncall_pages').insert({
      alert_id: p.alertId,
      phone: p.phone,
      method: p.method,
      sid: p.sid,
      paged_at: p.at,
    });
  }

  /** The alert most recently paged to this number, or null when it was never paged. */
  async latestPagedAlert(phone: string): Promise<string | null> {
    const row = await this.db('oncall_pages')
      .where({ phone })
      .orderBy([
        { column: 'paged_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .first('alert_id');
    return (row?.alert_id as string | undefined) ?? null;
  }

  async wasPaged(phone: string, alertId?: string): Promise<boolean> {
    const q = this.db('oncall_pages').where({ phone });
    if (alertId !== undefined) q.andWhere({ alert_id: alertId });
    return (await q.first('id')) !== undefined;
  }

  async pageBySid(sid: string): Promise<PageRecord | null> {
    const r = await this.db('oncall_pages').where({ sid }).first();
    if (!r) return null;
    return { alertId: r.alert_id, phone: r.phone, method: r.method, sid: r.sid, at: Number(r.paged_at) };
  }

  /**
   * The stored answer to a webhook request seen before, or null (and the request is now
   * claimed) when it is new. Twilio signs the same URL and parameters the same way, so a
   * replay has the same key; a retry of a request we failed to answer is a replay too.
   */
  async claimWebhook(path: string, url: string, params: Record<string, string>, now: number): Promise<string | null> {
    const key = receiptKey(url, params);
    if (
      await insertOnce(this.db, 'oncall_webhook_receipts', { receipt_key: key, path, response: '', received_at: now })
    ) {
      return null;
    }
    const row = await this.db('oncall_webhook_receipts').where({ receipt_key: key }).first('response');
    return (row?.response as string | undefined) ?? '';
  }

  /** The request failed before it was answered: let Twilio's retry be processed, not replayed. */
  async releaseWebhook(url: string, params: Record<string, string>): Promise<void> {
    await this.db('oncall_webhook_receipts')
      .where({ receipt_key: receiptKey(url, params), response: '' })
      .delete();
  }

  async storeWebhookAnswer(url: string, params: Record<string, string>, response: string): Promise<void> {
    await this.db('oncall_webhook_receipts')
      .where({ receipt_key: receiptKey(url, params) })
      .update({ response });
  }

  /** One announcement per handoff instant across replicas. */
  async claimHandoff(
    handoffAt: number,
    person: string,
    replica: string,
    now: number,
    exec: Exec = this.db,
  ): Promise<boolean> {
    return insertOnce(exec, 'oncall_handoffs', {
      handoff_at: handoffAt,
      person,
      replica,
      claimed_at: now,
    });
  }

  /** The latest handoff announced, so a restarted announcer does not re-announce older ones. */
  async lastAnnouncedHandoff(): Promise<number | null> {
    const row = await this.db('oncall_handoffs').max({ at: 'handoff_at' }).first();
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }

  /** "Escalate now" happens once per alert and tier, however many people press 2. */
  async claimEscalation(
    alertId: string,
    tier: number,
    by: string,
    how: string,
    now: number,
    exec: Exec = this.db,
  ): Promise<boolean> {
    const won = await insertOnce(exec, 'oncall_escalations', {
      alert_id: alertId,
      tier,
      by_who: by,
      how,
      escalated_at: now,
    });
    if (won) {
      await appendAudit(exec as Db, {
        at: new Date(now),
        actor: by,
        action: 'oncall.escalated',
        subject: `hive:${alertId}`,
        details: { how, tier },
      });
    }
    return won;
  }

  /** A number Twilio says cannot receive SMS (21610): true when this call first recorded it. */
  async markOptedOut(phone: string, now: number, exec: Exec = this.db): Promise<boolean> {
    return insertOnce(exec, 'oncall_sms_optouts', { phone, since: now, told_at: null });
  }

  async optedOutNumbers(): Promise<Set<string>> {
    const rows = await this.db('oncall_sms_optouts').select('phone');
    return new Set(rows.map((r: { phone: string }) => r.phone));
  }

  async isOptedOut(phone: string): Promise<boolean> {
    return (await this.db('oncall_sms_optouts').where({ phone }).first('phone')) !== undefined;
  }

  /** It works again (an SMS went through, or the person texted START). */
  async clearOptOut(phone: string): Promise<boolean> {
    return (await this.db('oncall_sms_optouts').where({ phone }).delete()) > 0;
  }
}

function receiptKey(url: string, params: Record<string, string>): string {
  const canonical = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHash('sha256').update(`${url}\n${canonical}`).digest('hex');
}
