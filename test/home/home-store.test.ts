import assert from 'node:assert/strict';
import { defaultPolicy } from '../../src/config/policy.js';
import { HomeReader } from '../../src/home/home-reader.js';
import { HomeOpeners } from '../../src/home/openers.js';
import { removeIgnoreRule } from '../../src/home/rule-removal.js';
import { appendAudit, listAudit } from '../../src/store/audit.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { storeKinds } from '../helpers/stores.js';

const NOW = Date.UTC(2026, 10, 29, 12);

async function withDb(store: ReturnType<typeof storeKinds>[number], test: (db: Db) => Promise<void>) {
  const s = await store.create();
  const db = openDatabase(s.url);
  try {
    await migrateLatest(db);
    await test(db);
  } finally {
    await db.destroy();
    await s.drop();
  }
}

function confirmRow(id: number, userId: string, status: string, createdAt: number, title = `t${id}`) {
  return {
    id,
    source: 'api',
    user_ref: userId,
    user_id: userId,
    title,
    description: 'd',
    status,
    created_at: createdAt,
    updated_at: createdAt,
  };
}

function slaRow(alertId: string, nextDue: number | null, createdAt = NOW - 60_000, state = 'open') {
  return {
    alert_id: alertId,
    severity: 3,
    title: `hive ${alertId}`,
    description: '',
    observables: '[]',
    created_at: createdAt,
    state,
    fired_tier: -1,
    high_risk_fired: false,
    next_due: nextDue,
    first_seen_at: createdAt,
    updated_at: createdAt,
  };
}

for (const store of storeKinds()) {
  store.describe(`Home reads on ${store.kind}`, ({ it }) => {
    it('records openers once and filters by them', () =>
      withDb(store, async (db) => {
        const openers = new HomeOpeners(db);
        await openers.record('U1', NOW);
        await openers.record('U1', NOW + 5);
        await openers.record('U2', NOW);
        assert.deepEqual((await openers.filter(['U1', 'U3', 'U1'])).sort(), ['U1']);
        assert.deepEqual((await openers.all()).sort(), ['U1', 'U2']);
        const row = await db('home_openers').where({ user_id: 'U1' }).first();
        assert.equal(Number(row.first_opened_at), NOW);
        assert.equal(Number(row.last_opened_at), NOW + 5);
      }));

    it("reads one employee's alerts and live rules, nobody else's", () =>
      withDb(store, async (db) => {
        await db('confirm_alerts').insert([
          confirmRow(1, 'U1', 'confirmed', NOW - 3000),
          confirmRow(2, 'U1', 'asked', NOW - 5000),
          confirmRow(3, 'U2', 'asked', NOW - 1000, 'not yours'),
        ]);
        await db('confirm_ignore_rules').insert([
          { user_id: 'U1', title: 'live', alert_id: 1, created_at: NOW, expires_at: NOW + 1000 },
          { user_id: 'U1', title: 'ended', alert_id: 2, created_at: NOW, expires_at: NOW - 1 },
          { user_id: 'U2', title: 'other', alert_id: 3, created_at: NOW, expires_at: NOW + 1000 },
        ]);
        const reader = new HomeReader({ db, sla: defaultPolicy().sla, hiveConfigured: true, acks: null, oncall: null });
        const home = await reader.employee('U1', NOW);
        assert.deepEqual(
          home.alerts.map((a) => a.id),
          [2, 1],
        );
        assert.equal(home.totalAlerts, 2);
        assert.deepEqual(
          home.rules.map((r) => r.title),
          ['live'],
        );
        assert.doesNotMatch(JSON.stringify(home), /not yours|other/);
      }));

    it("orders tracked alerts by next due with nothing-due last, and counts the day's escalations", () =>
      withDb(store, async (db) => {
        await db('sla_alerts').insert([
          slaRow('~3', null),
          slaRow('~1', NOW + 9000),
          slaRow('~2', NOW + 1000),
          slaRow('~4', NOW, NOW, 'promoted'),
        ]);
        await db('confirm_alerts').insert(confirmRow(7, 'U7', 'escalated', NOW - 1000, 'Bad login'));
        await appendAudit(db, {
          at: new Date(NOW - 1000),
          actor: 'system',
          action: 'confirm.escalated',
          subject: 'confirm:7',
          details: { why: 'no_response' },
        });
        await appendAudit(db, {
          at: new Date(NOW - 2000),
          actor: 'system',
          action: 'sla.breached',
          subject: 'hive:~1',
          details: { label: '10m tier (1 of 2)' },
        });
        await appendAudit(db, {
          at: new Date(NOW - 90_000_000),
          actor: 'system',
          action: 'sla.breached',
          subject: 'hive:~9',
          details: {},
        });
        await db('digests').insert([
          {
            kind: 'scheduled',
            status: 'posted',
            requested_by: 'system',
            claimed_at: NOW - 5,
            generated_at: NOW - 5,
            health: 0.9,
            p0: 3,
            failures: '[]',
          },
          {
            kind: 'on_demand',
            status: 'posted',
            requested_by: 'U1',
            claimed_at: NOW - 9,
            generated_at: NOW - 9,
            health: 0.1,
            p0: 9,
            failures: '[]',
          },
        ]);
        const reader = new HomeReader({
          db,
          sla: defaultPolicy().sla,
          hiveConfigured: true,
          acks: { forAlerts: async () => new Map([['~2', { by: 'U9', at: NOW, until: NOW + 1 }]]) },
          oncall: null,
        });
        const x = await reader.responder(NOW);
        assert.deepEqual(
          x.tracked.map((t) => t.alertId),
          ['~2', '~1', '~3'],
        );
        assert.equal(x.totalTracked, 3);
        assert.equal(x.tracked[0]!.ack?.by, 'U9');
        assert.equal(x.tracked[1]!.ack, null);
        assert.deepEqual(x.escalationCounts, { confirm: 1, sla: 1 });
        assert.equal(x.escalations[0]!.userId, 'U7');
        assert.match(x.escalations[0]!.detail, /no_response: Bad login/);
        assert.equal(x.digest?.p0, 3);
      }));

    it('ends a rule for its owner only, with an audit row either way', () =>
      withDb(store, async (db) => {
        const [id] = await db('confirm_ignore_rules').insert({
          user_id: 'U1',
          title: 'VPN',
          alert_id: 5,
          created_at: NOW,
          expires_at: NOW + 1000,
        });
        assert.equal((await removeIgnoreRule(db, String(id), 'U2', NOW)).ok, false);
        assert.equal((await removeIgnoreRule(db, 'x1', 'U1', NOW)).ok, false);
        assert.equal((await removeIgnoreRule(db, String(id), 'U1', NOW)).ok, true);
        assert.equal((await removeIgnoreRule(db, String(id), 'U1', NOW)).ok, false);
        assert.deepEqual(
          (await listAudit(db, 'confirm:5')).map((a) => [a.actor, a.action]),
          [
            ['U2', 'confirm.rule_remove_refused'],
            ['U1', 'confirm.rule_removed'],
          ],
        );
      }));
  });
}
