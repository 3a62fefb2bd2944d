import type { IgnoreRule } from '../core/confirm/ignore-rules.js';
import { type Db, isUniqueViolation } from '../store/db.js';

/** Ignore rules as stored; matching itself is the pure `findMatchingRule`. */
export class IgnoreRuleStore {
  constructor(private readonly db: Db) {}

  /** null when this alert already produced a rule (one rule per confirmed alert). */
  async create(rule: Omit<IgnoreRule, 'id'> & { alertId: number }, now: number): Promise<IgnoreRule | null> {
    try {
      const [id] = await this.db('confirm_ignore_rules').insert({
        user_id: rule.userId,
        title: rule.title,
        alert_id: rule.alertId,
        created_at: now,
        expires_at: rule.expiresAt.getTime(),
      });
      return { id: Number(id), userId: rule.userId, title: rule.title, expiresAt: rule.expiresAt };
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }

  async liveFor(userId: string, now: number): Promise<IgnoreRule[]> {
    const rows = await this.db('confirm_ignore_rules').where({ user_id: userId }).andWhere('expires_at', '>', now);
    return rows.map((r: Record<string, unknown>) => ({
      id: Number(r.id),
      userId: String(r.user_id),
      title: String(r.title),
      expiresAt: new Date(Number(r.expires_at)),
    }));
  }
}
