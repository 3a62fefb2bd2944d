/**
 * The lease holder's periodic sweep: work left undone by a failed Slack call (an alert still
 * `new`, an unposted escalation) is finished later without a restart. The feature is built by
 * hand here so the sweep interval and retry waits can be short.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebClient } from '@slack/web-api';
import { loadConfig } from '../../src/config/env.js';
import { type ConfirmFeature, createConfirmFeature } from '../../src/confirm/feature.js';
import { systemClock } from '../../src/core/ports.js';
import type { FeatureDeps } from '../../src/feature.js';
import { SlackSimulator } from '../../src/sandbox/slack/index.js';
import { SlackOutbox } from '../../src/slack/outbox.js';
import { Responders } from '../../src/slack/responders.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import type { LeaseKeeper } from '../../src/store/leases.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { baseEnv, testLogger } from '../helpers/bot-harness.js';
import { freshSqlite, type TestStore } from '../helpers/stores.js';
import { sleep } from './helpers.js';

describe('confirm: the periodic sweep retries what failed', () => {
  let sim: SlackSimulator;
  let store: TestStore;
  let db: Db;
  let feature: ConfirmFeature;

  before(async () => {
    sim = await SlackSimulator.start();
    store = await freshSqlite();
    const config = loadConfig(baseEnv(sim, store));
    db = openDatabase(store.url);
    await migrateLatest(db);
    const logger = testLogger();
    const slack = new WebClient(sim.botToken, {
      slackApiUrl: sim.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    // This process holds the lease throughout; lease hand-over is tested with the store.
    const lease = { isHeld: () => true, onChange: () => {} } as unknown as LeaseKeeper;
    const deps: FeatureDeps = {
      config,
      db,
      logger,
      clock: systemClock,
      slack,
      outbox: new SlackOutbox(slack, logger, { perChannelIntervalMs: 0 }),
      lease,
      responders: new Responders(slack, 'C0ALERTS', null, logger),
      publicUrl: 'http://127.0.0.1:1',
    };
    feature = createConfirmFeature(deps, { secondFactor: null, sweepIntervalMs: 150, retryDelaysMs: [10] });
    await feature.start!();
  });
  after(async () => {
    await feature.stop!();
    await db.destroy();
    await sim.stop();
    await store.drop();
  });

  const statusOf = async (id: number) => (await db('confirm_alerts').where({ id }).first()).status as string;
  async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 4000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (await check()) return;
      await sleep(20);
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  it('an alert whose user lookup failed is asked on a later sweep', async () => {
    // Two failures use up the first attempt and its one retry.
    sim.failNext('users.info', 2, { status: 503 });
    const { id } = await feature.intake({ user: 'U0ALICE', title: 'Sweep: lookup', description: 'd' });
    await waitFor(async () => (await statusOf(id)) === 'asked', 'the alert to be asked');
    await waitFor(
      async () => sim.messages(sim.dmChannelFor('U0ALICE')).some((m) => m.text.includes('Sweep: lookup')),
      'the question DM',
    );
  });

  it('a failed escalation post is posted on a later sweep, once', async () => {
    sim.failNext('chat.postMessage', 1, { status: 500 });
    const { id } = await feature.intake({ user: 'nobody@example.com', title: 'Sweep: escalate', description: 'd' });
    const posts = () => sim.messages('C0ESCAL').filter((m) => m.text.includes(`alert #${id} escalated`));
    await waitFor(async () => posts().length === 1, 'the escalation post');
    await sleep(400);
    assert.equal(posts().length, 1, 'posted exactly once');
    const row = await db('confirm_alerts').where({ id }).first();
    assert.equal(row.status, 'escalated');
    assert.ok(row.escalation_ts);
    const failures = await db('audit_log').where({ subject: `confirm:${id}`, action: 'confirm.escalation_failed' });
    assert.equal(failures.length, 1);
  });
});
