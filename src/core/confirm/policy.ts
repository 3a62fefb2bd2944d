/**
 * The `confirm:` part of the policy file, its validation, and the answer deadline it implies.
 */
import { SecOpsError } from '../../errors.js';
import { addDays, dayOfWeek, isKnownTimeZone, type LocalDate, ZonedClock } from './zoned-time.js';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface BusinessHours {
  tz: string;
  days: Weekday[];
  /** "HH:MM", inclusive */
  start: string;
  /** "HH:MM", exclusive; "24:00" means the end of the day */
  end: string;
}

export interface ConfirmPolicy {
  timeoutMs: number;
  /** When set, the timeout only runs inside these hours. */
  businessHours: BusinessHours | null;
  maxIgnoreMs: number;
  /** how a "yes" is verified: push straight to the phone, the Universal Prompt link, or auto (the default): push when configured */
  secondFactor?: SecondFactorMode;
  /** a Duo verification this recent (for another alert of the same user) is reused; unset or 0 = never */
  reuseVerificationMs?: number;
}

export type SecondFactorMode = 'auto' | 'push' | 'prompt';
export const SECOND_FACTOR_MODES: readonly SecondFactorMode[] = ['auto', 'push', 'prompt'];
/** Longer than this, a reused verification no longer says much about who is at the keyboard now. */
export const MAX_REUSE_VERIFICATION_MS = 60 * 60_000;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export const DEFAULT_CONFIRM_POLICY: ConfirmPolicy = Object.freeze({
  timeoutMs: 2 * HOUR_MS,
  businessHours: null,
  maxIgnoreMs: 4 * HOUR_MS,
  secondFactor: 'auto',
  reuseVerificationMs: 0,
});

/** Index = `Date#getUTCDay()`. */
const WEEKDAYS_BY_INDEX: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/**
 * How far past `askedAt` computeDeadline will walk. A validated policy needs at most about a
 * year (see validateConfirmPolicy), so hitting this means an unvalidated policy reached us.
 */
const MAX_CALENDAR_DAYS = 3_660;
/** Validation keeps policies far inside the guard above; a DST-short week cannot push one over. */
const MAX_VALIDATED_CALENDAR_DAYS = 366;

/** Minutes since midnight for "HH:MM" (00:00–23:59, plus 24:00 when `allowEndOfDay`), else null. */
export function parseClockTime(text: string, allowEndOfDay = false): number | null {
  const match = /^(\d{2}):(\d{2})$/.exec(text);
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (allowEndOfDay && hours === 24 && minutes === 0) return 24 * 60;
  if (hours > 23 || minutes > 59) return null;
  return hours * 60 + minutes;
}

function isPositiveDuration(ms: number): boolean {
  return Number.isFinite(ms) && ms > 0;
}

/** Problems with the policy, each naming its path in the policy file; empty when it is usable. */
export function validateConfirmPolicy(p: ConfirmPolicy): string[] {
  const problems: string[] = [];
  if (!isPositiveDuration(p.timeoutMs)) {
    problems.push(`confirm.timeout: must be a positive duration, got ${p.timeoutMs}`);
  }
  if (!isPositiveDuration(p.maxIgnoreMs)) {
    problems.push(`confirm.max_ignore: must be a positive duration, got ${p.maxIgnoreMs}`);
  }
  if (p.secondFactor !== undefined && !SECOND_FACTOR_MODES.includes(p.secondFactor)) {
    problems.push(`confirm.second_factor: must be one of ${SECOND_FACTOR_MODES.join(', ')}, got '${p.secondFactor}'`);
  }
  const reuse = p.reuseVerificationMs ?? 0;
  if (!(reuse >= 0 && reuse <= MAX_REUSE_VERIFICATION_MS)) {
    problems.push('confirm.reuse_verification: must be a duration of at most 1h (or 0 for off)');
  }
  const hours = p.businessHours;
  if (hours === null) return problems;

  const path = 'confirm.business_hours';
  if (!isKnownTimeZone(hours.tz)) problems.push(`${path}.tz: unknown time zone '${hours.tz}'`);

  if (hours.days.length === 0) problems.push(`${path}.days: must name at least one day`);
  for (const day of hours.days) {
    if (!WEEKDAYS_BY_INDEX.includes(day)) {
      problems.push(`${path}.days: unknown day '${day}' (use mon, tue, wed, thu, fri, sat, sun)`);
    }
  }

  const start = parseClockTime(hours.start);
  const end = parseClockTime(hours.end, true);
  if (start === null) problems.push(`${path}.start: expected "HH:MM" between 00:00 and 23:59, got '${hours.start}'`);
  if (end === null) problems.push(`${path}.end: expected "HH:MM" between 00:00 and 24:00, got '${hours.end}'`);
  if (start !== null && end !== null && start >= end) {
    problems.push(
      `${path}: start '${hours.start}' must be before end '${hours.end}' (overnight windows are not supported)`,
    );
  }

  const knownDays = new Set(hours.days.filter((day) => WEEKDAYS_BY_INDEX.includes(day)));
  if (start !== null && end !== null && start < end && knownDays.size > 0 && isPositiveDuration(p.timeoutMs)) {
    const distinctDays = knownDays.size;
    const businessMsPerWeek = distinctDays * (end - start) * MINUTE_MS;
    const calendarDaysNeeded = Math.ceil(p.timeoutMs / businessMsPerWeek) * 7;
    if (calendarDaysNeeded > MAX_VALIDATED_CALENDAR_DAYS) {
      problems.push(
        `confirm.timeout: needs about ${calendarDaysNeeded} calendar days inside these business hours; keep it under a year`,
      );
    }
  }
  return problems;
}

/** When an alert asked at `askedAt` times out: `timeoutMs` of counted time later. */
export function computeDeadline(askedAt: Date, policy: ConfirmPolicy): Date {
  if (policy.businessHours === null) return new Date(askedAt.getTime() + policy.timeoutMs);
  return businessDeadline(askedAt, policy.timeoutMs, policy.businessHours);
}

/**
 * Walks local calendar days from the day of `askedAt`, spending the remaining time in each
 * day's window. Window edges are converted to instants per day, so a window that contains a
 * DST change counts the real elapsed time, not the wall-clock difference.
 */
function businessDeadline(askedAt: Date, timeoutMs: number, hours: BusinessHours): Date {
  const start = parseClockTime(hours.start);
  const end = parseClockTime(hours.end, true);
  if (start === null || end === null || start >= end || hours.days.length === 0 || !isKnownTimeZone(hours.tz)) {
    throw new SecOpsError('config', `confirm.business_hours is invalid: ${JSON.stringify(hours)}`);
  }
  const clock = new ZonedClock(hours.tz);
  const firstDay: LocalDate = clock.localDateOf(askedAt);
  const askedMs = askedAt.getTime();
  let remainingMs = timeoutMs;

  for (let offset = 0; offset < MAX_CALENDAR_DAYS; offset++) {
    const date = addDays(firstDay, offset);
    if (!hours.days.includes(WEEKDAYS_BY_INDEX[dayOfWeek(date)])) continue;
    const windowStart = clock.instantAt(date, start).getTime();
    const windowEnd = clock.instantAt(date, end).getTime();
    const countFrom = Math.max(windowStart, askedMs);
    if (countFrom >= windowEnd) continue;
    const available = windowEnd - countFrom;
    if (remainingMs <= available) return new Date(countFrom + remainingMs);
    remainingMs -= available;
  }
  throw new SecOpsError(
    'config',
    `confirm.timeout of ${timeoutMs} ms does not fit in ${MAX_CALENDAR_DAYS} days of business hours`,
  );
}
