/** The confirmation store on SQLite and MariaDB: dedupe, compare-and-set, single-use claims and states. */
import assert from 'node:assert/strict';
import { DuoStateStore } from '../../src/confirm/duo-states.js';
import { IgnoreRuleStore } from '../../src/confirm/ignore-rule-store.js';
import { KnexConfirmationRepo } from '../../src/confirm/repository.js';
import { transition } from '../../src/core/confirm/state-machine.js';
import { listAudit } from '../../src/store/audit.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { storeKinds, type TestStore } from '../helpers/stores.js';

const T0 = 1_800_000_000_000;

for (const kind of storeKinds()) {
  kind.describe(`confirm repository (${kind.kind})`, ({ it, before, after }) => {
    let store: TestStore;
    let db: Db;
    let repo: KnexConfirmationRepo;
    before(async () => {
      store = await kind.create();
      db = openDatabase(store.url);
      await migrateLatest(db);
      repo = new KnexConfirmationRepo(db);
    });
    after(async () => {
      await db.destroy();
      await store.drop();
    });

    const input = (dedupeKey: string | null = null) => ({
      user: 'U0ALICE',
      title: 'Admin grant',
      description: 'd',
      dedupeKey,
      source: 'api' as const,
    });

    it('dedupe_key: concurrent creates give one alert', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, () => repo.create(input('k1'), T0)));
      assert.equal(new Set(results.map((r) => r.alert.id)).size, 1);
      assert.equal(results.filter((r) => r.created).length, 1);
      // Alerts without a key never collide.
      const a = await repo.create(input(), T0);
      const b = await repo.create(input(), T0);
      assert.notEqual(a.alert.id, b.alert.id);
    });

    it('dedupe keys and Duo states compare exactly, case included', async () => {
      const lower = await repo.create(input('aB3'), T0);
      const upper = await repo.create(input('Ab3'), T0);
      assert.ok(lower.created && upper.created);
      assert.notEqual(lower.alert.id, upper.alert.id);
      assert.equal((await repo.create(input('aB3'), T0)).alert.id, lower.alert.id);
      const states = new DuoStateStore(db);
      const state = `${'q'.repeat(31)}X`;
      await states.insert({ state, alertId: 1, userId: 'U0ALICE', expiresAt: T0 + 1000 }, T0);
      const wrongCase = await states.consume(state.toLowerCase(), T0);
      assert.equal(wrongCase.ok ? 'ok' : wrongCase.reason, 'unknown');
      assert.ok((await states.consume(state, T0)).ok);
    });

    it('a transition applies once, with its audit row, even when raced', async () => {
      const { alert } = await repo.create(input(), T0);
      const t = transition({ status: 'new', userId: null, deadline: null }, { type: 'user_resolved' }, new Date(T0));
      assert.ok(t.ok);
      const applied = await Promise.all(
        Array.from({ length: 5 }, () => repo.apply(alert, t, T0 + 1, { userId: 'U0ALICE', deadline: T0 + 5000 })),
      );
      assert.equal(applied.filter(Boolean).length, 1);
      const stored = (await repo.get(alert.id))!;
      assert.equal(stored.status, 'asked');
      assert.equal(stored.deadline, T0 + 5000);
      const audit = await listAudit(db, `confirm:${alert.id}`);
      assert.deepEqual(
        audit.map((e) => e.action),
        ['confirm.created', 'confirm.asked'],
      );
      assert.equal(audit[1]!.details.from, 'new');
      // A message released by the upgrade is queued once, however many sweeps race.
      await db('confirm_alerts').where({ id: alert.id }).update({ dm_claimed_at: null });
      let queued = 0;
      const claims = await Promise.all(
        Array.from({ length: 5 }, () =>
          repo.markQueued(alert.id, 'dm_claimed_at', T0 + 2, async () => {
            queued++;
          }),
        ),
      );
      assert.equal(claims.filter(Boolean).length, 1);
      assert.equal(queued, 1);
      assert.ok((await repo.earliestOpenDeadline())! <= T0 + 5000);
      assert.ok((await repo.due(T0 + 5000)).some((a) => a.id === alert.id));
      assert.ok(!(await repo.due(T0 + 4999)).some((a) => a.id === alert.id));
      const counts = await repo.countTransitionsSince(T0);
      assert.ok(counts['confirm.asked']! >= 1);
    });

    it('an explanation is stored once, queued with it, and left unfinished only when an old claim was released', async () => {
      const { alert } = await repo.create(input(), T0);
      await db('confirm_alerts')
        .where({ id: alert.id })
        .update({
          status: 'escalated',
          escalation_claimed_at: T0,
          escalation_ts: '1800000000.000100',
          comment_until: T0 + 1000,
        });
      const unfinished = async () => (await repo.unfinished()).some((a) => a.id === alert.id);
      assert.equal(await unfinished(), false, 'nothing to post without a comment');
      let queued = 0;
      const attach = () =>
        repo.attachComment(alert.id, 'I was asleep', T0 + 1, async () => {
          queued++;
        });
      const attached = await Promise.all(Array.from({ length: 3 }, attach));
      assert.equal(attached.filter(Boolean).length, 1);
      assert.equal(queued, 1);
      assert.equal(await unfinished(), false, 'queued with the comment');
      await db('confirm_alerts').where({ id: alert.id }).update({ comment_posted_at: null });
      assert.equal(await unfinished(), true, 'a claim the upgrade released is queued by the sweep');
    });

    it('a Duo state is consumed once, and expires', async () => {
      const states = new DuoStateStore(db);
      await states.insert({ state: 'a'.repeat(32), alertId: 1, userId: 'U0ALICE', expiresAt: T0 + 1000 }, T0);
      const results = await Promise.all(Array.from({ length: 5 }, () => states.consume('a'.repeat(32), T0 + 10)));
      assert.equal(results.filter((r) => r.ok).length, 1);
      assert.ok(results.every((r) => r.ok || r.reason === 'replayed'));
      await states.insert({ state: 'b'.repeat(32), alertId: 1, userId: 'U0ALICE', expiresAt: T0 + 1000 }, T0);
      const late = await states.consume('b'.repeat(32), T0 + 1000);
      assert.equal(late.ok ? 'ok' : late.reason, 'expired');
      const unknown = await states.consume('c'.repeat(32), T0);
      assert.equal(unknown.ok ? 'ok' : unknown.reason, 'unknown');
    });

    it('one ignore rule per alert; only live rules are listed', async () => {
      const rules = new IgnoreRuleStore(db);
      const rule = { userId: 'U0BOB', title: 'T', alertId: 77, expiresAt: new Date(T0 + 1000) };
      assert.ok(await rules.create(rule, T0));
      assert.equal(await rules.create(rule, T0), null);
      assert.equal((await rules.liveFor('U0BOB', T0 + 999)).length, 1);
      assert.equal((await rules.liveFor('U0BOB', T0 + 1000)).length, 0);
      assert.equal((await rules.liveFor('U0ALICE', T0)).length, 0);
    });
  });
}
