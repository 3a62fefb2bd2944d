import assert from 'node:assert/strict';
import { SlackSimulator } from '../../src/sandbox/slack/index.js';
import { type Harness, startHarness } from '../helpers/bot-harness.js';
import { storeKinds, type TestStore } from '../helpers/stores.js';
import {
  callsFor,
  eventually,
  noticeOf,
  PRIMARY,
  type SlaSims,
  slaEnv,
  sleep,
  smsFor,
  startSims,
} from './sla-helpers.js';

const mysql = storeKinds().find((k) => k.kind === 'mysql')!;

mysql.describe('two bot replicas against one MariaDB', ({ it, before, after }) => {
  let sims: SlaSims;
  let sim: SlackSimulator;
  let store: TestStore;
  let a: Harness;
  let b: Harness;
  before(async () => {
    sims = await startSims();
    sim = await SlackSimulator.start();
    store = await mysql.create();
    a = await startHarness({ env: slaEnv(sims), sim, store, botOptions: { replicaId: 'replica-a' } });
    b = await startHarness({ env: slaEnv(sims), sim, store, botOptions: { replicaId: 'replica-b' } });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await sim.stop();
    await store.drop();
    await sims.stop();
  });

  it('every notification goes out exactly once, even when the lease holder stops mid-ladder', async () => {
    const ids = [
      ...Array.from({ length: 4 }, (_, i) =>
        sims.hive.addAlert({ severity: 2, title: `Replica sev2 #${i}`, description: '' }),
      ),
      ...Array.from({ length: 3 }, (_, i) =>
        sims.hive.addAlert({ severity: 4, title: `Replica sev4 #${i}`, description: '' }),
      ),
      sims.hive.addAlert({ severity: 2, title: 'URGENT replica test', description: '' }),
    ].map((r) => String(r._id));
    const [sev2, sev4, urgent] = [ids.slice(0, 4), ids.slice(4, 7), ids[7]!];
    assert.notEqual(a.bot.deps.lease.isHeld(), b.bot.deps.lease.isHeld(), 'exactly one replica holds the lease');

    // Half-way, the holder goes away; the other takes over and must neither repeat nor skip anything.
    await eventually(() => sev2.every((id) => smsFor(sims, id).length === 1), 15_000, 'tier 1 everywhere');
    const holder = a.bot.deps.lease.isHeld() ? a : b;
    const other = holder === a ? b : a;
    await holder.bot.stop();
    await eventually(() => other.bot.deps.lease.isHeld(), 5000, 'takeover');

    await eventually(() => sev2.every((id) => callsFor(sims, id).length === 1), 10_000, 'tier 3 everywhere');
    await eventually(() => sev4.every((id) => callsFor(sims, id).length === 3), 5000, 'severity 4 top tier');
    await sleep(1500);
    for (const id of sev2) {
      assert.equal(smsFor(sims, id).length, 2, `sms once per tier for ${id}`);
      assert.equal(callsFor(sims, id).length, 1, `one call for ${id}`);
      assert.equal(noticeOf(sim, id).notices.length, 1, `one notice for ${id}`);
    }
    for (const id of sev4) {
      assert.equal(smsFor(sims, id).length, 1);
      assert.equal(callsFor(sims, id).filter((c) => c.to === PRIMARY).length, 1);
      assert.equal(callsFor(sims, id).length, 3);
    }
    assert.equal(callsFor(sims, urgent).length, 1, 'high-risk call once');
    const rows = (await other.bot.deps
      .db('sla_notifications')
      .select('alert_id', 'tier', 'method', 'recipient', 'status')) as Array<{
      status: string;
    }>;
    assert.ok(rows.length > 0);
    assert.ok(
      rows.every((r) => r.status !== 'pending' && r.status !== 'sending'),
      JSON.stringify(rows.filter((r) => r.status === 'pending')),
    );
  });
});
