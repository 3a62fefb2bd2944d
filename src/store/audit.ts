import type { Db } from './db.js';

export interface AuditEntry {
  at: Date;
  /** Slack user ID, 'system', 'api', or an integration name */
  actor: string;
  action: string;
  /** what it is about, e.g. 'confirm:42' or 'hive:~123' */
  subject: string;
  details: Record<string, unknown>;
}

/** The audit log is append-only: there is deliberately no update or delete here. */
export async function appendAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db('audit_log').insert({
    at: entry.at.getTime(),
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    details: JSON.stringify(entry.details),
  });
}

export async function listAudit(db: Db, subject: string): Promise<AuditEntry[]> {
  const rows = await db('audit_log').where({ subject }).orderBy('id', 'asc');
  return rows.map((r: { at: number | string; actor: string; action: string; subject: string; details: string }) => ({
    at: new Date(Number(r.at)),
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    details: JSON.parse(r.details) as Record<string, unknown>,
  }));
}
