import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TwilioPhone } from '../../src/adapters/twilio/twilio-phone.js';
import type { OnCallPolicy } from '../../src/core/oncall/rotation.js';
import { DEFAULT_SLA_POLICY } from '../../src/core/sla/policy.js';
import { silentLogger } from '../../src/log.js';
import { AckStore } from '../../src/oncall/ack-store.js';
import { OnCallRecords } from '../../src/oncall/oncall-records.js';
import { OnCallService } from '../../src/oncall/oncall-service.js';
import { OverrideStore } from '../../src/oncall/override-store.js';
import { RotationPager } from '../../src/oncall/rotation-pager.js';
import { SlaLookup } from '../../src/oncall/sla-lookup.js';
import { ACCOUNT_SID, eventually, TWILIO_TOKEN } from '../sla/sla-helpers.js';
import { BOT_NUMBER, type OnCallRig, startOnCallRig } from './oncall-helpers.js';

const ALICE = '+15550000101';
const BOB = '+15550000102';
const DAVE = '+15550000104';

/** A clock the test moves: shifts are an hour long, nothing waits for them. */
class TestClock {
  constructor(public ms: number) {}
  now = () => new Date(this.ms);
}

describe('rotation paging over real twilio and Slack (the pager the SLA notifier will call)', () => {
  let rig: OnCallRig;
  before(async () => {
    rig = await startOnCallRig();
  });
  after(async () => rig.stop());

  const policy: OnCallPolicy = {
    people: {
      alice: { slack: 'U0ALICE', phone: ALICE },
      bob: { slack: 'U0BOB', phone: BOB },
      dave: { slack: 'U0DAVE', phone: DAVE },
    },
    rotation: { members: ['alice', 'bob'], shiftMs: 3_600_000, handoff: '2026-11-23T09:00', tz: 'Europe/London' },
    seniors: [],
    primary: [],
  };

  const rigFor = (clock: TestClock) => {
    const { db, outbox } = rig.h.bot.deps;
    const records = new OnCallRecords(db);
    const overrides = new OverrideStore(db);
    const logger = silentLogger();
    const service = new OnCallService({
      policy,
      sla: DEFAULT_SLA_POLICY,
      businessHours: null,
      acks: new AckStore(db),
      overrides,
      records,
      lookup: new SlaLookup(db),
      pager: null,
      announcer: { acknowledged: async () => {}, escalated: async () => {} },
      clock,
      logger,
    });
    const phone = new TwilioPhone({
      accountSid: ACCOUNT_SID,
      authToken: TWILIO_TOKEN,
      fromNumber: BOT_NUMBER,
      apiUrl: rig.sims.twilio.url,
      logger,
    });
    const pager = new RotationPager({
      phone,
      outbox,
      records,
      alertsChannel: 'C0ALERTS',
      nameOf: (n) => service.nameOf({ phone: n }),
      clock,
      logger,
    });
    return { service, pager, overrides, records };
  };
  const content = (alertId: string) => ({
    alertId,
    sms: `SecOps SLA: alert ${alertId}`,
    say: `Alert ${alertId}`,
    notice: { text: `notice for ${alertId}`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'n' } }] },
  });
  const smsTo = (to: string, alertId: string) =>
    rig.sims.twilio.messages().filter((m) => m.to === to && m.body.startsWith(`SecOps SLA: alert ${alertId}`));

  it('pages whoever is on call when the tier fires; an override changes it and expires', async () => {
    const clock = new TestClock(Date.parse('2026-11-23T09:30:00Z'));
    const { service, pager, overrides } = rigFor(clock);

    const mark = rig.h.sim.mark();
    await pager.page(await service.planPage(['slack', 'sms']), content('~r1'));
    assert.equal(smsTo(ALICE, '~r1').length, 1, 'alice has the 09:00 shift');
    assert.match(smsTo(ALICE, '~r1')[0]!.body, /Reply 1 or ACK to acknowledge/);
    await rig.h.sim.waitForMessage((m) => m.text === 'notice for ~r1' && m.channel !== 'C0ALERTS', {
      since: mark,
      timeoutMs: 5000,
    });

    clock.ms = Date.parse('2026-11-23T10:15:00Z');
    await pager.page(await service.planPage(['sms']), content('~r2'));
    assert.equal(smsTo(BOB, '~r2').length, 1, 'bob has the 10:00 shift');

    await overrides.add(
      { slack: 'U0DAVE', startsAt: clock.ms, endsAt: clock.ms + 20 * 60_000, by: 'U0CAROL' },
      clock.ms,
    );
    await pager.page(await service.planPage(['sms']), content('~r3'));
    assert.equal(smsTo(DAVE, '~r3').length, 1, 'the override pages dave');
    assert.equal(smsTo(BOB, '~r3').length, 0);

    clock.ms += 20 * 60_000;
    await pager.page(await service.planPage(['sms']), content('~r4'));
    assert.equal(smsTo(BOB, '~r4').length, 1, 'the override expired: bob again');

    // Pages are logged against the alert, so a reply "ack" from bob finds the latest.
    const { records } = rigFor(clock);
    assert.equal(await records.latestPagedAlert(BOB), '~r4');
  });

  it('a number that texted STOP is told in the channel once and called instead', async () => {
    const clock = new TestClock(Date.parse('2026-11-23T09:30:00Z'));
    const { service, pager } = rigFor(clock);
    const mark = rig.h.sim.mark();
    await rig.sims.twilio.textFromPhone(ALICE, BOT_NUMBER, 'STOP');
    await rig.h.sim.waitForMessage(
      (m) => m.channel === 'C0ALERTS' && /…0101 cannot receive SMS.*text START/.test(m.text),
      {
        since: mark,
        timeoutMs: 5000,
      },
    );
    const results = await pager.page(await service.planPage(['sms']), content('~s1'));
    assert.deepEqual(
      results.map((r) => [r.page.method, r.ok]),
      [['call', true]],
    );
    assert.equal(
      rig.sims.twilio.calls().filter((c) => c.to === ALICE && c.spokenText.some((t) => t.includes('~s1'))).length,
      1,
    );
    assert.equal(smsTo(ALICE, '~s1').length, 0);
    await rig.sims.twilio.textFromPhone(ALICE, BOT_NUMBER, 'START');
    await pager.page(await service.planPage(['sms']), content('~s2'));
    assert.equal(smsTo(ALICE, '~s2').length, 1, 'START undoes it');
    assert.equal(rig.h.sim.messages('C0ALERTS').filter((m) => /cannot receive SMS/.test(m.text)).length, 1);
  });

  it('a 21610 the bot never saw coming (STOP sent before the webhook existed) falls back to a call, told once', async () => {
    const clock = new TestClock(Date.parse('2026-11-23T12:30:00Z'));
    const { service, pager } = rigFor(clock);
    await rig.sims.twilio.textFromPhone(BOB, BOT_NUMBER, 'STOP');
    await rig.h.bot.deps.db('oncall_sms_optouts').where({ phone: BOB }).delete();
    const mark = rig.h.sim.mark();
    const results = await pager.page(await service.planPage(['sms']), content('~s3'));
    assert.deepEqual(
      results.map((r) => r.page),
      [{ method: 'call', to: BOB, insteadOfSms: true }],
    );
    await rig.h.sim.waitForMessage((m) => m.channel === 'C0ALERTS' && /bob cannot receive SMS/.test(m.text), {
      since: mark,
      timeoutMs: 5000,
    });
    const next = await pager.page(await service.planPage(['sms']), content('~s4'));
    assert.deepEqual(
      next.map((r) => r.page.method),
      ['call'],
    );
    await eventually(
      () => rig.h.sim.messages('C0ALERTS').filter((m) => /bob cannot receive SMS/.test(m.text)).length === 1,
    );
  });
});
