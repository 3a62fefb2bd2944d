import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { acknowledgements } from '../../src/metrics/metrics.js';
import { listAudit } from '../../src/store/audit.js';
import { type Harness, startHarness } from '../helpers/bot-harness.js';
import { eventually, HIVE_KEY, type SlaSims, startSims, writePolicy } from '../sla/sla-helpers.js';
import { buttonsOf, HOME_FAST, text, waitForHome } from './home-helpers.js';

/** Tiers long enough that only the alert the test makes due fires while it runs. */
const POLICY = `
sla:
  max_age: 1h
  snooze: 3m
  severities:
    1: { enabled: false, tiers: [] }
    2: { tiers: [{ after: 40s, notify: [slack] }] }
    3: { tiers: [{ after: 10s, notify: [slack] }, { after: 30s, notify: [slack] }] }
    4: { tiers: [{ after: 20s, notify: [slack] }] }
oncall:
  primary: ['+15550000001']
  seniors: ['+15550000002']
`;

describe('Home tab for responders (real Bolt, TheHive simulator)', () => {
  let sims: SlaSims;
  let h: Harness;
  const ids: Record<string, string> = {};
  before(async () => {
    sims = await startSims();
    h = await startHarness({
      env: {
        POLICY_FILE: writePolicy(POLICY),
        THEHIVE_URL: sims.hive.url,
        THEHIVE_API_KEY: HIVE_KEY,
        THEHIVE_POLL_SECONDS: '1',
      },
      botOptions: { home: HOME_FAST },
    });
  });
  after(async () => {
    await h.stop();
    await sims.stop();
  });

  const order = (home: ReturnType<typeof h.sim.home.view>) =>
    buttonsOf(home)
      .filter((b) => b.action_id === 'hive_promote')
      .map((b) => b.value);

  it('lists tracked TheHive alerts in next-tier-due order, live, and only for responders', async () => {
    const { sim } = h;
    sim.openHome('U0CAROL');
    sim.openHome('U0ALICE');
    await waitForHome(sim, 'U0CAROL', /No open TheHive alerts/);
    await waitForHome(sim, 'U0ALICE', /What is this bot/);
    const now = Date.now();
    ids.later = String(
      sims.hive.addAlert({ severity: 2, title: 'Due last <!here>', description: '', createdAt: now - 5000 })._id,
    );
    ids.first = String(
      sims.hive.addAlert({ severity: 3, title: 'Due first', description: '', createdAt: now - 8500 })._id,
    );
    ids.middle = String(sims.hive.addAlert({ severity: 4, title: 'Due second', description: '', createdAt: now })._id);
    const home = await waitForHome(sim, 'U0CAROL', (v) => order(v).length === 3, 'three tracked alerts');
    assert.deepEqual(order(home), [ids.first, ids.middle, ids.later]);
    assert.match(text(home), /Open TheHive alerts \(3\)/);
    assert.match(text(home), /Due last &lt;!here&gt;/);
    assert.match(text(home), /Severity 3 \(high\) · age/);
    assert.match(text(home), /On call now:\* \+15•••0001/);
    // The first alert's tier fires: the Home is republished on its own.
    await waitForHome(sim, 'U0CAROL', /tier 1 of 2 breached/, 'the fired tier', 10_000);
    const alice = sim.home.view('U0ALICE');
    assert.doesNotMatch(text(alice), /TheHive|hive_promote|Due first|On call/);
  });

  it('snoozes from the Home exactly as from the notice, and answers on the Home', async () => {
    const { sim } = h;
    // The notice of the alert that fired: snooze it there, the way responders always have.
    const notice = await eventually(
      () => sim.messages('C0ALERTS').find((m) => !m.thread_ts && m.text.includes(`TheHive alert ${ids.first},`)),
      5000,
      'the SLA notice',
    );
    await sim.waitForAck(sim.clickButton('U0CAROL', notice, 'hive_snooze'));
    await eventually(
      () => sim.ephemerals('U0CAROL').find((e) => e.text.includes('snoozed for 3m')),
      5000,
      'the ephemeral',
    );
    await sim.waitForAck(sim.clickHomeButton('U0CAROL', 'hive_snooze', ids.middle));
    await waitForHome(sim, 'U0CAROL', new RegExp(`Alert ${ids.middle} snoozed for 3m`), 'the answer on the Home');
    const fromNotice = (await listAudit(h.bot.deps.db, `hive:${ids.first}`)).find((a) => a.action === 'sla.snoozed');
    const fromHome = (await listAudit(h.bot.deps.db, `hive:${ids.middle}`)).find((a) => a.action === 'sla.snoozed');
    assert.equal(fromHome?.actor, 'U0CAROL');
    assert.deepEqual(Object.keys(fromHome!.details).sort(), Object.keys(fromNotice!.details).sort());
    assert.equal(fromHome?.details.minutes, fromNotice?.details.minutes);
    const row = await h.bot.deps.db('sla_alerts').where({ alert_id: ids.middle }).first();
    assert.ok(Number(row.snoozed_until) > Date.now());
    await waitForHome(sim, 'U0CAROL', /snoozed until/);
  });

  it("acknowledges from a responder's Home and shows who acknowledged; a non-responder is refused", async () => {
    const { sim } = h;
    const acks = (id: string) => h.bot.deps.db('oncall_acks').where({ alert_id: id });
    const notice = sim
      .messages('C0ALERTS')
      .find((m) => !m.thread_ts && m.text.includes(`TheHive alert ${ids.first},`))!;
    // Alice is no responder: her Home has no alert list, and the notice's button refuses her.
    await sim.waitForAck(sim.clickButton('U0ALICE', notice, 'hive_ack'));
    await eventually(
      () => sim.ephemerals('U0ALICE').find((e) => e.text.includes('may acknowledge')),
      5000,
      'the refusal',
    );
    assert.equal((await acks(ids.first)).length, 0);

    await sim.waitForAck(sim.clickHomeButton('U0CAROL', 'hive_ack', ids.first));
    const home = await waitForHome(sim, 'U0CAROL', /Acknowledged by <@U0CAROL>/, 'who acknowledged', 10_000);
    const [row] = await acks(ids.first);
    assert.equal(row.by_who, 'U0CAROL');
    assert.equal(row.how, 'slack');
    const counted = (await acknowledgements.get()).values.find((v) => v.labels.channel === 'slack');
    assert.equal(counted?.value, 1);
    assert.ok(!buttonsOf(home).some((b) => b.action_id === 'hive_ack' && b.value === ids.first));
    const audit = (await listAudit(h.bot.deps.db, `hive:${ids.first}`)).find((a) => a.action === 'oncall.acknowledged');
    assert.equal(audit?.actor, 'U0CAROL');
    // The answer goes on the Home (a Home click has no response_url), not into a channel.
    await waitForHome(
      sim,
      'U0CAROL',
      new RegExp(`Acknowledged ${ids.first} \\(Due first\\)\\. Escalation paused`),
      'the answer on the Home',
    );
  });

  it('promotes from the Home and the list updates', async () => {
    const { sim } = h;
    await sim.waitForAck(sim.clickHomeButton('U0CAROL', 'hive_promote', ids.later));
    await waitForHome(sim, 'U0CAROL', new RegExp(`Alert ${ids.later} promoted to case #\\d+`), 'the promotion answer');
    assert.equal(sims.hive.cases().length, 1);
    await waitForHome(sim, 'U0CAROL', (v) => !order(v).includes(ids.later), 'the promoted alert to leave the list');
    const audit = (await listAudit(h.bot.deps.db, `hive:${ids.later}`)).find((a) => a.action === 'sla.promoted');
    assert.equal(audit?.actor, 'U0CAROL');
  });

  it('cuts a Home with more than 100 blocks cleanly, and /hive list still answers', async () => {
    const { sim } = h;
    for (let i = 0; i < 70; i++) sims.hive.addAlert({ severity: 2, title: `Bulk ${i}`, description: '' });
    const home = await waitForHome(sim, 'U0CAROL', /Open TheHive alerts \(72\)/, 'all 72 open alerts counted', 10_000);
    assert.ok(home.view.blocks.length <= 100, `${home.view.blocks.length} blocks`);
    const more = Number(/…and (\d+) more: `\/hive list`/.exec(text(home))?.[1]);
    assert.equal(order(home).length + more, 72);
    sim.slashCommand('U0CAROL', 'C0ALERTS', '/hive', 'list');
    await eventually(
      () => sim.ephemerals('U0CAROL').find((e) => e.text.includes('Open TheHive alerts (72)')),
      5000,
      '/hive list',
    );
  });
});
