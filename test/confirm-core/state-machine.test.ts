import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ConfirmAlertView,
  type ConfirmEvent,
  type ConfirmStatus,
  type EscalationReason,
  isFinal,
  transition,
} from '../../src/core/confirm/state-machine.js';

const OWNER = 'U_OWNER';
const OTHER = 'U_OTHER';
const DEADLINE = new Date('2024-06-03T12:00:00Z');
const AFTER_DEADLINE = new Date('2024-06-03T12:00:01Z');

const STATUSES: ConfirmStatus[] = ['new', 'asked', 'verifying', 'confirmed', 'escalated', 'ignored'];

const EVENTS: Record<string, ConfirmEvent> = {
  user_resolved: { type: 'user_resolved' },
  user_unknown: { type: 'user_unknown' },
  muted: { type: 'muted', ruleId: 7 },
  yes_with_2fa: { type: 'answered_yes', by: OWNER, secondFactor: 'available' },
  yes_without_2fa: { type: 'answered_yes', by: OWNER, secondFactor: 'unavailable' },
  answered_no: { type: 'answered_no', by: OWNER },
  verified: { type: 'verified', by: OWNER },
  verification_failed: { type: 'verification_failed', by: OWNER, detail: 'push denied' },
  timed_out: { type: 'timed_out' },
};

type Expected = { to: ConfirmStatus; reason: EscalationReason | null };

/** Every allowed move; any (status, event) pair not listed must be refused. */
const ALLOWED: Partial<Record<ConfirmStatus, Record<string, Expected>>> = {
  new: {
    user_resolved: { to: 'asked', reason: null },
    user_unknown: { to: 'escalated', reason: 'unknown_user' },
    muted: { to: 'ignored', reason: null },
  },
  asked: {
    yes_with_2fa: { to: 'verifying', reason: null },
    yes_without_2fa: { to: 'escalated', reason: '2fa_unavailable' },
    answered_no: { to: 'escalated', reason: 'denied' },
    timed_out: { to: 'escalated', reason: 'no_response' },
  },
  verifying: {
    answered_no: { to: 'escalated', reason: 'denied' },
    verified: { to: 'confirmed', reason: null },
    verification_failed: { to: 'escalated', reason: '2fa_failed' },
    timed_out: { to: 'escalated', reason: 'no_response' },
  },
};

function view(
  status: ConfirmStatus,
  userId: string | null = OWNER,
  deadline: Date | null = DEADLINE,
): ConfirmAlertView {
  return { status, userId, deadline };
}

describe('transition table', () => {
  for (const status of STATUSES) {
    for (const [name, event] of Object.entries(EVENTS)) {
      const expected = ALLOWED[status]?.[name];
      it(`${status} + ${name} → ${expected ? expected.to : 'refused'}`, () => {
        const result = transition(view(status), event, AFTER_DEADLINE);
        if (expected === undefined) {
          assert.equal(result.ok, false);
          if (result.ok) return;
          assert.equal(result.reason, isFinal(status) ? 'already_final' : 'invalid_transition');
          assert.ok(result.message.length > 0);
          return;
        }
        assert.equal(result.ok, true, JSON.stringify(result));
        if (!result.ok) return;
        assert.equal(result.from, status);
        assert.equal(result.to, expected.to);
        assert.equal(result.reason, expected.reason);
        assert.equal(result.notifyChannel, expected.to === 'escalated');
        assert.equal(result.audit.action, event.type);
        assert.equal(result.audit.actor, 'by' in event ? OWNER : 'system');
        if (expected.reason !== null) assert.equal(result.audit.details.reason, expected.reason);
      });
    }
  }
});

describe('isFinal', () => {
  it('is true exactly for confirmed, escalated and ignored', () => {
    assert.deepEqual(
      STATUSES.filter((s) => isFinal(s)),
      ['confirmed', 'escalated', 'ignored'],
    );
  });
});

describe('only the alert’s own user may answer', () => {
  const userEvents = Object.entries(EVENTS).filter(([, e]) => 'by' in e);

  for (const [name, event] of userEvents) {
    it(`${name} by someone else is not_your_alert, whatever the status`, () => {
      for (const status of STATUSES) {
        const result = transition(view(status), { ...event, by: OTHER } as ConfirmEvent, AFTER_DEADLINE);
        assert.equal(result.ok, false);
        if (result.ok) continue;
        assert.equal(result.reason, 'not_your_alert', status);
        // Safe to show the clicker: names nobody and says nothing about the state.
        assert.ok(!result.message.includes(OWNER));
        assert.ok(!result.message.includes(status));
      }
    });
  }

  it('an alert with no resolved user accepts no answers', () => {
    const result = transition(view('asked', null), { type: 'answered_no', by: OWNER }, AFTER_DEADLINE);
    assert.deepEqual(result.ok ? null : result.reason, 'not_your_alert');
  });
});

describe('double answers and replays change nothing', () => {
  it('a second "yes" while verifying is refused with a hint to finish 2FA', () => {
    const result = transition(view('verifying'), EVENTS.yes_with_2fa, AFTER_DEADLINE);
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.reason, 'invalid_transition');
      assert.match(result.message, /second-factor/);
    }
  });

  it('a replayed Duo callback after confirmation is already_final', () => {
    const first = transition(view('verifying'), EVENTS.verified, AFTER_DEADLINE);
    assert.ok(first.ok);
    const replay = transition(view(first.to), EVENTS.verified, AFTER_DEADLINE);
    assert.deepEqual(replay.ok ? null : replay.reason, 'already_final');
  });

  it('"no" clicked twice escalates once', () => {
    const first = transition(view('asked'), EVENTS.answered_no, AFTER_DEADLINE);
    assert.ok(first.ok);
    const second = transition(view(first.to), EVENTS.answered_no, AFTER_DEADLINE);
    assert.deepEqual(second.ok ? null : second.reason, 'already_final');
  });

  it('an answer to an alert not yet sent is refused', () => {
    const result = transition(view('new'), EVENTS.yes_with_2fa, AFTER_DEADLINE);
    assert.deepEqual(result.ok ? null : result.reason, 'invalid_transition');
  });
});

describe('timeouts', () => {
  for (const status of ['asked', 'verifying'] as const) {
    it(`${status}: one ms before the deadline is not_yet_due`, () => {
      const result = transition(view(status), EVENTS.timed_out, new Date(DEADLINE.getTime() - 1));
      assert.deepEqual(result.ok ? null : result.reason, 'not_yet_due');
    });

    it(`${status}: exactly at the deadline escalates with no_response`, () => {
      const result = transition(view(status), EVENTS.timed_out, DEADLINE);
      assert.ok(result.ok);
      assert.equal(result.to, 'escalated');
      assert.equal(result.reason, 'no_response');
      assert.equal(result.notifyChannel, true);
      assert.equal(result.audit.actor, 'system');
      assert.equal(result.audit.details.deadline, DEADLINE.toISOString());
      assert.equal(result.audit.details.stage, status);
    });

    it(`${status}: with no deadline it cannot time out`, () => {
      const result = transition(view(status, OWNER, null), EVENTS.timed_out, AFTER_DEADLINE);
      assert.deepEqual(result.ok ? null : result.reason, 'invalid_transition');
    });
  }

  it('a time-out during verifying says the user never finished 2FA', () => {
    const result = transition(view('verifying'), EVENTS.timed_out, AFTER_DEADLINE);
    assert.ok(result.ok);
    assert.match(String(result.audit.details.note), /never completed the second factor/);
  });

  it('a time-out after the user already answered is already_final', () => {
    const result = transition(view('escalated'), EVENTS.timed_out, AFTER_DEADLINE);
    assert.deepEqual(result.ok ? null : result.reason, 'already_final');
  });

  it('deadline checks are by instant, not by the local clock of the Date', () => {
    const deadline = new Date('2024-11-03T09:30:00Z');
    const early = transition(view('asked', OWNER, deadline), EVENTS.timed_out, new Date('2024-11-03T09:29:59.999Z'));
    const due = transition(view('asked', OWNER, deadline), EVENTS.timed_out, new Date('2024-11-03T09:30:00Z'));
    assert.equal(early.ok, false);
    assert.equal(due.ok, true);
  });
});

describe('audit details', () => {
  it('muted records the rule id', () => {
    const result = transition(view('new', null, null), EVENTS.muted, AFTER_DEADLINE);
    assert.ok(result.ok);
    assert.deepEqual(result.audit, { action: 'muted', actor: 'system', details: { ruleId: 7 } });
    assert.equal(result.notifyChannel, false);
  });

  it('a failed second factor records the provider detail and who failed it', () => {
    const result = transition(view('verifying'), EVENTS.verification_failed, AFTER_DEADLINE);
    assert.ok(result.ok);
    assert.deepEqual(result.audit, {
      action: 'verification_failed',
      actor: OWNER,
      details: { reason: '2fa_failed', detail: 'push denied' },
    });
  });

  it('a yes without a second factor is escalated as unverified, not confirmed', () => {
    const result = transition(view('asked'), EVENTS.yes_without_2fa, AFTER_DEADLINE);
    assert.ok(result.ok);
    assert.equal(result.to, 'escalated');
    assert.deepEqual(result.audit.details, { reason: '2fa_unavailable', answer: 'yes', secondFactor: 'unavailable' });
  });

  it('unknown users are escalated to the channel', () => {
    const result = transition(view('new', null, null), EVENTS.user_unknown, AFTER_DEADLINE);
    assert.ok(result.ok);
    assert.equal(result.notifyChannel, true);
    assert.equal(result.reason, 'unknown_user');
  });
});
