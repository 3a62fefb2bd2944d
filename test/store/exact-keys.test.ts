/**
 * Issue 16 §2: MariaDB's utf8mb4_bin is PAD SPACE, so "pad", "pad " and "pad  " were one dedupe
 * key there and three on SQLite. Both stores must compare every key column byte for byte.
 */
import assert from 'node:assert/strict';
import type { TicketAlert } from '../../src/core/ports.js';
import { OutboxRepository } from '../../src/outbox/repository.js';
import { TrackedAlertRepository } from '../../src/sla/tracked-alert-repository.js';
import { appendAudit, listAudit } from '../../src/store/audit.js';
import { openDatabase } from '../../src/store/db.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { postAlert, useRig, waitForQuestion } from '../confirm/helpers.js';
import { storeKinds, type TestStore } from '../helpers/stores.js';

for (const kind of storeKinds()) {
  kind.describe(`exact key comparison (${kind.kind})`, ({ it, before, after }) => {
    let store: TestStore | undefined;
    const rig = useRig(
      async () => {
        store = await kind.create();
        return { duo: false, store };
      },
      { before, after },
    );

    it('dedupe keys that differ only in trailing spaces are three alerts, each asked; a repeat finds its own', async () => {
      const ids: number[] = [];
      for (const key of ['pad', 'pad ', 'pad  ']) {
        const res = await postAlert(rig.h, {
          user: 'U0ALICE',
          title: `key "${key}"`,
          description: 'd',
          dedupe_key: key,
        });
        assert.equal(res.status, 201, JSON.stringify(res.json));
        ids.push(Number(res.json.id));
      }
      assert.equal(new Set(ids).size, 3, `ids ${ids.join(', ')}`);
      for (const id of ids) await waitForQuestion(rig.h, 'U0ALICE', id);
      const again = await postAlert(rig.h, { user: 'U0ALICE', title: 'again', description: 'd', dedupe_key: 'pad ' });
      assert.equal(Number(again.json.id), ids[1]);
      const caseVariant = await postAlert(rig.h, {
        user: 'U0ALICE',
        title: 'case',
        description: 'd',
        dedupe_key: 'PAD',
      });
      assert.ok(!ids.includes(Number(caseVariant.json.id)));
    });

    it('TheHive ids, Duo states and audit subjects: trailing spaces and case are distinct keys', async () => {
      const db = openDatabase(store!.url);
      try {
        await migrateLatest(db);
        const repo = new TrackedAlertRepository(db);
        const alert = (id: string): TicketAlert => ({
          id,
          title: id,
          description: '',
          severity: 2,
          createdAt: 1,
          state: 'open',
          caseId: null,
          observables: [],
        });
        const ids = ['~4096a', '~4096a ', '~4096A'];
        const failed = await repo.insertAlerts(
          ids.map((id) => ({ alert: alert(id), nextDue: null })),
          1,
        );
        assert.deepEqual(failed, []);
        for (const id of ids) assert.equal((await repo.get(id))?.title, id);
        assert.equal((await repo.knownIds(['~4096a'])).size, 1);

        await db('confirm_duo_states').insert(
          ['state-1', 'state-1 '].map((state) => ({
            state,
            alert_id: 1,
            user_id: 'U0ALICE',
            created_at: 1,
            expires_at: 2,
          })),
        );
        assert.equal((await db('confirm_duo_states').where({ state: 'state-1' })).length, 1);

        for (const subject of ['hive:~4096a', 'hive:~4096A', 'hive:~4096a ']) {
          await appendAudit(db, { at: new Date(1), actor: 'system', action: 'test', subject, details: {} });
        }
        assert.equal((await listAudit(db, 'hive:~4096a')).length, 1);
      } finally {
        await db.destroy();
      }
    });

    it('outbox keys and on-call alert ids: trailing spaces and case are distinct keys', async () => {
      const db = openDatabase(store!.url);
      try {
        await migrateLatest(db);
        const outbox = new OutboxRepository(db);
        for (const key of ['sla:~7a:notice', 'sla:~7a:notice ', 'sla:~7A:notice']) {
          const msg = { kind: 'slack_post' as const, key, to: 'C0ALERTS', payload: { text: key } };
          assert.equal(await outbox.insert(db, msg, 1), true, `"${key}" is a key of its own`);
        }
        assert.equal((await outbox.byKey(db, 'sla:~7a:notice'))?.payload.text, 'sla:~7a:notice');
        const ack = { by_who: 'U0ALICE', how: 'slack', acked_at: 1, until: 2, tier_at_ack: 0, updated_at: 1 };
        await db('oncall_acks').insert(['~7a', '~7a ', '~7A'].map((alert_id) => ({ ...ack, alert_id })));
        assert.equal((await db('oncall_acks').where({ alert_id: '~7a' })).length, 1);
      } finally {
        await db.destroy();
      }
    });
  });
}
