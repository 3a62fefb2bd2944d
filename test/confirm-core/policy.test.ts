import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type BusinessHours,
  type ConfirmPolicy,
  DEFAULT_CONFIRM_POLICY,
  parseClockTime,
  validateConfirmPolicy,
  type Weekday,
} from '../../src/core/confirm/policy.js';

const HOUR = 3_600_000;
const GOOD_HOURS: BusinessHours = {
  tz: 'America/Los_Angeles',
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  start: '10:00',
  end: '18:00',
};

function withHours(changes: Partial<BusinessHours>, timeoutMs = 2 * HOUR): ConfirmPolicy {
  return { timeoutMs, maxIgnoreMs: 4 * HOUR, businessHours: { ...GOOD_HOURS, ...changes } };
}

describe('DEFAULT_CONFIRM_POLICY', () => {
  it('is 2h timeout, no business hours, 4h max ignore, and valid', () => {
    assert.deepEqual(DEFAULT_CONFIRM_POLICY, {
      timeoutMs: 2 * HOUR,
      businessHours: null,
      maxIgnoreMs: 4 * HOUR,
      secondFactor: 'auto',
      reuseVerificationMs: 0,
    });
    assert.deepEqual(validateConfirmPolicy(DEFAULT_CONFIRM_POLICY), []);
  });

  it('cannot be changed by accident through the shared object', () => {
    assert.throws(() => {
      (DEFAULT_CONFIRM_POLICY as { timeoutMs: number }).timeoutMs = 1;
    }, TypeError);
  });
});

describe('validateConfirmPolicy', () => {
  it('accepts good business hours, including an end of 24:00', () => {
    assert.deepEqual(validateConfirmPolicy(withHours({})), []);
    assert.deepEqual(validateConfirmPolicy(withHours({ start: '00:00', end: '24:00', tz: 'UTC' })), []);
  });

  it('names an unknown time zone', () => {
    assert.deepEqual(validateConfirmPolicy(withHours({ tz: 'Mars/Base' })), [
      "confirm.business_hours.tz: unknown time zone 'Mars/Base'",
    ]);
  });

  it('refuses start at or after end', () => {
    for (const [start, end] of [
      ['18:00', '10:00'],
      ['10:00', '10:00'],
      ['22:00', '06:00'],
    ]) {
      const problems = validateConfirmPolicy(withHours({ start, end }));
      assert.equal(problems.length, 1, `${start}-${end}`);
      assert.match(problems[0], /^confirm\.business_hours: start '.+' must be before end/);
    }
  });

  it('refuses malformed HH:MM', () => {
    for (const bad of ['9:00', '25:00', '12:60', '1000', '10:00:00', ' 10:00', '', 'ten']) {
      assert.deepEqual(
        validateConfirmPolicy(withHours({ start: bad })).filter((p) => p.startsWith('confirm.business_hours.start:')),
        [`confirm.business_hours.start: expected "HH:MM" between 00:00 and 23:59, got '${bad}'`],
        bad,
      );
    }
    assert.match(
      validateConfirmPolicy(withHours({ start: '24:00', end: '24:00' }))[0],
      /^confirm\.business_hours\.start/,
    );
    assert.match(validateConfirmPolicy(withHours({ end: '24:30' }))[0], /^confirm\.business_hours\.end/);
  });

  it('refuses empty and unknown days', () => {
    assert.deepEqual(validateConfirmPolicy(withHours({ days: [] })), [
      'confirm.business_hours.days: must name at least one day',
    ]);
    const problems = validateConfirmPolicy(withHours({ days: ['mon', 'monday' as Weekday] }));
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^confirm\.business_hours\.days: unknown day 'monday'/);
  });

  it('refuses non-positive or non-finite durations', () => {
    const problems = validateConfirmPolicy({ timeoutMs: 0, businessHours: null, maxIgnoreMs: Number.NaN });
    assert.equal(problems.length, 2);
    assert.match(problems[0], /^confirm\.timeout: must be a positive duration/);
    assert.match(problems[1], /^confirm\.max_ignore: must be a positive duration/);
    assert.match(validateConfirmPolicy({ ...DEFAULT_CONFIRM_POLICY, timeoutMs: -5 })[0], /^confirm\.timeout/);
  });

  it('refuses a timeout that would take over a year of calendar time inside tiny business hours', () => {
    const problems = validateConfirmPolicy(withHours({ days: ['sun'], start: '00:00', end: '00:01' }, 7 * 24 * HOUR));
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^confirm\.timeout: needs about \d+ calendar days/);
    // a long timeout in ordinary office hours is fine
    assert.deepEqual(validateConfirmPolicy(withHours({}, 7 * 24 * HOUR)), []);
  });

  it('reports every problem at once', () => {
    const problems = validateConfirmPolicy({
      timeoutMs: -1,
      maxIgnoreMs: 4 * HOUR,
      businessHours: { tz: 'Nowhere/Land', days: [], start: '7am', end: '18:00' },
    });
    assert.equal(problems.length, 4, problems.join('\n'));
  });
});

describe('parseClockTime', () => {
  it('reads minutes since midnight', () => {
    assert.equal(parseClockTime('00:00'), 0);
    assert.equal(parseClockTime('10:30'), 630);
    assert.equal(parseClockTime('23:59'), 1439);
    assert.equal(parseClockTime('24:00'), null);
    assert.equal(parseClockTime('24:00', true), 1440);
    assert.equal(parseClockTime('24:01', true), null);
  });
});
