import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startHarness } from '../helpers/bot-harness.js';
import { eventually, freePort, noticeOf, type SlaSims, slaEnv, startSims, writePolicy } from '../sla/sla-helpers.js';
import { callThenEscalatePolicy, SENIOR_CAROL } from './oncall-helpers.js';

/**
 * Issue 10, rotations: "an override changes it and expires", end to end through `/oncall
 * override`. The shortest override the command takes is 1m, so the bot runs on a clock the
 * test can move forward (the bot's `clock` option); everything else is real time.
 */
const ALICE = '+15550000101';
const today = new Date().toISOString().slice(0, 10);
const policy = callThenEscalatePolicy(
  '30m',
  `  people:
    alice: { slack: U0ALICE, phone: "${ALICE}" }
    carol: { slack: U0CAROL, phone: "${SENIOR_CAROL}" }
  rotation:
    members: [alice, carol]
    shift: 24h
    handoff: "${today}T00:00"
    tz: UTC
  seniors: [carol]
`,
);

describe('/oncall override sends pages to the override person until it expires, then to the rotation', () => {
  let sims: SlaSims;
  let h: Harness;
  let offsetMs = 0;
  before(async () => {
    sims = await startSims();
    const port = await freePort();
    h = await startHarness({
      env: { ...slaEnv(sims, port), POLICY_FILE: writePolicy(policy) },
      botOptions: { clock: { now: () => new Date(Date.now() + offsetMs) } },
    });
  });
  after(async () => {
    await h.stop();
    await sims.stop();
  });

  const page = async (title: string) => {
    const id = String(sims.hive.addAlert({ severity: 3, title, description: 'x' })._id);
    const call = await eventually(
      () => sims.twilio.calls().find((c) => c.spokenText.some((t) => t.includes(id))),
      10_000,
      `the page call for ${title}`,
    );
    const notice = await eventually(() => noticeOf(h.sim, id).notice, 8000, `the notice for ${title}`);
    return { id, to: call.to, notice };
  };

  it('alice by rotation; carol during a 1m override; alice again once it has expired', async () => {
    const before = await page('before the override');
    assert.equal(before.to, ALICE, 'the rotation has alice on call today');

    let mark = h.sim.mark();
    h.sim.slashCommand('U0CAROL', 'C0ALERTS', '/oncall', 'override <@U0CAROL|carol> 1m');
    await h.sim.waitForEphemeral((e) => e.user === 'U0CAROL' && /<@U0CAROL> is on call for the next 1m/.test(e.text), {
      since: mark,
      timeoutMs: 5000,
    });
    const during = await page('during the override');
    assert.equal(during.to, SENIOR_CAROL, 'the override person is paged');
    assert.match(during.notice.text, /on call: <@U0CAROL>$/);

    // One minute and a bit later, on the bot's clock.
    offsetMs += 61_000;
    mark = h.sim.mark();
    h.sim.slashCommand('U0BOB', 'C0GENERAL', '/oncall');
    const now = await h.sim.waitForEphemeral((e) => e.user === 'U0BOB' && /On call now/.test(e.text), {
      since: mark,
      timeoutMs: 5000,
    });
    assert.doesNotMatch(now.text, /override/i, 'the expired override is no longer shown');
    const afterwards = await page('after the override expired');
    assert.equal(afterwards.to, ALICE, 'the rotation person is paged again');
    assert.match(afterwards.notice.text, /on call: <@U0ALICE>$/);
  });
});
