/**
 * Restarts mid-flow, time-outs that survive them, and concurrent intake with one dedupe_key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storeKinds } from '../helpers/stores.js';
import {
  escalationsFor,
  finishDuo,
  getAlert,
  postAlert,
  questionsFor,
  raise,
  useRig,
  waitForEscalation,
  waitForQuestion,
  waitForStatus,
  yesAndLink,
} from './helpers.js';

describe('confirm: restarts and time-outs', () => {
  const rig = useRig({ policy: '  timeout: 2s\n' });

  it('restart between the DM and the click, and between yes and the Duo callback: completes, one DM', async () => {
    const { h } = rig;
    const id = await raise(h, 'U0ALICE', { title: 'Restart flow' });
    await waitForQuestion(h, 'U0ALICE', id);
    await h.restart({ POLICY_FILE: rig.writePolicy('  timeout: 1h\n') });
    const link = await yesAndLink(h, 'U0ALICE', id);
    await h.restart();
    const page = await finishDuo(h, rig.duo!, link, 'allow');
    assert.equal(page.status, 200);
    await waitForStatus(h, id, 'confirmed');
    assert.equal(questionsFor(h, 'U0ALICE', 'Restart flow').length, 1, 'exactly one question DM');
    assert.equal(escalationsFor(h, id).length, 0);
  });

  it('the time-out fires after a restart, within about a second of the stored deadline', async () => {
    const { h } = rig;
    await h.restart({ POLICY_FILE: rig.writePolicy('  timeout: 2s\n') });
    const id = await raise(h, 'U0BOB', { title: 'Timeout flow' });
    await waitForQuestion(h, 'U0BOB', id);
    await h.restart();
    const alert = await waitForStatus(h, id, 'escalated', 8000);
    assert.equal(alert.reason, 'no_response');
    const deadline = Date.parse(alert.deadline!);
    const fired = Date.parse(alert.history.find((e) => e.action === 'confirm.escalated')!.at);
    assert.ok(fired >= deadline, 'never early');
    assert.ok(fired - deadline < 1500, `fired ${fired - deadline} ms after the deadline`);
    const post = await waitForEscalation(h, id);
    assert.match(JSON.stringify(post.blocks), /no answer in time/);
    assert.equal(questionsFor(h, 'U0BOB', 'Timeout flow').length, 1);
    // The user is told what is true: no answer, the team knows.
    await h.sim.waitForMessage((m) => m.channel === h.sim.dmChannelFor('U0BOB') && /in time/.test(m.text), {
      since: 0,
    });
  });

  it('an overdue deadline is fired at start-up', async () => {
    const { h } = rig;
    const id = await raise(h, 'U0DAVE', { title: 'Overdue flow' });
    await waitForQuestion(h, 'U0DAVE', id);
    await h.bot.stop();
    await new Promise((r) => setTimeout(r, 2200));
    await h.restart();
    assert.equal((await waitForStatus(h, id, 'escalated', 3000)).reason, 'no_response');
  });
});

for (const kind of storeKinds()) {
  kind.describe(`confirm: 20 concurrent POSTs with one dedupe_key (${kind.kind})`, ({ it }) => {
    const rig = useRig(async () => ({ store: await kind.create(), duo: false }));

    it('make one alert and one DM', async () => {
      const { h } = rig;
      const body = { user: 'U0CAROL', title: 'Dedupe flow', description: 'x', dedupe_key: `dup-${kind.kind}` };
      const results = await Promise.all(Array.from({ length: 20 }, () => postAlert(h, body)));
      const ids = new Set(results.map((r) => r.json.id));
      assert.equal(ids.size, 1);
      assert.deepEqual(
        results.map((r) => r.status).sort((a, b) => a - b),
        [...Array(19).fill(200), 201],
      );
      const id = Number([...ids][0]);
      await waitForQuestion(h, 'U0CAROL', id);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(questionsFor(h, 'U0CAROL', 'Dedupe flow').length, 1);
      assert.equal((await getAlert(h, id)).history.filter((e) => e.action === 'confirm.created').length, 1);
    });
  });
}
