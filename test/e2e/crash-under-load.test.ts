/**
 * Issue 9: kill -9 in the middle of a burst of alerts loses nothing. 200 alerts from 10 clients
 * (a quarter for users Slack does not know), the bot killed after 100 answers and started again
 * while the clients retry: every question DM and every escalation arrives, and a message sent
 * twice is one that was in flight at the kill, said to be a repeat. Also: SIGTERM under the same
 * load exits 0 (main() exits 1 past 5 s) and leaves the rest to the next start.
 */
import assert from 'node:assert/strict';
import { storeKinds, type TestStore } from '../helpers/stores.js';
import {
  BotProcess,
  burst,
  delivered,
  freePort,
  resent,
  SlackSimulator,
  seedUsers,
  waitUntil,
} from './burst-helpers.js';

const ALERTS = 200;
const CLIENTS = 10;
const MAX_IN_FLIGHT = 16;
const OPTIONS = {
  perChannelIntervalMs: 20,
  outbox: { pollMs: 100, backoffMs: 200, maxBackoffMs: 1000, claimTtlMs: 10_000, maxInFlight: MAX_IN_FLIGHT },
};

for (const kind of storeKinds()) {
  kind.describe(`kill -9 and SIGTERM under a burst (${kind.kind})`, ({ it, afterEach }) => {
    let sim: SlackSimulator;
    let store: TestStore;
    const { users, extra } = seedUsers();
    afterEach(async () => {
      await sim?.stop();
    });

    /** A fresh Slack and store per run, so alert ids never meet the last run's messages. */
    const run = async (stop: (bot: BotProcess) => Promise<void>) => {
      sim = await SlackSimulator.start({ workspace: { users } });
      store = await kind.create();
      const bot = new BotProcess(sim, store, await freePort(), OPTIONS);
      await bot.start();
      let stopped: Promise<void> | null = null;
      const b = burst(
        () => bot.url,
        ALERTS,
        CLIENTS,
        extra,
        (answered) => {
          if (answered === ALERTS / 2 && !stopped) stopped = stop(bot);
        },
      );
      await waitUntil(() => stopped !== null, 60_000, 'half the alerts answered');
      await stopped;
      await bot.start();
      await b.done;
      const ids = [...b.ids.entries()];
      const isDone = () => {
        const d = delivered(sim);
        return ids.every(([key, id]) => (b.unknown.has(key) ? d.escalations.has(id) : d.questions.has(id)));
      };
      await waitUntil(isDone, 60_000, 'every question and escalation').catch((err: unknown) => {
        const d = delivered(sim);
        const missing = ids.filter(([key, id]) => !(b.unknown.has(key) ? d.escalations.has(id) : d.questions.has(id)));
        throw new Error(`${missing.length} alerts lost: ${JSON.stringify(missing.slice(0, 10))}\n${bot.output}`, {
          cause: err,
        });
      });
      // A moment more, so a late duplicate would be counted.
      await new Promise((r) => setTimeout(r, 1000));
      const d = delivered(sim);
      const repeats = [...d.questions.values(), ...d.escalations.values()].filter((copies) => copies.length > 1);
      assert.equal(await bot.term(), 0, 'a clean stop after the run');
      await store.drop();
      return { repeats };
    };

    it('kill -9 after 100 answers: nothing lost, repeats bounded by the sends in flight and marked', async () => {
      const { repeats } = await run((bot) => bot.kill9());
      assert.ok(repeats.length <= MAX_IN_FLIGHT, `${repeats.length} repeats > ${MAX_IN_FLIGHT} in flight`);
      for (const copies of repeats) {
        assert.equal(copies.length, 2, 'at most one repeat');
        assert.ok(copies.some(resent), 'a repeat says it is one');
      }
    });

    it('SIGTERM under load exits 0; what was queued is sent after the next start, once', async () => {
      let code: number | null = -1;
      const { repeats } = await run(async (bot) => {
        code = await bot.term();
      });
      assert.equal(code, 0, 'exit code after SIGTERM under load');
      assert.equal(repeats.filter((copies) => !copies.some(resent)).length, 0);
    });
  });
}
