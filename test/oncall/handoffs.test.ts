import assert from 'node:assert/strict';
import { handoffAt, shiftIndexAt } from '../../src/core/oncall/rotation.js';
import { SlackSimulator } from '../../src/sandbox/slack/index.js';
import { type Harness, startHarness } from '../helpers/bot-harness.js';
import { storeKinds, type TestStore } from '../helpers/stores.js';
import { eventually, writePolicy } from '../sla/sla-helpers.js';

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
  kind.describe(`handoffs are announced once with two replicas on ${kind.kind}`, ({ it, before, after }) => {
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
      const firstFull = handoffAt(rotation, shiftIndexAt(rotation, started) + 1);
      // Three handoffs after start, each announced: the messages trail their rows by the outbox's
      // pace, so wait until the two agree rather than for a fixed time (the machine may be busy).
      const seen = await eventually(
        async () => {
          const all = (await bots[0]!.bot.deps.db('oncall_handoffs').select('handoff_at', 'person')) as Array<{
            handoff_at: number;
            person: string;
          }>;
          const lines = sim.messages('C0ALERTS').filter((m) => /Handoff:/.test(m.text));
          const dms = sim.messages().filter((m) => m.channel.startsWith('D') && /You are now on call/.test(m.text));
          const full = all.filter((r) => Number(r.handoff_at) >= firstFull).length;
          return full >= 3 && lines.length === all.length && dms.length === all.length && { all, lines, dms };
        },
        firstFull - started + 3 * SHIFT_MS + 15_000,
        'three handoffs, each announced',
      );
      const { all, lines, dms } = seen;
      // Every announced instant appears once, never twice, whichever replica claimed it.
      assert.equal(new Set(lines.map((m) => m.text)).size, lines.length, 'no handoff line twice');
      assert.equal(new Set(dms.map((m) => `${m.channel} ${m.text}`)).size, dms.length, 'no handoff DM twice');
      for (const row of all) {
        const k = shiftIndexAt(rotation, Number(row.handoff_at));
        assert.equal(row.person, k % 2 === 0 ? 'alice' : 'bob');
      }
      assert.match(lines.at(-1)!.text, /<@U0(ALICE|BOB)> is now on call until/);
      assert.equal(new Set(dms.map((m) => m.channel)).size, 2, 'alice and bob each get DMs');
    });
  });
}
