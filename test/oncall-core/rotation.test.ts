import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  activeOverride,
  handoffAt,
  handoffsBetween,
  type OnCallOverride,
  type OnCallPolicy,
  onCallAt,
  parseLocalHandoff,
  phonesOf,
  type Rotation,
  resolveSeniors,
  shiftIndexAt,
  slackOf,
} from '../../src/core/oncall/rotation.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const utc = (iso: string) => Date.parse(iso);

const people = {
  alice: { slack: 'U0ALICE', phone: '+15550000101' },
  bob: { slack: 'U0BOB', phone: '+15550000102' },
  carol: { slack: 'U0CAROL', phone: '+15550000103' },
};

function policy(rotation: Partial<Rotation> | null, extra: Partial<OnCallPolicy> = {}): OnCallPolicy {
  return {
    people,
    rotation:
      rotation === null
        ? null
        : { members: ['alice', 'bob'], shiftMs: WEEK, handoff: '2026-11-23T09:00', tz: 'Europe/London', ...rotation },
    seniors: [],
    primary: [],
    ...extra,
  };
}

const nameOf = (p: OnCallPolicy, overrides: OnCallOverride[], at: number) => {
  const h = onCallAt(p, overrides, at).holder;
  return h.kind === 'rotation' || h.kind === 'override' ? h.person.name : h.kind;
};

describe('parseLocalHandoff', () => {
  it('reads a local date and minute of day', () => {
    assert.deepEqual(parseLocalHandoff('2026-11-23T09:30'), { date: { year: 2026, month: 11, day: 23 }, minute: 570 });
  });
  for (const bad of [
    '2026-11-23',
    '2026-02-30T09:00',
    '2026-11-23T24:00',
    '2026-13-01T00:00',
    '23/11/2026 09:00',
    '',
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.equal(parseLocalHandoff(bad), null));
  }
});

describe('rotation: shift boundaries', () => {
  const p = policy({});
  const r = p.rotation!;
  const anchor = utc('2026-11-23T09:00:00Z'); // London is on GMT in November

  it('the configured handoff is shift 0, the first member from that instant on', () => {
    assert.equal(handoffAt(r, 0), anchor);
    assert.equal(nameOf(p, [], anchor), 'alice');
    assert.equal(nameOf(p, [], anchor - 1), 'bob');
  });

  it('a shift ends exactly at the next handoff (inclusive start, exclusive end)', () => {
    assert.equal(nameOf(p, [], anchor + WEEK - 1), 'alice');
    assert.equal(nameOf(p, [], anchor + WEEK), 'bob');
    assert.equal(nameOf(p, [], anchor + 2 * WEEK), 'alice');
  });

  it('works long before the anchor (negative shifts wrap around the members)', () => {
    assert.equal(shiftIndexAt(r, anchor - 10 * WEEK + 1), -10);
    assert.equal(nameOf(p, [], anchor - 10 * WEEK + 1), 'alice');
    assert.equal(nameOf(p, [], anchor - 9 * WEEK + 1), 'bob');
  });

  it('says until when and who is next', () => {
    const now = onCallAt(p, [], anchor + DAY);
    assert.equal(now.until, anchor + WEEK);
    assert.equal(now.next?.kind === 'rotation' && now.next.person.name, 'bob');
  });

  it('any shift length: 90 seconds over three members', () => {
    const q = policy({ members: ['alice', 'bob', 'carol'], shiftMs: 90_000 });
    assert.deepEqual(
      [0, 90_000, 180_000, 270_000].map((t) => nameOf(q, [], anchor + t)),
      ['alice', 'bob', 'carol', 'alice'],
    );
    assert.equal(onCallAt(q, [], anchor + 100_000).until, anchor + 180_000);
  });
});

describe('rotation: daylight-saving changes in Europe/London', () => {
  it('weekly 09:00 handoff stays 09:00 local across the last Sunday of October', () => {
    const p = policy({ handoff: '2026-10-18T09:00' });
    assert.equal(handoffAt(p.rotation!, 0), utc('2026-10-18T08:00:00Z')); // BST
    assert.equal(handoffAt(p.rotation!, 1), utc('2026-10-25T09:00:00Z')); // GMT: 7 days and 1 hour later
    assert.equal(nameOf(p, [], utc('2026-10-25T08:30:00Z')), 'alice', '08:30 GMT is still before the handoff');
    assert.equal(nameOf(p, [], utc('2026-10-25T09:00:00Z')), 'bob');
  });

  it('weekly 09:00 handoff stays 09:00 local across the last Sunday of March', () => {
    const p = policy({ handoff: '2027-03-21T09:00' });
    assert.equal(handoffAt(p.rotation!, 0), utc('2027-03-21T09:00:00Z')); // GMT
    assert.equal(handoffAt(p.rotation!, 1), utc('2027-03-28T08:00:00Z')); // BST: 1 hour short of 7 days
    assert.equal(nameOf(p, [], utc('2027-03-28T07:59:59Z')), 'alice');
    assert.equal(nameOf(p, [], utc('2027-03-28T08:00:00Z')), 'bob');
  });

  it('a daily 01:30 handoff on the October change day happens once, at the first 01:30', () => {
    const p = policy({ handoff: '2026-10-20T01:30', shiftMs: DAY });
    const handoffs = handoffsBetween(p.rotation!, utc('2026-10-24T12:00:00Z'), utc('2026-10-26T12:00:00Z'));
    assert.deepEqual(
      handoffs.map((t) => new Date(t).toISOString()),
      ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
    );
  });

  it('a daily 01:30 handoff on the March change day (01:30 does not exist) happens at 02:30 BST', () => {
    const p = policy({ handoff: '2027-03-20T01:30', shiftMs: DAY });
    const handoffs = handoffsBetween(p.rotation!, utc('2027-03-27T12:00:00Z'), utc('2027-03-29T12:00:00Z'));
    assert.deepEqual(
      handoffs.map((t) => new Date(t).toISOString()),
      ['2027-03-28T01:30:00.000Z', '2027-03-29T00:30:00.000Z'],
    );
  });

  it('a 12h shift is 12 hours of elapsed time, so its wall-clock handoff moves with DST', () => {
    const p = policy({ handoff: '2026-10-24T09:00', shiftMs: 12 * HOUR });
    assert.equal(handoffAt(p.rotation!, 2) - handoffAt(p.rotation!, 0), DAY);
  });

  it('shiftIndexAt agrees with handoffAt around every hour of both change weekends', () => {
    const p = policy({ handoff: '2026-10-01T01:30', shiftMs: DAY });
    for (const start of [utc('2026-10-24T00:00:00Z'), utc('2027-03-27T00:00:00Z')]) {
      for (let t = start; t < start + 3 * DAY; t += 15 * 60_000) {
        const k = shiftIndexAt(p.rotation!, t);
        assert.ok(handoffAt(p.rotation!, k) <= t && t < handoffAt(p.rotation!, k + 1), new Date(t).toISOString());
      }
    }
  });
});

describe('overrides', () => {
  const p = policy({});
  const anchor = utc('2026-11-23T09:00:00Z');
  const o = (slack: string, from: number, to: number): OnCallOverride => ({
    slack,
    startsAt: anchor + from,
    endsAt: anchor + to,
    by: 'U0BOSS',
  });

  it('an override that starts and ends inside a shift covers only its own window', () => {
    const overrides = [o('U0CAROL', 2 * DAY, 3 * DAY)];
    assert.equal(nameOf(p, overrides, anchor + 2 * DAY - 1), 'alice');
    assert.equal(nameOf(p, overrides, anchor + 2 * DAY), 'carol');
    assert.equal(nameOf(p, overrides, anchor + 3 * DAY - 1), 'carol');
    assert.equal(nameOf(p, overrides, anchor + 3 * DAY), 'alice');
  });

  it('until and next account for an override starting and ending inside the shift', () => {
    const overrides = [o('U0CAROL', 2 * DAY, 3 * DAY)];
    const before = onCallAt(p, overrides, anchor + DAY);
    assert.equal(before.until, anchor + 2 * DAY);
    assert.equal(slackOf(before.next!), 'U0CAROL');
    const during = onCallAt(p, overrides, anchor + 2 * DAY + HOUR);
    assert.equal(during.holder.kind, 'override');
    assert.equal(during.until, anchor + 3 * DAY);
    assert.equal(during.next?.kind === 'rotation' && during.next.person.name, 'alice');
  });

  it('an override across a handoff holds through it', () => {
    const overrides = [o('U0CAROL', WEEK - HOUR, WEEK + HOUR)];
    assert.equal(nameOf(p, overrides, anchor + WEEK), 'carol');
    assert.equal(nameOf(p, overrides, anchor + WEEK + HOUR), 'bob');
  });

  it('the latest-started of two overlapping overrides wins', () => {
    const overrides = [o('U0CAROL', 0, 5 * HOUR), o('U0BOB', HOUR, 2 * HOUR)];
    assert.equal(activeOverride(overrides, anchor + 90 * 60_000)?.slack, 'U0BOB');
    assert.equal(activeOverride(overrides, anchor + 3 * HOUR)?.slack, 'U0CAROL');
  });

  it('someone outside oncall.people can be put on call: Slack only, no phone', () => {
    const now = onCallAt(p, [o('U0DAVE', 0, HOUR)], anchor);
    assert.equal(slackOf(now.holder), 'U0DAVE');
    assert.deepEqual(phonesOf(now.holder), []);
  });

  it('a person from oncall.people found by Slack id gets their phone paged', () => {
    assert.deepEqual(phonesOf(onCallAt(p, [o('U0CAROL', 0, HOUR)], anchor).holder), ['+15550000103']);
  });
});

describe('no rotation', () => {
  it('oncall.primary still pages its numbers, with no end', () => {
    const p = policy(null, { primary: ['+15550000001'] });
    const now = onCallAt(p, [], 0);
    assert.deepEqual(phonesOf(now.holder), ['+15550000001']);
    assert.equal(now.until, null);
    assert.equal(slackOf(now.holder), null);
  });

  it('an override still applies, and primary comes back when it ends', () => {
    const p = policy(null, { primary: ['+15550000001'] });
    const now = onCallAt(p, [{ slack: 'U0BOB', startsAt: 0, endsAt: HOUR, by: 'U0X' }], 10);
    assert.equal(now.holder.kind, 'override');
    assert.equal(now.until, HOUR);
    assert.equal(now.next?.kind, 'primary');
  });

  it('nobody when neither is configured', () => {
    assert.equal(onCallAt(policy(null), [], 0).holder.kind, 'nobody');
  });
});

describe('seniors', () => {
  it('by name (with their phone and Slack) or by bare number', () => {
    const p = policy(null, { seniors: [{ name: 'carol' }, { phone: '+15550000002' }] });
    assert.deepEqual(resolveSeniors(p), [
      { name: 'carol', slack: 'U0CAROL', phone: '+15550000103' },
      { name: '+15550000002', slack: null, phone: '+15550000002' },
    ]);
  });
});
