/**
 * Who is on call, for the phone panel: read the way `/oncall` reads it (the policy's rotation,
 * the overrides in the bot's database, `onCallAt`), so the page and Slack never disagree.
 */
import type { Policy } from '../../config/policy.js';
import { type OnCallHolder, onCallAt, resolveSeniors } from '../../core/oncall/rotation.js';
import { OverrideStore } from '../../oncall/override-store.js';
import type { Db } from '../../store/db.js';

export interface OnCallPersonView {
  name: string;
  slack: string | null;
  phone: string | null;
  /** rotation, override or primary (the fixed numbers) */
  kind: 'rotation' | 'override' | 'primary';
}

export interface OnCallView {
  now: OnCallPersonView[];
  until: number | null;
  next: OnCallPersonView[];
}

export type OnCallViewSource = () => Promise<OnCallView>;

function people(holder: OnCallHolder | null): OnCallPersonView[] {
  if (holder === null || holder.kind === 'nobody') return [];
  if (holder.kind === 'primary') {
    return holder.phones.map((phone) => ({ name: phone, slack: null, phone, kind: 'primary' as const }));
  }
  const { name, slack, phone } = holder.person;
  return [{ name, slack, phone, kind: holder.kind }];
}

export function botOnCallView(db: Db, policy: Policy): OnCallViewSource {
  const overrides = new OverrideStore(db);
  return async () => {
    const at = Date.now();
    const now = onCallAt(policy.onCallPolicy, await overrides.current(at), at);
    return { now: people(now.holder), until: now.until, next: people(now.next) };
  };
}

/** Names for the numbers the bot pages, so the phone panel can say whose phone rang. */
export function phoneBook(policy: Policy): Record<string, { name: string; role: 'on-call' | 'senior' }> {
  const book: Record<string, { name: string; role: 'on-call' | 'senior' }> = {};
  const p = policy.onCallPolicy;
  for (const phone of p.primary) book[phone] = { name: phone, role: 'on-call' };
  for (const [name, person] of Object.entries(p.people)) {
    if (person.phone) book[person.phone] = { name, role: 'on-call' };
  }
  for (const senior of resolveSeniors(p)) {
    if (senior.phone) book[senior.phone] = { name: senior.name, role: 'senior' };
  }
  return book;
}
