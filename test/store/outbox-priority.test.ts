/**
 * Outbox priority (issue 16): within a lane the most urgent due row goes first, then the oldest,
 * so a "No" is not queued behind a backlog of time-outs in the same channel. Checked on the
 * repository's queries (both stores) and through a real sender with a recording transport: an
 * urgent row still waits for its parent.
 */
import assert from 'node:assert/strict';
import { Outbox } from '../../src/outbox/outbox.js';
import { OutboxRepository } from '../../src/outbox/repository.js';
import type { Transport } from '../../src/outbox/transports.js';
import type { OutboxMessage, OutboxRow, SlackPayload } from '../../src/outbox/types.js';
import type { Db } from '../../src/store/db.js';
import { testLogger } from '../helpers/bot-harness.js';
import { storeKinds, useMigratedStore } from '../helpers/stores.js';

const NOW = 5_000_000;

for (const kind of storeKinds()) {
  kind.describe(`outbox priority (${kind.kind})`, ({ it, before, after }) => {
    const store = useMigratedStore(kind, { before, after });
    let db: Db;
    let repo: OutboxRepository;
    before(() => {
      db = store.db;
      repo = new OutboxRepository(db);
    });

    let seq = 0;
    const put = async (lane: string, extra: Partial<OutboxMessage> = {}, at = NOW) => {
      const key = `prio-${++seq}`;
      const msg: OutboxMessage = { kind: 'slack_post', key, to: lane, payload: { text: key }, ...extra };
      assert.ok(await repo.insert(db, msg, at));
      return (await repo.byKey(db, key))!;
    };
    const headOf = async (lane: string) => (await repo.laneHeads(NOW, 500)).find((h) => h.lane === lane);

    it("a lane's head is its oldest urgent row, ahead of older routine rows", async () => {
      await put('C1');
      await put('C1');
      const urgent = await put('C1', { priority: 1 });
      await put('C1', { priority: 1 });
      const head = await headOf('C1');
      assert.equal(head?.id, urgent.id);
      assert.equal(head?.priority, 1);
      const order = (await repo.dueInLane('C1', 'slack_post', NOW, 20)).map((r) => r.priority);
      assert.deepEqual(order, [1, 1, 0, 0]);
    });

    it('a higher priority beats a lower one; a lane without urgent rows keeps its oldest row', async () => {
      await put('C2', { priority: 1 });
      const top = await put('C2', { priority: 2 });
      const routine = await put('C3');
      await put('C3');
      assert.equal((await headOf('C2'))?.id, top.id);
      const c3 = await headOf('C3');
      assert.equal(c3?.id, routine.id);
      assert.equal(c3?.priority, 0);
    });

    it('lanes with urgent rows come first, so a short head limit still reaches them', async () => {
      const heads = await repo.laneHeads(NOW, 500);
      const firstRoutine = heads.findIndex((h) => h.priority === 0);
      assert.ok(firstRoutine > 0);
      assert.ok(
        heads.slice(firstRoutine).every((h) => h.priority === 0),
        JSON.stringify(heads),
      );
      const one = await repo.laneHeads(NOW, 1);
      assert.equal(one.length, 1);
      assert.equal(one[0]!.lane, 'C2');
    });

    it('an urgent row that is not due, or already sent, does not make the head', async () => {
      const routine = await put('C4');
      await put('C4', { priority: 1 }, NOW + 60_000);
      const sent = await put('C4', { priority: 1 });
      assert.ok(await repo.claim(sent, 'a', NOW, 10_000));
      await repo.markSent({ ...sent, status: 'sending' }, 'a', { channel: 'C4', id: '1.0' }, NOW, async () => {});
      assert.equal((await headOf('C4'))?.id, routine.id);
    });

    it('an urgent row whose sender died (claim expired) is the head again', async () => {
      await put('C5');
      const urgent = await put('C5', { priority: 1 }, NOW - 30_000);
      assert.ok(await repo.claim(urgent, 'dead', NOW - 20_000, 10_000));
      const head = await headOf('C5');
      assert.equal(head?.id, urgent.id);
      assert.equal(head?.priority, 1);
    });

    it("a routine row whose sender died is its lane's head by age among the pending ones; a live claim is not", async () => {
      const died = await put('C6', {}, NOW - 30_000);
      await put('C6');
      assert.ok(await repo.claim(died, 'dead', NOW - 20_000, 10_000));
      assert.equal((await headOf('C6'))?.id, died.id);
      const older = await put('C7');
      const later = await put('C7', {}, NOW - 30_000);
      assert.ok(await repo.claim(later, 'dead', NOW - 20_000, 10_000));
      assert.equal((await headOf('C7'))?.id, older.id);
      const live = await put('C8');
      assert.ok(await repo.claim(live, 'alive', NOW, 10_000));
      assert.equal(await headOf('C8'), undefined);
    });

    it('the sender sends urgent rows first, and an urgent reply still waits for its parent', async () => {
      const sent: string[] = [];
      const transport: Transport = {
        async send(row: OutboxRow, payload) {
          const p = payload as SlackPayload;
          sent.push(p.thread_ts ? `${row.key}>${p.thread_ts}` : row.key);
          return { channel: row.lane, id: `ts-${row.key}` };
        },
      };
      const lane = 'C9';
      // Written before the sender starts, so it sees the whole backlog at once.
      for (const [key, extra] of [
        ['r1', {}],
        ['r2', {}],
        ['r3', {}],
        ['u-reply', { priority: 1, after: { key: 'r1', as: 'thread_ts' } }],
        ['u-no', { priority: 1 }],
        ['r4', {}],
      ] as const) {
        assert.ok(await repo.insert(db, { kind: 'slack_post', key, to: lane, payload: { text: key }, ...extra }, 1));
      }
      const outbox = new Outbox({
        db,
        replicaId: 'prio-test',
        clock: { now: () => new Date() },
        logger: testLogger(),
        slackSender: null,
        slackReader: null as never,
        slackTransport: transport,
        phone: null,
        tuning: { pollMs: 10, slackPostIntervalMs: 0, backoffMs: 1, maxBackoffMs: 5 },
      });
      outbox.start();
      try {
        const until = Date.now() + 10_000;
        while (sent.filter((k) => /^(r\d|u-)/.test(k)).length < 6 && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 10));
        }
      } finally {
        await outbox.stop();
      }
      const ours = sent.filter((k) => /^(r\d|u-)/.test(k));
      // "u-no" overtakes the backlog; the urgent reply waits for r1, then goes before r2.
      assert.deepEqual(ours, ['u-no', 'r1', 'u-reply>ts-r1', 'r2', 'r3', 'r4']);
    });
  });
}
