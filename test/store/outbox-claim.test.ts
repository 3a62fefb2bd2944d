/**
 * Two senders racing for one outbox row. A sender reads a lane's head and then the row itself;
 * between the two reads another sender may claim it. The copy then says "sending", and taking
 * it as an expired claim sent the message twice (seen with two replicas on MariaDB).
 */
import assert from 'node:assert/strict';
import { OutboxRepository } from '../../src/outbox/repository.js';
import type { Db } from '../../src/store/db.js';
import { storeKinds, useMigratedStore } from '../helpers/stores.js';

const TTL = 10_000;

for (const kind of storeKinds()) {
  kind.describe(`outbox claims (${kind.kind})`, ({ it, before, after }) => {
    const store = useMigratedStore(kind, { before, after });
    let db: Db;
    let repo: OutboxRepository;
    before(() => {
      db = store.db;
      repo = new OutboxRepository(db);
    });

    const enqueue = async (key: string, now: number) => {
      assert.ok(await repo.insert(db, { kind: 'sms', key, to: '+15550001', payload: { text: 'hi' } }, now));
      return (await repo.byKey(db, key))!;
    };

    it('a copy read after another sender claimed the row cannot claim it while that claim lasts', async () => {
      const now = 1_000_000;
      const row = await enqueue('race-1', now);
      assert.equal(await repo.claim(row, 'sender-a', now, TTL), true);
      const stale = (await repo.byId(row.id))!;
      assert.equal(stale.status, 'sending');
      assert.equal(await repo.claim(stale, 'sender-b', now + 100, TTL), false, 'a live claim is not taken');
      assert.equal(await repo.claim(row, 'sender-b', now + 100, TTL), false, 'nor through the pending copy');
      assert.equal((await repo.byId(row.id))!.claimedBy, 'sender-a');
    });

    it('an expired claim is taken over once, by one sender', async () => {
      const now = 2_000_000;
      const row = await enqueue('race-2', now);
      assert.equal(await repo.claim(row, 'sender-a', now, TTL), true);
      const stale = (await repo.byId(row.id))!;
      const later = now + TTL + 1;
      const [b, c] = await Promise.all([
        repo.claim(stale, 'sender-b', later, TTL),
        repo.claim(stale, 'sender-c', later, TTL),
      ]);
      assert.equal(Number(b) + Number(c), 1, 'exactly one takes it over');
      const after = (await repo.byId(row.id))!;
      assert.equal(after.attempts, 2);
      assert.notEqual(after.claimedBy, 'sender-a');
    });

    it('a row put back for a later try is not claimed before its time', async () => {
      const now = 3_000_000;
      const row = await enqueue('race-3', now);
      assert.equal(await repo.claim(row, 'sender-a', now, TTL), true);
      await repo.retryLater({ ...row, status: 'sending', attempts: 1 }, 'sender-a', now + 5000, 'busy', true);
      const waiting = (await repo.byId(row.id))!;
      assert.equal(waiting.status, 'pending');
      assert.equal(await repo.claim(waiting, 'sender-b', now + 1000, TTL), false);
      assert.equal(await repo.claim(waiting, 'sender-b', now + 5000, TTL), true);
    });
  });
}
