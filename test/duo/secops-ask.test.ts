/**
 * `/secops ask` and the responder rule on `/secops status` (issue 16 §2), through real Bolt and
 * the Slack simulator: responders put a question to anyone; everybody else is refused, with why.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getAlert, waitForQuestion } from '../confirm/helpers.js';
import { type PushRig, startPushRig } from './push-rig.js';

describe('/secops ask and /secops status are for responders', () => {
  let rig: PushRig;
  before(async () => {
    rig = await startPushRig();
  });
  after(() => rig.stop());
  const reply = async (user: string, text: string) => {
    const mark = rig.h.sim.mark();
    rig.h.sim.slashCommand(user, 'C0ALERTS', '/secops', text);
    return (await rig.h.sim.waitForEphemeral((e) => e.user === user, { since: mark, timeoutMs: 5000 })).text;
  };

  for (const mention of ['<@U0ALICE|alice>', '<@U0ALICE>']) {
    it(`a responder asks ${mention}: the same alert the REST API makes, reason "asked by"`, async () => {
      const text = await reply('U0CAROL', `ask ${mention} a sudo on prod-db at 02:14 from 10.1.2.3\nsecond line`);
      const id = Number(/alert #(\d+)/.exec(text)?.[1]);
      assert.ok(id > 0, text);
      assert.match(text, /Asked <@U0ALICE>/);
      const q = await waitForQuestion(rig.h, 'U0ALICE', id);
      assert.match(JSON.stringify(q.blocks), /a sudo on prod-db at 02:14 from 10\.1\.2\.3/);
      const alert = (await getAlert(rig.h, id)) as unknown as { reason: string; title: string; status: string };
      assert.equal(alert.status, 'asked');
      const row = await rig.h.bot.deps.db('confirm_alerts').where({ id }).first();
      assert.equal(row.reason, 'asked by carol (U0CAROL)');
      assert.equal(row.title, 'a sudo on prod-db at 02:14 from 10.1.2.3');
    });
  }

  it('a non-responder is refused, with the reason, for ask and for status', async () => {
    const before = await rig.h.bot.deps.db('confirm_alerts').count({ n: '*' }).first();
    assert.match(await reply('U0BOB', 'ask <@U0ALICE|alice> hello'), /^Only members of <#C0ALERTS> may ask someone/);
    assert.match(await reply('U0BOB', 'status'), /^Only members of <#C0ALERTS> may run `\/secops status`/);
    const after = await rig.h.bot.deps.db('confirm_alerts').count({ n: '*' }).first();
    assert.equal(Number(after?.n), Number(before?.n));
  });

  it('ask without a mention or text gets the usage', async () => {
    assert.match(await reply('U0CAROL', 'ask alice did you?'), /^Usage: `\/secops ask @someone <what happened>`/);
    assert.match(await reply('U0CAROL', 'ask <@U0ALICE|alice>'), /^Usage: `\/secops ask/);
  });
});
