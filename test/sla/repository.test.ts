import assert from 'node:assert/strict';
import type { TicketAlert } from '../../src/core/ports.js';
import { SlaRepository } from '../../src/sla/repository.js';
import { openDatabase } from '../../src/store/db.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { storeKinds, type TestStore } from '../helpers/stores.js';

const alert = (id: string, over: Partial<TicketAlert> = {}): TicketAlert => ({
  id,
  title: `Alert ${id}`,
  description: 'd',
  severity: 2,
  createdAt: 1_000,
  state: 'open',
  caseId: null,
  observables: ['203.0.113.7'],
  ...over,
});

for (const kind of storeKinds()) {
  kind.describe(`SLA repository on ${kind.kind}`, ({ it, after }) => {
    const stores: TestStore[] = [];
    const open = async () => {
      const store = await kind.create();
      stores.push(store);
      const db = openDatabase(store.url);
      await migrateLatest(db);
      return { db, repo: new SlaRepository(db) };
    };
    after(async () => {
      for (const s of stores) await s.drop();
    });

    it('inserts, fingerprints, closes missing alerts and finds the earliest deadline', async () => {
      const { db, repo } = await open();
      await repo.alerts.insertAlerts(
        [
          { alert: alert('~1'), nextDue: 5_000 },
          { alert: alert('~2'), nextDue: 3_000 },
        ],
        2_000,
      );
      // A second replica inserting the same alert leaves the first row alone.
      await repo.alerts.insertAlerts([{ alert: alert('~1', { title: 'other' }), nextDue: 1 }], 2_001);
      assert.equal((await repo.alerts.get('~1'))?.title, 'Alert ~1');
      assert.equal((await repo.alerts.openFingerprints()).size, 2);
      assert.equal(await repo.alerts.earliestDue(), 3_000);
      assert.deepEqual(
        (await repo.alerts.dueAlerts(4_000, 10)).map((a) => a.alertId),
        ['~2'],
      );
      assert.deepEqual(await repo.alerts.openMissingFrom(new Set(['~1'])), ['~2']);
      assert.equal(await repo.alerts.markClosed('~2', 4_000), true);
      assert.equal(await repo.alerts.markClosed('~2', 4_001), false, 'closed once');
      assert.equal((await repo.alerts.get('~2'))?.state, 'closed');
      assert.equal(await repo.alerts.earliestDue(), 5_000);
      await db.destroy();
    });

    it('claims a tier exactly once among concurrent claimers, with its notifications', async () => {
      const { db, repo } = await open();
      await repo.alerts.insertAlerts([{ alert: alert('~9'), nextDue: 2_000 }], 1_000);
      const claim = {
        expectedTier: -1,
        expectedHighRisk: false,
        tier: 0,
        label: '2s tier',
        highRisk: false,
        next: 4_000,
        notifications: [
          { tier: 0, method: 'sms', recipient: '+15550000001' },
          { tier: 0, method: 'slack', recipient: 'C0ALERTS' },
        ],
      };
      const results = await Promise.all(Array.from({ length: 6 }, () => repo.alerts.claimFire('~9', claim, 2_000)));
      assert.equal(results.filter(Boolean).length, 1);
      const rows = await repo.notifications.forAlert('~9');
      assert.equal(rows.length, 2);
      assert.ok(rows.every((r) => r.status === 'pending'));
      const tracked = await repo.alerts.get('~9');
      assert.equal(tracked?.firedTier, 0);
      assert.equal(tracked?.nextDue, 4_000);

      // As the outbox records a sent SMS.
      await db('sla_notifications')
        .where({ id: rows[0]!.id })
        .update({ status: 'sent', sid: 'SM1', updated_at: 2_002 });
      const n = await repo.notifications.recordTwilioStatus('SM1', 'delivered', { MessageSid: 'SM1' }, 2_003);
      assert.equal(n?.deliveryStatus, 'delivered');
      assert.equal(n?.status, 'sent', "Twilio's callback does not overwrite what the bot did");
      assert.deepEqual(await repo.notifications.twilioStatuses('SM1'), ['delivered']);

      // A snoozed alert cannot be claimed until the snooze ends.
      assert.equal(await repo.alerts.snooze('~9', 10_000, 3_000), true);
      const next = { ...claim, expectedTier: 0, tier: 1, notifications: [] };
      assert.equal(await repo.alerts.claimFire('~9', next, 5_000), false);
      assert.equal(await repo.alerts.claimFire('~9', next, 10_000), true);

      assert.deepEqual(await repo.alerts.activity(0), { breaches: 1, openPastTier: 1 });
      await db.destroy();
    });

    it('a Twilio delivery status only moves forward, and a failure outranks a success', async () => {
      const { db, repo } = await open();
      await db('sla_notifications').insert({
        alert_id: '~20',
        tier: 0,
        method: 'sms',
        recipient: '+15550000001',
        status: 'sent',
        sid: 'SMfwd',
        attempts: 1,
        created_at: 1,
        updated_at: 1,
      });
      const record = async (status: string) =>
        (await repo.notifications.recordTwilioStatus('SMfwd', status, { MessageStatus: status }, 2))?.deliveryStatus;
      assert.equal(await record('sent'), 'sent');
      assert.equal(await record('delivered'), 'delivered');
      assert.equal(await record('queued'), 'delivered', 'a late queued does not roll it back');
      assert.equal(await record('failed'), 'failed', 'a failure after delivered is what a person must hear');
      assert.equal(await record('queued'), 'failed');
      assert.equal(await record('delivered'), 'failed');
      assert.deepEqual(await repo.notifications.twilioStatuses('SMfwd'), [
        'sent',
        'delivered',
        'queued',
        'failed',
        'queued',
        'delivered',
      ]);
      await db.destroy();
    });

    it('the unique key refuses a second row for the same (alert, tier, method, recipient)', async () => {
      const { db } = await open();
      const row = {
        alert_id: '~5',
        tier: 1,
        method: 'call',
        recipient: '+15550000002',
        status: 'sent',
        created_at: 1,
        updated_at: 1,
      };
      await db('sla_notifications').insert(row);
      await assert.rejects(db('sla_notifications').insert(row));
      await db.destroy();
    });

    it('promotion stops the deadline and a promoted alert cannot be snoozed', async () => {
      const { db, repo } = await open();
      await repo.alerts.insertAlerts([{ alert: alert('~7'), nextDue: 2_000 }], 1_000);
      await repo.alerts.markPromoted('~7', { id: '~100', number: 3 }, 'U0CAROL', 1_500);
      const tracked = await repo.alerts.get('~7');
      assert.equal(tracked?.state, 'promoted');
      assert.equal(tracked?.promotedBy, 'U0CAROL');
      assert.equal(tracked?.caseNumber, 3);
      assert.equal(await repo.alerts.earliestDue(), null);
      assert.equal(await repo.alerts.snooze('~7', 9_000, 1_600), false);
      await db.destroy();
    });
  });
}
