import type { Db } from '../store/db.js';

const CHUNK = 200;

/** The people who have opened the Home tab: the only ones the bot ever publishes a Home for. */
export class HomeOpeners {
  constructor(private readonly db: Db) {}

  async record(userId: string, now: number): Promise<void> {
    await this.db('home_openers')
      .insert({ user_id: userId, first_opened_at: now, last_opened_at: now })
      .onConflict('user_id')
      .merge({ last_opened_at: now });
  }

  /** Those of `userIds` who have opened their Home. */
  async filter(userIds: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    const unique = [...new Set(userIds)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const rows: { user_id: string }[] = await this.db('home_openers')
        .whereIn('user_id', unique.slice(i, i + CHUNK))
        .select('user_id');
      out.push(...rows.map((r) => String(r.user_id)));
    }
    return out;
  }

  async all(): Promise<string[]> {
    const rows: { user_id: string }[] = await this.db('home_openers').select('user_id');
    return rows.map((r) => String(r.user_id));
  }
}
