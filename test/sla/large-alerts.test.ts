/**
 * Issue 16 §1: one huge TheHive alert stopped SLA monitoring on MariaDB (a 64 KB TEXT column, an
 * INSERT IGNORE that cut the JSON, a parse that threw every pass away, and a timer that re-fired at
 * once). The real bot against the TheHive, Twilio and Slack simulators, on SQLite and MariaDB.
 */
import assert from 'node:assert/strict';
import {
  DESCRIPTION_MAX_CHARS,
  OBSERVABLES_MAX_COUNT,
  OBSERVABLES_MAX_TOTAL_CHARS,
} from '../../src/core/sla/fact-bounds.js';
import { SlaRepository } from '../../src/sla/repository.js';
import { type Harness, startHarness } from '../helpers/bot-harness.js';
import { storeKinds, type TestStore } from '../helpers/stores.js';
import { capturingLogger } from './log-capture.js';
import { eventually, freePort, noticeOf, type SlaSims, slaEnv, sleep, startSims } from './sla-helpers.js';

for (const kind of storeKinds()) {
  kind.describe(`SLA with huge TheHive alerts (${kind.kind})`, ({ it, before, after }) => {
    let sims: SlaSims;
    let store: TestStore;
    let h: Harness;
    const log = capturingLogger();
    before(async () => {
      sims = await startSims();
      store = await kind.create();
      h = await startHarness({ store, env: slaEnv(sims, await freePort()), botOptions: { logger: log.logger } });
    });
    after(async () => {
      await h.stop();
      await sims.stop();
      await store.drop();
    });
    const repo = () => new SlaRepository(h.bot.deps.db);
    const errors = () => log.entries.filter((e) => e.level === 'error');

    it('a 1 MB description and 10,000 observables are tracked bounded, and an alert added after them is on time', async () => {
      const huge = String(
        sims.hive.addAlert({
          severity: 3,
          title: 'Huge description',
          description: `${'lorem ipsum '.repeat(87_382)}end`,
        })._id,
      );
      const many = String(
        sims.hive.addAlert({
          severity: 3,
          title: 'Many observables',
          description: 'x',
          observables: Array.from({ length: 10_000 }, (_, i) => `host-${i}.example.${'z'.repeat(i % 300)}`),
        })._id,
      );
      // Severity 3: tier 1 (slack) after 2 s, tier 2 (slack+call) after 5 s.
      const normal = String(
        sims.hive.addAlert({ severity: 3, title: 'Normal alert after them', description: 'y' })._id,
      );

      const notice = await eventually(() => noticeOf(h.sim, normal).notice, 6000, 'the normal alert notice');
      assert.ok(notice);
      await eventually(() => noticeOf(h.sim, huge).notice, 3000, 'the huge description notice');
      await eventually(() => noticeOf(h.sim, many).notice, 3000, 'the many-observables notice');

      const stored = await repo().alerts.get(huge);
      assert.ok(stored && stored.description.length <= DESCRIPTION_MAX_CHARS && stored.description.length > 1000);
      const withObs = await repo().alerts.get(many);
      assert.ok(withObs);
      assert.ok(withObs.observables.length > 0 && withObs.observables.length <= OBSERVABLES_MAX_COUNT);
      assert.ok(withObs.observables.join('').length <= OBSERVABLES_MAX_TOTAL_CHARS);
      assert.equal(withObs.observables[0], 'host-0.example.');

      // Tier 2 of the large ones fires too (it never did on MariaDB before).
      for (const id of [huge, many]) {
        await eventually(async () => (await repo().alerts.get(id))?.firedTier === 1, 8000, `tier 2 of ${id}`);
      }
      // Nothing failed, and no log line carried the alert text.
      assert.deepEqual(
        errors().map((e) => e.message),
        [],
      );
      assert.ok(log.entries.every((e) => e.json.length < 20_000));
      for (const id of [huge, many, normal]) sims.hive.closeAlert(id);
    });

    it('an alert the store refuses is logged once, capped, and skipped; the others keep their deadlines', async () => {
      // An id longer than the alert_id column (128): strict mode refuses it on MariaDB, SQLite stores it.
      const longId = `~${'9'.repeat(4000)}`;
      sims.hive.addAlert({ severity: 3, title: 'Refused', description: 'r' });
      const refused = sims.hive.alerts().at(-1)!;
      if (kind.kind === 'mysql') renameAlert(sims, String(refused._id), longId);
      const after = String(sims.hive.addAlert({ severity: 3, title: 'After the refused one', description: 'a' })._id);
      await eventually(() => noticeOf(h.sim, after).notice, 6000, 'notice of the alert after the refused one');
      await sleep(2500); // more polls: the refusal must not be logged again
      const refusals = errors().filter((e) => e.message.startsWith('could not store a TheHive alert'));
      if (kind.kind === 'mysql') {
        assert.equal(refusals.length, 1);
        assert.ok(refusals[0]!.json.length < 1000, 'capped: never the whole statement');
        assert.doesNotMatch(refusals[0]!.json, /insert into/i);
      } else assert.equal(refusals.length, 0);
      sims.hive.closeAlert(after);
      if (kind.kind === 'sqlite') sims.hive.closeAlert(String(refused._id));
    });

    it('a pass that keeps failing backs off instead of re-firing at once', async () => {
      const id = String(sims.hive.addAlert({ severity: 3, title: 'Stuck', description: 's' })._id);
      await eventually(async () => (await repo().alerts.get(id)) !== null, 4000, 'tracked');
      const db = h.bot.deps.db;
      // Every claim of a tier now fails, so the due row cannot move.
      await db.schema.renameTable('sla_notifications', 'sla_notifications_away');
      const failures = () =>
        log.entries.filter((e) => e.message === 'firing SLA tier failed' && e.json.includes(`"${id}"`)).length;
      try {
        await eventually(() => failures() > 0, 6000, 'the first failed fire');
        const first = failures();
        await sleep(4000);
        const attempts = failures() - first;
        // Back-off 1 s, 2 s, 4 s: at most 3 more attempts in 4 s (a hot loop made thousands).
        assert.ok(attempts >= 1 && attempts <= 4, `attempts in 4 s: ${attempts}`);
      } finally {
        await db.schema.renameTable('sla_notifications_away', 'sla_notifications');
      }
      await eventually(() => noticeOf(h.sim, id).notice, 12_000, 'the tier once the store works again');
      sims.hive.closeAlert(id);
    });

    it('an alert whose tier always fails backs off alone: an alert due after it is notified on time', async () => {
      const db = h.bot.deps.db;
      const stuck = String(sims.hive.addAlert({ severity: 3, title: 'Always fails', description: 's' })._id);
      await eventually(async () => (await repo().alerts.get(stuck)) !== null, 4000, 'tracked');
      await db.raw(
        kind.kind === 'mysql'
          ? `CREATE TRIGGER refuse_stuck BEFORE INSERT ON sla_notifications FOR EACH ROW BEGIN IF NEW.alert_id = '${stuck}' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by test'; END IF; END`
          : `CREATE TRIGGER refuse_stuck BEFORE INSERT ON sla_notifications WHEN NEW.alert_id = '${stuck}' BEGIN SELECT RAISE(ABORT, 'refused by test'); END`,
      );
      const failuresOf = () =>
        log.entries.filter((e) => e.message === 'firing SLA tier failed' && e.json.includes(`"${stuck}"`)).length;
      try {
        // Its retries are now 8 s apart; a timer held at its deadline would make the next alert wait for them.
        await eventually(() => failuresOf() >= 4, 15_000, 'four failed fires of the stuck alert');
        const created = Date.now();
        const next = String(
          sims.hive.addAlert({ severity: 3, title: 'Due after the stuck one', description: 'n' })._id,
        );
        await eventually(() => noticeOf(h.sim, next).notice, 2000 + 3000, 'the next alert, near its 2 s deadline');
        assert.ok(Date.now() - created < 5000);
        assert.ok(failuresOf() <= 5, `stuck alert retried ${failuresOf()} times`);
        sims.hive.closeAlert(next);
      } finally {
        await db.raw('DROP TRIGGER refuse_stuck');
      }
      await eventually(() => noticeOf(h.sim, stuck).notice, 20_000, 'the stuck alert once the store takes it');
      sims.hive.closeAlert(stuck);
    });
  });
}

/** TheHive never hands out such an id; the simulator's store is changed in place to get one. */
function renameAlert(sims: SlaSims, from: string, to: string): void {
  const hive = sims.hive as unknown as {
    alertsById: Map<string, Record<string, unknown>>;
    saveAlert(row: Record<string, unknown>): void;
  };
  const row = hive.alertsById.get(from);
  assert.ok(row, 'simulator keeps alerts in alertsById');
  hive.alertsById.delete(from);
  hive.saveAlert({ ...row, _id: to });
}
