import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SlackSimulator } from '../../src/sandbox/slack/index.js';
import { SlaRepository } from '../../src/sla/repository.js';
import { openDatabase } from '../../src/store/db.js';
import { baseEnv, type Harness, startHarness } from '../helpers/bot-harness.js';
import { freshSqlite } from '../helpers/stores.js';
import { callsFor, eventually, type SlaSims, slaEnv, sleep, smsFor, startSims, writePolicy } from './sla-helpers.js';

describe('SLA state survives restarts', () => {
  let sims: SlaSims;
  before(async () => {
    sims = await startSims();
  });
  after(async () => {
    await sims.stop();
  });

  it('restart between tiers: no duplicate SMS or call, and the next tiers fire on time', async () => {
    const h = await startHarness({ env: slaEnv(sims) });
    try {
      const created = Date.now();
      const id = String(
        sims.hive.addAlert({ severity: 2, title: 'Restart me', description: '', createdAt: created })._id,
      );
      await eventually(() => smsFor(sims, id).length === 1, 5000, 'tier 1');
      await h.restart();
      const call = await eventually(() => callsFor(sims, id)[0], 8000, 'tier 3 after the restart');
      await sleep(1000);
      const sms = smsFor(sims, id);
      assert.equal(sms.length, 2, 'tier 1 was not re-sent after the restart');
      assert.equal(callsFor(sims, id).length, 1);
      const late = (d: Date, dueMs: number) => d.getTime() - (created + dueMs);
      assert.ok(late(sms[1]!.dateCreated, 4000) >= 0 && late(sms[1]!.dateCreated, 4000) < 1500);
      assert.ok(late(call.dateCreated, 6000) >= 0 && late(call.dateCreated, 6000) < 1500);
    } finally {
      await h.stop();
    }
  });

  it('kill -9 right after a tier fired: no duplicate, and the next tier still fires on time', async () => {
    // The killed process holds the scheduler lease for its full 15 s TTL, so the second tier is set after that.
    const policyFile = writePolicy(`
sla:
  severities:
    2:
      tiers:
        - { after: 2s, notify: [sms] }
        - { after: 19s, notify: [slack, sms] }
oncall:
  primary: ['+15550000001']
`);
    const sim = await SlackSimulator.start();
    const store = await freshSqlite();
    const env = { ...baseEnv(sim, store), ...slaEnv(sims), POLICY_FILE: policyFile };
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    let h: Harness | null = null;
    try {
      const created = Date.now();
      const id = String(sims.hive.addAlert({ severity: 2, title: 'Kill me', description: '', createdAt: created })._id);
      await eventually(() => smsFor(sims, id).length === 1, 20_000, 'tier 1 from the child process');
      // Killed after the SMS was recorded as sent: a kill between the send and its record would
      // repeat it, marked as a repeat (at least once; test/e2e/crash-under-load.test.ts).
      const peek = openDatabase(store.url);
      try {
        await eventually(
          async () =>
            (await peek('outbox').where({ kind: 'sms', status: 'sent' }).andWhere('idem_key', 'like', `sla:${id}:%`))
              .length === 1,
          15_000,
          'the SMS recorded as sent',
        );
      } finally {
        await peek.destroy();
      }
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      h = await startHarness({ env: { ...slaEnv(sims), POLICY_FILE: policyFile }, sim, store });
      const tracked = await new SlaRepository(h.bot.deps.db).alerts.get(id);
      assert.equal(tracked?.firedTier, 0, 'the fired tier was committed before the kill');
      const second = await eventually(() => smsFor(sims, id)[1], 25_000, 'tier 2 after the kill');
      await sleep(1000);
      assert.equal(smsFor(sims, id).length, 2, 'tier 1 was not sent again');
      const late = second.dateCreated.getTime() - (created + 19_000);
      assert.ok(late >= 0 && late < 1500, `tier 2 ${late} ms after its deadline`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await h?.stop();
      await sim.stop();
      await store.drop();
    }
  });
});
