import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { removeIgnoreRule } from '../../src/home/rule-removal.js';
import { listAudit } from '../../src/store/audit.js';
import { postAlert, useRig } from '../confirm/helpers.js';
import { eventually, sleep } from '../sla/sla-helpers.js';
import { buttonsOf, HOME_FAST, text, waitForHome } from './home-helpers.js';

describe('Home tab for employees (real Bolt against the Slack simulator)', () => {
  const rig = useRig({ duo: false, harness: { botOptions: { home: HOME_FAST } } });

  it('shows an employee their own alerts and only theirs, and nothing to people who never opened it', async () => {
    const { sim } = rig.h;
    sim.openHome('U0ALICE');
    sim.openHome('U0BOB');
    await waitForHome(sim, 'U0ALICE', /No security alerts about you/);
    await waitForHome(sim, 'U0BOB', /What is this bot/);
    const posted = await postAlert(rig.h, {
      user: 'U0ALICE',
      title: 'New admin grant <!channel>',
      description: 'alice granted admin',
      reason: 'outside change window',
    });
    assert.equal(posted.status, 201);
    await postAlert(rig.h, { user: 'U0DAVE', title: 'Dave only', description: 'x' });
    const home = await waitForHome(sim, 'U0ALICE', /confirm_yes/, 'the pending alert with its buttons');
    assert.match(text(home), /New admin grant &lt;!channel&gt;/);
    assert.match(text(home), /outside change window/);
    assert.match(text(home), /waiting for your answer/);
    await sleep(200);
    assert.doesNotMatch(text(sim.home.view('U0BOB')), /New admin grant|Dave only/);
    assert.doesNotMatch(text(sim.home.view('U0ALICE')), /Dave only/);
    assert.equal(sim.home.view('U0DAVE'), undefined, 'Dave never opened his Home, so none is published');
  });

  it('answers from the Home: the DM is updated too and the Home shows the outcome', async () => {
    const { sim } = rig.h;
    const home = await waitForHome(sim, 'U0ALICE', /confirm_no/);
    const id = buttonsOf(home).find((b) => b.action_id === 'confirm_no')?.value;
    assert.ok(id, 'the No button carries the alert id');
    const dm = sim.dmChannelFor('U0ALICE');
    const question = sim.messages(dm).find((m) => JSON.stringify(m.blocks ?? []).includes('confirm_no'));
    assert.ok(question, 'the DM asked the question');
    await sim.waitForAck(sim.clickHomeButton('U0ALICE', 'confirm_no', id));
    await waitForHome(sim, 'U0ALICE', /you said it was not you/, 'the outcome on the Home');
    const after = await eventually(
      () =>
        sim.messages(dm).find((m) => m.ts === question.ts && !JSON.stringify(m.blocks ?? []).includes('confirm_no')),
      5000,
      'the DM question to lose its buttons',
    );
    assert.ok(after.edits > 0);
    const alert = (await (
      await fetch(`${rig.h.url}/api/alerts/${id}`, { headers: { authorization: 'Bearer test-api-token-0123456789' } })
    ).json()) as { status: string; reason: string };
    assert.equal(alert.status, 'escalated');
    assert.equal(alert.reason, 'denied');
    assert.ok(
      sim
        .messages('C0ESCAL')
        .some((m) => m.text.includes(`#${id}`) || JSON.stringify(m.blocks ?? []).includes(`#${id}`)),
      'the escalation was posted',
    );
  });

  it('removes an ignore rule from the Home, only for its owner, audited', async () => {
    const { sim } = rig.h;
    const { db } = rig.h.bot.deps;
    const now = Date.now();
    const [aliceRule] = await db('confirm_ignore_rules').insert({
      user_id: 'U0ALICE',
      title: 'VPN login *bold*',
      alert_id: 9001,
      created_at: now,
      expires_at: now + 3_600_000,
    });
    const [bobRule] = await db('confirm_ignore_rules').insert({
      user_id: 'U0BOB',
      title: 'Bob secret mute',
      alert_id: 9002,
      created_at: now,
      expires_at: now + 3_600_000,
    });
    rig.h.bot.deps.home?.changed(['U0ALICE', 'U0BOB']);
    const home = await waitForHome(sim, 'U0ALICE', /ignore_rule_remove/);
    assert.doesNotMatch(text(home), /Bob secret mute/);
    assert.match(text(home), /Muted for you until/);

    // Someone else's rule id is refused, says nothing about the rule, and is audited.
    const refused = await removeIgnoreRule(db, String(bobRule), 'U0ALICE', Date.now());
    assert.equal(refused.ok, false);
    assert.doesNotMatch(refused.message, /Bob secret mute/);
    assert.equal((await listAudit(db, 'confirm:9002')).at(-1)?.action, 'confirm.rule_remove_refused');

    await sim.waitForAck(sim.clickHomeButton('U0ALICE', 'ignore_rule_remove', String(aliceRule)));
    await waitForHome(sim, 'U0ALICE', /Removed your mute of/, 'the removal notice');
    const row = await db('confirm_ignore_rules').where({ id: aliceRule }).first();
    assert.ok(Number(row.expires_at) <= Date.now(), 'the rule has ended');
    assert.doesNotMatch(text(sim.home.view('U0ALICE')), /ignore_rule_remove/);
    const audit = (await listAudit(db, 'confirm:9001')).at(-1);
    assert.equal(audit?.action, 'confirm.rule_removed');
    assert.equal(audit?.actor, 'U0ALICE');
    const bob = await db('confirm_ignore_rules').where({ id: bobRule }).first();
    assert.ok(Number(bob.expires_at) > Date.now(), "Bob's rule is untouched");
    assert.equal(
      (await removeIgnoreRule(db, String(aliceRule), 'U0ALICE', Date.now())).ok,
      false,
      'a second removal changes nothing',
    );
  });

  it('retries a views.publish answered 429 after its Retry-After', async () => {
    const { sim } = rig.h;
    const before = sim.home.view('U0BOB')?.publishes ?? 0;
    sim.failNext('views.publish', 1, { status: 429, retryAfter: 1 });
    const started = Date.now();
    rig.h.bot.deps.home?.changed(['U0BOB']);
    const home = await waitForHome(sim, 'U0BOB', (v) => v.publishes > before, 'the retried publish', 5000);
    assert.ok(Date.now() - started >= 950, 'not before Retry-After');
    assert.equal(home.publishes, before + 1, 'the refused call published nothing; the retry published once');
  });

  it('publishes nothing for the Messages tab', async () => {
    const { sim } = rig.h;
    sim.openHome('U0DAVE', 'messages');
    await sleep(300);
    assert.equal(sim.home.view('U0DAVE'), undefined);
    const openers = await rig.h.bot.deps.db('home_openers').select('user_id');
    assert.deepEqual(openers.map((r: { user_id: string }) => r.user_id).sort(), ['U0ALICE', 'U0BOB']);
  });
});
