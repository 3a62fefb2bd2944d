import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { handoffAt, shiftIndexAt } from '../../src/core/oncall/rotation.js';
import { SlackSimulator } from '../../src/sandbox/slack/index.js';
import { type Harness, startHarness } from '../helpers/bot-harness.js';
import { storeKinds, type TestStore } from '../helpers/stores.js';
import { writePolicy } from '../sla/sla-helpers.js';

const SHIFT_MS = 1500;
const POLICY = `
oncall:
  people:
    alice: { slack: U0ALICE, phone: "+15550000101" }
    bob:   { slack: U0BOB,   phone: "+15550000102" }
  rotation:
    members: [alice, bob]
    shift: ${SHIFT_MS}ms
    handoff: "2026-01-01T00:00"
    tz: Europe/London
`;

for (const kind of storeKinds()) {
  describe(`handoffs are announced once with two replicas on ${kind.kind}`, { skip: kind.skip }, () => {
    let sim: SlackSimulator;
    let store: TestStore;
    const bots: Harness[] = [];
    before(async () => {
      sim = await SlackSimulator.start();
      store = await kind.create();
      const env = { POLICY_FILE: writePolicy(POLICY) };
      for (let i = 0; i < 2; i++)
        bots.push(await startHarness({ sim, store, env, botOptions: { replicaId: `replica-${i}` } }));
    });
    after(async () => {
      for (const b of bots) await b.bot.stop();
      await sim.stop();
      await store.drop();
    });

    it('each handoff: one line in the alerts channel and one DM to the incoming person', async () => {
      const rotation = {
        members: ['alice', 'bob'],
        shiftMs: SHIFT_MS,
        handoff: '2026-01-01T00:00',
        tz: 'Europe/London',
      };
      const started = Date.now();
      // Wait through three handoffs after start.
      const firstFull = handoffAt(rotation, shiftIndexAt(rotation, started) + 1);
      await new Promise((r) => setTimeout(r, firstFull - started + 2 * SHIFT_MS + 600));
      const lines = sim.messages('C0ALERTS').filter((m) => /Handoff:/.test(m.text));
      const dms = sim.messages().filter((m) => m.channel.startsWith('D') && /You are now on call/.test(m.text));
      const rows = await bots[0]!.bot.deps
        .db('oncall_handoffs')
        .where('handoff_at', '>=', firstFull)
        .orderBy('handoff_at');
      assert.ok(rows.length >= 3, `three handoffs announced, got ${rows.length}`);
      // Every announced instant appears once, never twice, whichever replica claimed it.
      const all = await bots[0]!.bot.deps.db('oncall_handoffs').select('handoff_at', 'person');
      assert.equal(lines.length, all.length, 'one channel line per handoff');
      assert.equal(dms.length, all.length, 'one DM per handoff');
      for (const row of all) {
        const k = shiftIndexAt(rotation, Number(row.handoff_at));
        assert.equal(row.person, k % 2 === 0 ? 'alice' : 'bob');
      }
      assert.match(lines.at(-1)!.text, /<@U0(ALICE|BOB)> is now on call until/);
      assert.equal(new Set(dms.map((m) => m.channel)).size, 2, 'alice and bob each get DMs');
    });
  });
}
