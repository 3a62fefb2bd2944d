/**
 * Durations as operators write them in the policy file ("45s", "30m", "1h 30m")
 * and as people read them in notices ("2d 3h").
 */

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type DurationUnit = keyof typeof UNIT_MS;

/** Largest first: a compound duration must list its units in this order, each at most once. */
const UNIT_ORDER: readonly DurationUnit[] = ['d', 'h', 'm', 's', 'ms'];

// `ms` before `m` and `s` in the alternation, or "500ms" would be read as "500m" followed by garbage.
const PART_SOURCE = '(\\d+)(ms|d|h|m|s)\\s*';

const EXPECTED = 'expected a whole number and a unit (ms, s, m, h, d), such as "45s", "30m", "2h", "7d" or "1h 30m"';

/**
 * Parses "500ms", "45s", "30m", "2h", "7d" or a compound such as "1h 30m" / "1h30m" into milliseconds.
 * Throws an Error whose message quotes the input and says what was expected.
 */
export function parseDuration(input: string): number {
  // The config loader hands over whatever YAML produced; a bare number is the most likely mistake.
  if (typeof input !== 'string') {
    throw new Error(`invalid duration ${JSON.stringify(input)}: ${EXPECTED}`);
  }
  const text = input.trim();
  if (text === '') throw new Error(`invalid duration "${input}": ${EXPECTED}`);

  let total = 0;
  let lastUnitRank = -1;
  const part = new RegExp(PART_SOURCE, 'y');
  while (part.lastIndex < text.length) {
    const match = part.exec(text);
    if (match === null) throw new Error(`invalid duration "${input}": ${EXPECTED}`);
    const unit = match[2] as DurationUnit;
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank <= lastUnitRank) {
      throw new Error(`invalid duration "${input}": list each unit once, largest first (d, h, m, s, ms)`);
    }
    lastUnitRank = rank;
    total += Number(match[1]) * UNIT_MS[unit];
  }
  if (!Number.isSafeInteger(total)) throw new Error(`invalid duration "${input}": too large`);
  return total;
}

/**
 * Human-readable duration with at most two adjacent units, truncated rather than rounded
 * (an alert 45m59s old reads "45m", never "46m"): "45m", "1h 30m", "2d 3h", "1d", "500ms".
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`formatDuration needs a finite number of milliseconds, got ${ms}`);
  const sign = ms < 0 ? '-' : '';
  const abs = Math.floor(Math.abs(ms));
  if (abs === 0) return '0s';
  if (abs < UNIT_MS.s) return `${sign}${abs}ms`;

  const wholeUnits: DurationUnit[] = ['d', 'h', 'm', 's'];
  const first = wholeUnits.findIndex((unit) => abs >= UNIT_MS[unit]);
  const firstUnit = wholeUnits[first]!;
  const firstCount = Math.floor(abs / UNIT_MS[firstUnit]);
  let text = `${sign}${firstCount}${firstUnit}`;

  const secondUnit = wholeUnits[first + 1];
  if (secondUnit !== undefined) {
    const secondCount = Math.floor((abs % UNIT_MS[firstUnit]) / UNIT_MS[secondUnit]);
    if (secondCount > 0) text += ` ${secondCount}${secondUnit}`;
  }
  return text;
}
