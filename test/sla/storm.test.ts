/**
 * Issue 9: an alert storm. Ten alerts breach at once on a channel paced at one post a second and
 * one on-call number: their notices fold into one summary message for the channel (worst first,
 * pointing to /hive list) and their pages into one SMS listing several alerts; once the storm has
 * passed, a new alert gets its own notice and its own SMS again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startHarness } from '../helpers/bot-harness.js';
import {
  eventually,
  freePort,
  noticeOf,
  PRIMARY,
  type SlaSims,
  slaEnv,
  sleep,
  smsFor,
  startSims,
  writePolicy,
} from './sla-helpers.js';

const POLICY = `
delivery: { fold_notices_after: 3, fold_pages_after: 2 }
sla:
  max_age: 1h
  severities:
    1: { enabled: false, tiers: [] }
    2: { enabled: false, tiers: [] }
    3:
      tiers:
        - { after: 1s, notify: [slack, sms] }
        - { after: 1h, notify: [slack] }
    4: { enabled: false, tiers: [] }
oncall:
  primary: ['${PRIMARY}']
`;

describe('SLA storm: summary and back', () => {
  let sims: SlaSims;
  let h: Harness;
  before(async () => {
    sims = await startSims();
    h = await startHarness({
      env: { ...slaEnv(sims, await freePort()), POLICY_FILE: writePolicy(POLICY) },
      botOptions: { perChannelIntervalMs: 1000, outbox: { pollMs: 50, phoneIntervalMs: 1000 } },
    });
  });
  after(async () => {
    await h.stop();
    await sims.stop();
  });

  it('ten breaches at once: one summary and one folded SMS; afterwards single notices again', async () => {
    const ids = Array.from({ length: 10 }, (_, i) =>
      String(sims.hive.addAlert({ severity: 3, title: `Storm alert ${i}`, description: 'x' })._id),
    );
    const summary = await eventually(
      () => h.sim.messages('C0ALERTS').find((m) => /alerts past SLA/.test(m.text)),
      10_000,
      'the storm summary',
    );
    assert.match(summary.text, /\/hive list/);
    const folded = await eventually(
      () => sims.twilio.messages().find((m) => m.to === PRIMARY && /alerts past SLA/.test(m.body)),
      10_000,
      'one SMS listing several alerts',
    );
    assert.match(folded.body, /Storm alert/);
    await sleep(2500);
    const own = ids.filter((id) => noticeOf(h.sim, id).notice !== undefined).length;
    assert.ok(own <= 2, `${own} alerts got a notice of their own during the storm`);
    const sms = sims.twilio.messages().filter((m) => m.to === PRIMARY).length;
    assert.ok(sms <= 3, `${sms} SMS for ten alerts`);
    const rows = await h.bot.deps.db('sla_notifications').whereIn('alert_id', ids);
    assert.ok(
      rows.every((r: { status: string }) => r.status === 'sent'),
      'every folded send counts as told',
    );

    const after = String(sims.hive.addAlert({ severity: 3, title: 'After the storm', description: 'x' })._id);
    await eventually(() => noticeOf(h.sim, after).notice, 10_000, 'a notice of its own');
    await eventually(() => smsFor(sims, after)[0], 10_000, 'an SMS of its own');
  });
});
