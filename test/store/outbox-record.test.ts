/**
 * Recording a sent row. The database may drop between the send and its record (the e2e case is
 * test/confirm/db-drop.test.ts); a record that fails while the database answers is something else
 * (a domain handler that throws) and must not hold the lane forever: it is given up after the
 * claim, as a crash would be, and the message is re-sent marked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PhonePort } from '../../src/core/ports.js';
import { systemClock } from '../../src/core/ports.js';
import { Outbox } from '../../src/outbox/outbox.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { capturedLines } from '../helpers/log-lines.js';
import { freshSqlite, type TestStore } from '../helpers/stores.js';

describe('outbox: recording a sent row', () => {
  let store: TestStore;
  let db: Db;
  before(async () => {
    store = await freshSqlite();
    db = openDatabase(store.url);
    await migrateLatest(db);
  });
  after(async () => {
    await db?.destroy();
    await store?.drop();
  });

  it('a record that keeps failing while the database answers is given up after the claim, not retried forever', async () => {
    const texts: string[] = [];
    const phone: PhonePort = {
      sendSms: async (_to, body) => {
        texts.push(body);
        return { sid: `SM${texts.length}`, status: 'queued' };
      },
      call: async () => ({ sid: 'CA1', status: 'queued' }),
    };
    const log = capturedLines('info');
    const outbox = new Outbox({
      db,
      replicaId: 'test-replica',
      clock: systemClock,
      logger: log.logger,
      slackSender: null,
      slackReader: null as never,
      phone,
      tuning: { pollMs: 20, claimTtlMs: 300, phoneIntervalMs: 0 },
    });
    outbox.register('broken', {
      async sent() {
        // Only the first copy's record fails: the re-sent one is recorded.
        if (texts.length === 1) throw new Error('a domain bug, not an outage');
      },
    });
    outbox.start();
    try {
      await outbox.send({ kind: 'sms', key: 'record-1', to: '+15550001', payload: { text: 'hi' }, ref: 'broken:1' });
      await outbox.drained(10_000);
      assert.ok(
        log.lines.some((l) => l.includes('recording it fails though the database answers')),
        log.lines.join(''),
      );
      assert.equal(texts.length, 2, 'given up once, then re-sent after the claim expired');
      assert.match(texts[1]!, /re-sent after a restart/);
    } finally {
      await outbox.stop(1000);
    }
  });
});
