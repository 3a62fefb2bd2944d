import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CallOutcome } from '../../src/sandbox/twilio/twilio-simulator.js';
import { eventually, noticeOf, PRIMARY } from '../sla/sla-helpers.js';
import {
  callThenEscalatePolicy,
  type OnCallRig,
  SENIOR_CAROL,
  SENIOR_NUMBER,
  startOnCallRig,
} from './oncall-helpers.js';

/**
 * Issue 10, voice: a page call nobody answers (or that is busy) is recorded and shown in the
 * notice's thread, and the next tier still goes on as planned. Severity 3 here: a call at 1 s,
 * the seniors' escalation call at 6 s; the simulator ends every call with the outcome set.
 */
const policy = callThenEscalatePolicy(
  '6s',
  `  people:
    carol: { slack: U0CAROL, phone: "${SENIOR_CAROL}" }
  primary: ["${PRIMARY}"]
  seniors: [carol, "${SENIOR_NUMBER}"]
`,
);

const spokenId = (id: string) => id.replace('~', '').split('').join(' ');

describe('a page call that is not answered or busy (real bot, real twilio, simulators)', { concurrency: false }, () => {
  let rig: OnCallRig;
  before(async () => {
    rig = await startOnCallRig(policy);
  });
  after(async () => rig.stop());

  const callsTo = (to: string, id: string) =>
    rig.sims.twilio
      .calls()
      .filter((c) => c.to === to && c.spokenText.some((t) => t.includes(spokenId(id)) || t.includes(id)));

  for (const outcome of ['no-answer', 'busy'] satisfies CallOutcome[]) {
    it(`a ${outcome} page call is shown in the thread, and the escalation tier still fires`, async () => {
      rig.sims.twilio.configure({ callOutcome: outcome });
      const id = String(rig.sims.hive.addAlert({ severity: 3, title: `ring ${outcome}`, description: 'x' })._id);
      const call = await eventually(() => callsTo(PRIMARY, id)[0], 10_000, 'the page call');
      await eventually(
        () => rig.sims.twilio.calls().find((c) => c.sid === call.sid)?.status === outcome,
        5000,
        'ended',
      );
      const line = await eventually(
        () => noticeOf(rig.h.sim, id).replies.find((r) => r.text.includes(`Twilio reports it ${outcome}`)),
        10_000,
        `the thread's ${outcome} line`,
      );
      assert.match(line.text, /Call to .*0001 was not delivered/, line.text);
      // Reported as it happened, not as a trigger: the seniors' tier is 6 s after the alert.
      assert.equal(callsTo(SENIOR_CAROL, id).length, 0, 'an unanswered call does not escalate early');
      const seniors = await eventually(
        () => {
          const calls = [...callsTo(SENIOR_CAROL, id), ...callsTo(SENIOR_NUMBER, id)];
          return calls.length === 2 && calls;
        },
        15_000,
        'the escalation tier',
      );
      assert.deepEqual(seniors.map((c) => c.to).sort(), [SENIOR_CAROL, SENIOR_NUMBER].sort());
      // Twilio may repeat the callback; the thread says it once (the escalation calls end the same way).
      const lines = noticeOf(rig.h.sim, id).replies.filter(
        (r) => r.text.includes(`Twilio reports it ${outcome}`) && r.text.includes('Call to'),
      );
      assert.equal(lines.length, 1, lines.map((r) => r.text).join(' | '));
    });
  }
});
