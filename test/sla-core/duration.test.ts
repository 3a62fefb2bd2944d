import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from '../../src/core/duration.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  const valid: [string, number][] = [
    ['500ms', 500],
    ['45s', 45 * SECOND],
    ['30m', 30 * MINUTE],
    ['2h', 2 * HOUR],
    ['7d', 7 * DAY],
    ['0s', 0],
    ['0ms', 0],
    ['0d', 0],
    ['1h 30m', HOUR + 30 * MINUTE],
    ['1h30m', HOUR + 30 * MINUTE],
    ['1d 2h 3m 4s 5ms', DAY + 2 * HOUR + 3 * MINUTE + 4 * SECOND + 5],
    ['  30m  ', 30 * MINUTE],
    ['90m', 90 * MINUTE],
    ['0030m', 30 * MINUTE],
  ];
  for (const [input, expected] of valid) {
    it(`reads ${JSON.stringify(input)} as ${expected} ms`, () => {
      assert.equal(parseDuration(input), expected);
    });
  }

  const malformed = [
    '',
    '   ',
    '30',
    'm',
    'ms',
    '30x',
    '-5m',
    '1.5h',
    '30 m',
    '30M',
    '1H',
    '1h 30',
    'h1',
    '30m!',
    '1w',
  ];
  for (const input of malformed) {
    it(`rejects ${JSON.stringify(input)} naming the input and the expected form`, () => {
      assert.throws(
        () => parseDuration(input),
        (err: unknown) => err instanceof Error && err.message.includes(`"${input}"`) && err.message.includes('"30m"'),
      );
    });
  }

  it('rejects units out of order or repeated', () => {
    for (const input of ['30m 1h', '30m30m', '1s 1d', '5ms 1s']) {
      assert.throws(() => parseDuration(input), /list each unit once, largest first/, input);
    }
  });

  it('rejects a duration too large to hold in milliseconds', () => {
    assert.throws(() => parseDuration('999999999999999d'), /too large/);
  });

  it('rejects a bare number that YAML handed over as a number', () => {
    assert.throws(() => parseDuration(30 as unknown as string), /invalid duration 30: expected a whole number/);
  });
});

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [0.4, '0s'],
    [1, '1ms'],
    [999, '999ms'],
    [SECOND, '1s'],
    [59_999, '59s'],
    [61 * SECOND, '1m 1s'],
    [45 * MINUTE, '45m'],
    [45 * MINUTE + 59 * SECOND, '45m 59s'],
    [HOUR, '1h'],
    [HOUR + 30 * MINUTE, '1h 30m'],
    [HOUR + 30 * MINUTE + 59 * SECOND, '1h 30m'],
    [2 * DAY + 3 * HOUR, '2d 3h'],
    [2 * DAY + 3 * HOUR + 59 * MINUTE, '2d 3h'],
    [DAY + 5 * MINUTE, '1d'],
    [7 * DAY, '7d'],
    [400 * DAY, '400d'],
    [-5 * MINUTE, '-5m'],
    [-(HOUR + 30 * MINUTE), '-1h 30m'],
  ];
  for (const [ms, expected] of cases) {
    it(`formats ${ms} ms as "${expected}"`, () => {
      assert.equal(formatDuration(ms), expected);
    });
  }

  it('throws on a non-finite number, which can only be a bug upstream', () => {
    assert.throws(() => formatDuration(Number.NaN), RangeError);
    assert.throws(() => formatDuration(Number.POSITIVE_INFINITY), RangeError);
  });

  it('round-trips through parseDuration for values it shows exactly', () => {
    for (const ms of [500, 45 * SECOND, 30 * MINUTE, HOUR + 30 * MINUTE, 2 * DAY + 3 * HOUR, 7 * DAY]) {
      assert.equal(parseDuration(formatDuration(ms)), ms);
    }
  });
});
