/**
 * Who is on call: a rotation of named people with one handoff instant (local to a zone) and a
 * shift of any length, overridden for a while by someone a responder names. Pure: `now` is
 * passed in, overrides come from the caller's store.
 *
 * Shifts that are whole days are counted on the local calendar, so a weekly 09:00 handoff in
 * Europe/London stays at 09:00 on the wall clock across a DST change (the shift that contains
 * the change is an hour shorter or longer). Other shifts (hours, the sandbox's seconds) are
 * fixed lengths of elapsed time.
 */
import { addDays, type LocalDate, ZonedClock } from '../confirm/zoned-time.js';

const DAY_MS = 86_400_000;

export interface OnCallPerson {
  name: string;
  /** Slack user ID (U…), for mentions and DMs */
  slack: string | null;
  /** E.164, for SMS and calls */
  phone: string | null;
}

export interface Rotation {
  /** names from `people`, in order */
  members: string[];
  shiftMs: number;
  /** "YYYY-MM-DDTHH:MM" on the wall clock of `tz`: one handoff instant; the others follow from it */
  handoff: string;
  tz: string;
}

/** A senior is a named person or a bare number. */
export type SeniorRef = { name: string } | { phone: string };

export interface OnCallPolicy {
  people: Record<string, { slack: string | null; phone: string | null }>;
  rotation: Rotation | null;
  seniors: SeniorRef[];
  /** numbers paged when there is no rotation (the first wave's setting) */
  primary: string[];
}

export interface OnCallOverride {
  /** Slack user put on call */
  slack: string;
  startsAt: number;
  endsAt: number;
  /** who set it, for `/oncall` */
  by: string;
}

/** Whoever is paged: a person (from the rotation or an override) or the fixed primary numbers. */
export type OnCallHolder =
  | { kind: 'rotation'; person: OnCallPerson; shift: number }
  | { kind: 'override'; person: OnCallPerson; override: OnCallOverride }
  | { kind: 'primary'; phones: string[] }
  | { kind: 'nobody' };

export interface OnCallNow {
  holder: OnCallHolder;
  /** when the holder changes; null when it never does (primary numbers, no override) */
  until: number | null;
  /** who takes over at `until` */
  next: OnCallHolder | null;
}

/** Parses "YYYY-MM-DDTHH:MM" into a local date and minute of day, or null. */
export function parseLocalHandoff(text: string): { date: LocalDate; minute: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return null;
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1) return null;
  return { date: { year, month, day }, minute: hour * 60 + minute };
}

/**
 * The instant of handoff number `k` (0 is the configured one; negative ones lie before it).
 * Shift `k` runs from handoffAt(k) to handoffAt(k + 1).
 */
export function handoffAt(rotation: Rotation, k: number): number {
  const anchor = parseLocalHandoff(rotation.handoff);
  if (anchor === null) throw new Error(`oncall.rotation.handoff is invalid: ${rotation.handoff}`);
  const clock = new ZonedClock(rotation.tz);
  if (rotation.shiftMs % DAY_MS === 0) {
    const days = (rotation.shiftMs / DAY_MS) * k;
    return clock.instantAt(addDays(anchor.date, days), anchor.minute).getTime();
  }
  return clock.instantAt(anchor.date, anchor.minute).getTime() + k * rotation.shiftMs;
}

/** The shift number that contains `now`: handoffAt(k) <= now < handoffAt(k + 1). */
export function shiftIndexAt(rotation: Rotation, now: number): number {
  const origin = handoffAt(rotation, 0);
  // DST moves a calendar shift by at most an hour, so the estimate is off by at most one.
  let k = Math.floor((now - origin) / rotation.shiftMs);
  while (handoffAt(rotation, k) > now) k--;
  while (handoffAt(rotation, k + 1) <= now) k++;
  return k;
}

export function memberOfShift(rotation: Rotation, k: number): string {
  const n = rotation.members.length;
  return rotation.members[((k % n) + n) % n]!;
}

export function personNamed(policy: OnCallPolicy, name: string): OnCallPerson {
  const p = policy.people[name];
  return { name, slack: p?.slack ?? null, phone: p?.phone ?? null };
}

/** A Slack user as a person: their entry in `people` when there is one, so they have a phone. */
export function personBySlack(policy: OnCallPolicy, slack: string): OnCallPerson {
  for (const [name, p] of Object.entries(policy.people)) {
    if (p.slack === slack) return { name, slack, phone: p.phone };
  }
  return { name: slack, slack, phone: null };
}

/** The override in force at `now`: the most recently started one wins when two overlap. */
export function activeOverride(overrides: OnCallOverride[], now: number): OnCallOverride | null {
  let best: OnCallOverride | null = null;
  for (const o of overrides) {
    if (o.startsAt <= now && now < o.endsAt && (best === null || o.startsAt >= best.startsAt)) best = o;
  }
  return best;
}

function holderAt(policy: OnCallPolicy, overrides: OnCallOverride[], at: number): OnCallHolder {
  const override = activeOverride(overrides, at);
  if (override) return { kind: 'override', person: personBySlack(policy, override.slack), override };
  const rotation = policy.rotation;
  if (rotation && rotation.members.length > 0) {
    const k = shiftIndexAt(rotation, at);
    return { kind: 'rotation', person: personNamed(policy, memberOfShift(rotation, k)), shift: k };
  }
  if (policy.primary.length > 0) return { kind: 'primary', phones: [...policy.primary] };
  return { kind: 'nobody' };
}

/** Who is on call at `now`, until when, and who is next. */
export function onCallAt(policy: OnCallPolicy, overrides: OnCallOverride[], now: number): OnCallNow {
  const holder = holderAt(policy, overrides, now);
  const changes: number[] = [];
  const rotation = policy.rotation;
  if (rotation && rotation.members.length > 0) changes.push(handoffAt(rotation, shiftIndexAt(rotation, now) + 1));
  for (const o of overrides) {
    if (o.startsAt > now) changes.push(o.startsAt);
    if (o.startsAt <= now && now < o.endsAt) changes.push(o.endsAt);
  }
  if (changes.length === 0) return { holder, until: null, next: null };
  const until = Math.min(...changes);
  return { holder, until, next: holderAt(policy, overrides, until) };
}

/** Rotation handoffs in (from, to], oldest first: what a handoff announcer has to say. */
export function handoffsBetween(rotation: Rotation, from: number, to: number): number[] {
  if (to <= from || rotation.members.length === 0) return [];
  const out: number[] = [];
  for (let k = shiftIndexAt(rotation, from) + 1; ; k++) {
    const at = handoffAt(rotation, k);
    if (at > to) return out;
    out.push(at);
  }
}

/** Phones to page for a holder. */
export function phonesOf(holder: OnCallHolder): string[] {
  if (holder.kind === 'primary') return holder.phones;
  if (holder.kind === 'rotation' || holder.kind === 'override') return holder.person.phone ? [holder.person.phone] : [];
  return [];
}

/** Slack user to mention and DM for a holder, if any. */
export function slackOf(holder: OnCallHolder): string | null {
  return holder.kind === 'rotation' || holder.kind === 'override' ? holder.person.slack : null;
}

/** Seniors resolved to people (a bare number is a person with only a phone). */
export function resolveSeniors(policy: OnCallPolicy): OnCallPerson[] {
  return policy.seniors.map((ref) =>
    'name' in ref ? personNamed(policy, ref.name) : { name: ref.phone, slack: null, phone: ref.phone },
  );
}
