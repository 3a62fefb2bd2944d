import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type BusinessHours,
  type ConfirmPolicy,
  computeDeadline,
  DEFAULT_CONFIRM_POLICY,
} from '../../src/core/confirm/policy.js';
import { isSecOpsError } from '../../src/errors.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const WEEKDAYS: BusinessHours['days'] = ['mon', 'tue', 'wed', 'thu', 'fri'];
const EVERY_DAY: BusinessHours['days'] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function policy(timeoutMs: number, hours: BusinessHours | null): ConfirmPolicy {
  return { timeoutMs, businessHours: hours, maxIgnoreMs: 4 * HOUR };
}

const LA_OFFICE: BusinessHours = { tz: 'America/Los_Angeles', days: WEEKDAYS, start: '10:00', end: '18:00' };

function deadlineIso(askedIso: string, p: ConfirmPolicy): string {
  return computeDeadline(new Date(askedIso), p).toISOString();
}

describe('computeDeadline without business hours', () => {
  it('is askedAt + timeout', () => {
    assert.equal(deadlineIso('2024-06-07T23:59:00Z', DEFAULT_CONFIRM_POLICY), '2024-06-08T01:59:00.000Z');
  });

  it('ignores DST: a 2h timeout is 2 real hours across the change', () => {
    assert.equal(deadlineIso('2024-03-10T09:30:00Z', policy(2 * HOUR, null)), '2024-03-10T11:30:00.000Z');
  });
});

describe('computeDeadline with business hours (Los Angeles, Mon–Fri 10:00–18:00, summer = UTC-7)', () => {
  const twoHours = policy(2 * HOUR, LA_OFFICE);

  it('inside the window, with room to spare: plain addition', () => {
    // Wed 10:15 PDT → Wed 12:15 PDT
    assert.equal(deadlineIso('2024-06-05T17:15:00Z', twoHours), '2024-06-05T19:15:00.000Z');
  });

  it('Friday 17:30 expires Monday 11:30 local', () => {
    assert.equal(deadlineIso('2024-06-08T00:30:00Z', twoHours), '2024-06-10T18:30:00.000Z');
  });

  it('exactly filling the rest of the window ends at closing time, not the next morning', () => {
    // Fri 16:00 PDT → Fri 18:00 PDT
    assert.equal(deadlineIso('2024-06-07T23:00:00Z', twoHours), '2024-06-08T01:00:00.000Z');
  });

  it('asked at closing time starts counting the next business morning', () => {
    // Fri 18:00 PDT → Mon 12:00 PDT
    assert.equal(deadlineIso('2024-06-08T01:00:00Z', twoHours), '2024-06-10T19:00:00.000Z');
  });

  it('overnight: asked Tuesday 22:00 expires Wednesday 12:00', () => {
    assert.equal(deadlineIso('2024-06-05T05:00:00Z', twoHours), '2024-06-05T19:00:00.000Z');
  });

  it('before opening: asked Monday 07:00 expires Monday 12:00', () => {
    assert.equal(deadlineIso('2024-06-03T14:00:00Z', twoHours), '2024-06-03T19:00:00.000Z');
  });

  it('weekend: asked Saturday noon expires Monday 12:00', () => {
    assert.equal(deadlineIso('2024-06-08T19:00:00Z', twoHours), '2024-06-10T19:00:00.000Z');
  });

  it('asked on Sunday just before midnight UTC but still Sunday afternoon locally', () => {
    // Sun 16:59 PDT; Monday in UTC already, which must not count as Monday business time
    assert.equal(deadlineIso('2024-06-09T23:59:00Z', twoHours), '2024-06-10T19:00:00.000Z');
  });

  it('a timeout longer than a day spans several windows', () => {
    // Mon 10:00 PDT + 20h business = 8 Mon + 8 Tue + 4 Wed → Wed 14:00 PDT
    assert.equal(deadlineIso('2024-06-03T17:00:00Z', policy(20 * HOUR, LA_OFFICE)), '2024-06-05T21:00:00.000Z');
  });

  it('a timeout longer than a week skips each weekend', () => {
    // 48h business = 6 days of 8h: Mon..Fri (40h) + next Mon 8h → next Mon 18:00 PDT
    assert.equal(deadlineIso('2024-06-03T17:00:00Z', policy(48 * HOUR, LA_OFFICE)), '2024-06-11T01:00:00.000Z');
  });
});

describe('computeDeadline across DST in America/Los_Angeles', () => {
  it('March: Friday 17:30 PST expires Monday 11:30 PDT', () => {
    assert.equal(deadlineIso('2024-03-09T01:30:00Z', policy(2 * HOUR, LA_OFFICE)), '2024-03-11T18:30:00.000Z');
  });

  it('November: Friday 17:30 PDT expires Monday 11:30 PST', () => {
    assert.equal(deadlineIso('2024-11-02T00:30:00Z', policy(2 * HOUR, LA_OFFICE)), '2024-11-04T19:30:00.000Z');
  });

  it('March: a 01:00–04:00 window on the change day holds only 2 real hours', () => {
    const hours: BusinessHours = { tz: 'America/Los_Angeles', days: EVERY_DAY, start: '01:00', end: '04:00' };
    // Sun 01:00 PST (09:00Z) → 2h until 04:00 PDT (11:00Z), last hour Mon 01:00–02:00 PDT
    assert.equal(deadlineIso('2024-03-10T09:00:00Z', policy(3 * HOUR, hours)), '2024-03-11T09:00:00.000Z');
  });

  it('March: a window opening inside the skipped hour opens when the clock jumps', () => {
    const hours: BusinessHours = { tz: 'America/Los_Angeles', days: EVERY_DAY, start: '02:30', end: '05:00' };
    // 02:30 does not exist on 2024-03-10; counting starts at 03:30 PDT (10:30Z)
    assert.equal(deadlineIso('2024-03-10T08:00:00Z', policy(30 * MINUTE, hours)), '2024-03-10T11:00:00.000Z');
  });

  it('November: a 00:00–03:00 window on the change day holds 4 real hours', () => {
    const hours: BusinessHours = { tz: 'America/Los_Angeles', days: EVERY_DAY, start: '00:00', end: '03:00' };
    // 00:00 PDT (07:00Z) + 3.5h → 02:30 PST (10:30Z), still the same window
    assert.equal(deadlineIso('2024-11-03T07:00:00Z', policy(3.5 * HOUR, hours)), '2024-11-03T10:30:00.000Z');
  });

  it('November: a window opening at a repeated time opens at its first occurrence', () => {
    const hours: BusinessHours = { tz: 'America/Los_Angeles', days: EVERY_DAY, start: '01:30', end: '03:00' };
    // 01:30 PDT (08:30Z) to 03:00 PST (11:00Z) is 2.5h
    assert.equal(deadlineIso('2024-11-03T08:00:00Z', policy(2.5 * HOUR, hours)), '2024-11-03T11:00:00.000Z');
    // one more minute rolls over to Monday 01:31 PST
    assert.equal(deadlineIso('2024-11-03T08:00:00Z', policy(2.5 * HOUR + MINUTE, hours)), '2024-11-04T09:31:00.000Z');
  });
});

describe('computeDeadline in Europe/Berlin', () => {
  const berlinOffice: BusinessHours = { tz: 'Europe/Berlin', days: WEEKDAYS, start: '09:00', end: '18:00' };

  it('March: Friday 17:30 CET expires Monday 10:30 CEST', () => {
    assert.equal(deadlineIso('2024-03-29T16:30:00Z', policy(2 * HOUR, berlinOffice)), '2024-04-01T08:30:00.000Z');
  });

  it('October: Friday 17:00 CEST expires Monday 10:00 CET', () => {
    assert.equal(deadlineIso('2024-10-25T15:00:00Z', policy(2 * HOUR, berlinOffice)), '2024-10-28T09:00:00.000Z');
  });

  it('round-the-clock hours equal plain addition, across both changes', () => {
    const always: BusinessHours = { tz: 'Europe/Berlin', days: EVERY_DAY, start: '00:00', end: '24:00' };
    const starts = ['2024-03-30T21:17:00Z', '2024-03-31T00:59:00Z', '2024-10-26T22:00:00Z', '2024-10-27T00:30:00Z'];
    for (const start of starts) {
      for (const timeout of [MINUTE, 3 * HOUR, 25 * HOUR, 50 * HOUR]) {
        const expected = new Date(new Date(start).getTime() + timeout).toISOString();
        assert.equal(deadlineIso(start, policy(timeout, always)), expected, `${start} + ${timeout}`);
      }
    }
  });
});

describe('computeDeadline with a half-hour offset zone', () => {
  it('Asia/Kolkata (UTC+5:30) Friday 17:30 expires Monday 11:30', () => {
    const hours: BusinessHours = { tz: 'Asia/Kolkata', days: WEEKDAYS, start: '10:00', end: '18:00' };
    assert.equal(deadlineIso('2024-06-07T12:00:00Z', policy(2 * HOUR, hours)), '2024-06-10T06:00:00.000Z');
  });
});

describe('computeDeadline guards', () => {
  it('refuses an invalid business-hours policy instead of looping', () => {
    const bad: BusinessHours = { tz: 'America/Los_Angeles', days: [], start: '10:00', end: '18:00' };
    assert.throws(
      () => computeDeadline(new Date(), policy(HOUR, bad)),
      (err) => isSecOpsError(err, 'config'),
    );
  });

  it('stops after a bounded number of days when the timeout cannot fit', () => {
    const tiny: BusinessHours = { tz: 'UTC', days: ['sun'], start: '00:00', end: '00:01' };
    const started = performance.now();
    assert.throws(
      () => computeDeadline(new Date('2024-01-01T00:00:00Z'), policy(7 * 24 * HOUR, tiny)),
      (err) => isSecOpsError(err, 'config') && /does not fit/.test((err as Error).message),
    );
    assert.ok(performance.now() - started < 2_000);
  });
});
