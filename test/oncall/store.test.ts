import assert from 'node:assert/strict';
import { AckStore } from '../../src/oncall/ack-store.js';
import { OnCallRecords } from '../../src/oncall/oncall-records.js';
import { OverrideStore } from '../../src/oncall/override-store.js';
import { listAudit } from '../../src/store/audit.js';
import { openDatabase } from '../../src/store/db.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { storeKinds, type TestStore } from '../helpers/stores.js';

const MIN = 60_000;

for (const kind of storeKinds()) {
  kind.describe(`on-call store on ${kind.kind}`, ({ it, after }) => {
    const stores: TestStore[] = [];
    const dbs: ReturnType<typeof openDatabase>[] = [];
    const open = async () => {
      const store = await kind.create();
      stores.push(store);
      const db = openDatabase(store.url);
      dbs.push(db);
      await migrateLatest(db);
      return db;
    };
    after(async () => {
      for (const db of dbs) await db.destroy();
      for (const s of stores) await s.drop();
    });

    it('one acknowledgement wins among many at once; a new one only after it ran out', async () => {
      const db = await open();
      const acks = new AckStore(db);
      const base = { alertId: '~1', how: 'sms' as const, at: 1000, until: 1000 + 30 * MIN, tierAtAck: 0 };
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) => acks.acknowledge({ ...base, by: `U${i}` }, 1000)),
      );
      assert.equal(outcomes.filter((o) => o.ok).length, 1);
      const winner = outcomes.find((o) => o.ok)!.ack.by;
      assert.ok(
        outcomes.every((o) => o.ack.by === winner),
        'the losers are told who won',
      );
      assert.equal((await listAudit(db, 'hive:~1')).filter((e) => e.action === 'oncall.acknowledged').length, 1);

      const later = 1000 + 30 * MIN;
      const again = await acks.acknowledge(
        { ...base, by: 'U0LATE', at: later, until: later + MIN, tierAtAck: 1 },
        later,
      );
      assert.equal(again.ok, true);
      assert.equal((await acks.get('~1'))?.tierAtAck, 1);
    });

    it('promote or close ends an acknowledgement once, and a new one may follow', async () => {
      const db = await open();
      const acks = new AckStore(db);
      await acks.acknowledge({ alertId: '~2', by: 'U1', how: 'slack', at: 0, until: 10 * MIN, tierAtAck: 0 }, 0);
      assert.equal(await acks.end('~2', 'promoted', MIN), true);
      assert.equal(await acks.end('~2', 'promoted', MIN), false);
      assert.equal((await acks.get('~2'))?.endedReason, 'promoted');
      const next = await acks.acknowledge(
        { alertId: '~2', by: 'U2', how: 'phone', at: 2 * MIN, until: 5 * MIN, tierAtAck: 0 },
        2 * MIN,
      );
      assert.equal(next.ok, true);
    });

    it('overrides: add, list what is current, clear (audited)', async () => {
      const db = await open();
      const store = new OverrideStore(db);
      await store.add({ slack: 'U0CAROL', startsAt: 0, endsAt: 10 * MIN, by: 'U0BOSS' }, 0);
      await store.add({ slack: 'U0OLD', startsAt: 0, endsAt: MIN, by: 'U0BOSS' }, 0);
      assert.deepEqual(
        (await store.current(2 * MIN)).map((o) => o.slack),
        ['U0CAROL'],
      );
      assert.equal(await store.clear('U0BOSS', 3 * MIN), 1);
      assert.deepEqual(await store.current(3 * MIN), []);
      assert.deepEqual(
        (await listAudit(db, 'oncall:U0CAROL')).map((e) => e.action),
        ['oncall.override_set'],
      );
      assert.equal((await listAudit(db, 'oncall:overrides'))[0]?.action, 'oncall.override_cleared');
    });

    it('pages: the latest alert paged to a number; a number never paged has none', async () => {
      const db = await open();
      const r = new OnCallRecords(db);
      await r.recordPage({ alertId: '~a', phone: '+15550000101', method: 'sms', sid: 'SM1', at: 1 });
      await r.recordPage({ alertId: '~b', phone: '+15550000101', method: 'call', sid: 'CA1', at: 2 });
      await r.recordPage({ alertId: '~c', phone: '+15550000102', method: 'sms', sid: 'SM2', at: 3 });
      assert.equal(await r.latestPagedAlert('+15550000101'), '~b');
      assert.equal(await r.latestPagedAlert('+15550000999'), null);
      assert.equal(await r.wasPaged('+15550000101', '~c'), false);
      assert.equal(await r.wasPaged('+15550000102', '~c'), true);
      assert.equal((await r.pageBySid('CA1'))?.alertId, '~b');
    });

    it('webhook receipts: the first request is claimed, a replay gets the stored answer', async () => {
      const db = await open();
      const r = new OnCallRecords(db);
      const params = { From: '+15550000101', Body: 'ack', MessageSid: 'SM9' };
      const claims = await Promise.all(
        [1, 2, 3].map(() => r.claimWebhook('/twilio/sms', 'http://x/twilio/sms', params, 1)),
      );
      assert.equal(claims.filter((c) => c === null).length, 1);
      await r.storeWebhookAnswer('http://x/twilio/sms', params, '<Response/>');
      assert.equal(await r.claimWebhook('/twilio/sms', 'http://x/twilio/sms', { ...params }, 2), '<Response/>');
      assert.equal(await r.claimWebhook('/twilio/sms', 'http://x/twilio/sms', { ...params, Body: '2' }, 2), null);
      // A request that failed before its answer was stored is processed again when Twilio retries it.
      await r.releaseWebhook('http://x/twilio/sms', { ...params, Body: '2' });
      assert.equal(await r.claimWebhook('/twilio/sms', 'http://x/twilio/sms', { ...params, Body: '2' }, 3), null);
      await r.releaseWebhook('http://x/twilio/sms', params);
      assert.equal(
        await r.claimWebhook('/twilio/sms', 'http://x/twilio/sms', params, 3),
        '<Response/>',
        'answered ones stay',
      );
    });

    it('handoffs, escalations and opt-outs are claimed once', async () => {
      const db = await open();
      const r = new OnCallRecords(db);
      const handoffs = await Promise.all([1, 2].map((i) => r.claimHandoff(5000, 'bob', `replica-${i}`, 1)));
      assert.deepEqual(handoffs.sort(), [false, true]);
      assert.equal(await r.lastAnnouncedHandoff(), 5000);
      const escalations = await Promise.all([1, 2].map((i) => r.claimEscalation('~e', 0, `U${i}`, 'phone', 1)));
      assert.deepEqual(escalations.sort(), [false, true]);
      assert.equal(await r.claimEscalation('~e', 1, 'U1', 'sms', 2), true);
      assert.equal(await r.markOptedOut('+15550000101', 1), true);
      assert.equal(await r.markOptedOut('+15550000101', 2), false);
      assert.equal(await r.isOptedOut('+15550000101'), true);
      assert.equal(await r.clearOptOut('+15550000101'), true);
      assert.equal(await r.isOptedOut('+15550000101'), false);
    });
  });
}
