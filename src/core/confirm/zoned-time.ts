/**
 * Wall-clock time in an IANA time zone, using only `Intl.DateTimeFormat` (no dependencies).
 *
 * The core needs two conversions: instant → local calendar date, and local date + "HH:MM" →
 * instant. The second is the tricky one around DST, so it follows Temporal's 'compatible'
 * rule: a wall time that occurs twice (autumn) means the earlier instant, and one that does
 * not exist (spring gap) is pushed forward by the length of the gap.
 */

const DAY_MS = 86_400_000;

/** A calendar date with no zone attached; month is 1-12. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Reads wall-clock fields of instants in one zone; build once per computation and reuse. */
export class ZonedClock {
  private readonly formatter: Intl.DateTimeFormat;

  constructor(readonly timeZone: string) {
    this.formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The wall clock at `epochMs`, expressed as if it were UTC (so offsets are plain subtraction). */
  private wallAsUtc(epochMs: number): number {
    const fields: Record<string, number> = {};
    for (const part of this.formatter.formatToParts(new Date(epochMs))) {
      if (part.type !== 'literal') fields[part.type] = Number(part.value);
    }
    // Some ICU builds print midnight as hour 24 even with h23; treat it as 0.
    const hour = fields.hour === 24 ? 0 : fields.hour;
    return Date.UTC(fields.year, fields.month - 1, fields.day, hour, fields.minute, fields.second);
  }

  /** UTC offset in ms at that instant (positive east of Greenwich). */
  offsetAt(epochMs: number): number {
    const wholeSecond = Math.floor(epochMs / 1000) * 1000;
    return this.wallAsUtc(wholeSecond) - wholeSecond;
  }

  localDateOf(instant: Date): LocalDate {
    const wall = new Date(this.wallAsUtc(instant.getTime()));
    return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
  }

  /** The instant at which the wall clock in this zone shows `minuteOfDay` on `date` (0..1440). */
  instantAt(date: LocalDate, minuteOfDay: number): Date {
    const wallMs = Date.UTC(date.year, date.month - 1, date.day) + minuteOfDay * 60_000;
    // Real zones change offset at most once within a couple of days, so the offsets a day
    // either side are the only candidates.
    const offsetBefore = this.offsetAt(wallMs - DAY_MS);
    const offsetAfter = this.offsetAt(wallMs + DAY_MS);
    const candidates = [wallMs - offsetBefore, wallMs - offsetAfter].filter((t) => t + this.offsetAt(t) === wallMs);
    if (candidates.length > 0) return new Date(Math.min(...candidates));
    return new Date(wallMs - offsetBefore);
  }
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** 0 = Sunday … 6 = Saturday, like `Date#getUTCDay`. */
export function dayOfWeek(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}
