/**
 * The confirm feature alone on real Bolt (Socket Mode against the Slack simulator), for tests
 * that need feature options the full bot does not expose, such as a short periodic sweep. Wired
 * the way main.ts wires it: the same Slack app, outbox, DM listener and feature registration.
 */
import { loadConfig } from '../../src/config/env.js';
import { type ConfirmFeature, type ConfirmFeatureOptions, createConfirmFeature } from '../../src/confirm/feature.js';
import { systemClock } from '../../src/core/ports.js';
import { SlackSimulator } from '../../src/sandbox/slack/index.js';
import { createSlackApp } from '../../src/slack/app.js';
import { registerDirectMessages } from '../../src/slack/listeners/direct-messages.js';
import { SlackOutbox } from '../../src/slack/outbox.js';
import { Responders } from '../../src/slack/responders.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import type { LeaseKeeper } from '../../src/store/leases.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { baseEnv, testLogger } from '../helpers/bot-harness.js';
import { freshSqlite, type TestStore } from '../helpers/stores.js';

export interface BoltRig {
  sim: SlackSimulator;
  db: Db;
  feature: ConfirmFeature;
  stop(): Promise<void>;
}

export interface BoltRigOptions {
  store?: TestStore;
  feature?: Partial<ConfirmFeatureOptions>;
}

export async function startBoltRig(options: BoltRigOptions = {}): Promise<BoltRig> {
  const sim = await SlackSimulator.start();
  const store = options.store ?? (await freshSqlite());
  const config = loadConfig(baseEnv(sim, store));
  const logger = testLogger();
  const db = openDatabase(config.databaseUrl);
  await migrateLatest(db);
  const { app } = createSlackApp({
    botToken: config.slack.botToken,
    appToken: config.slack.appToken,
    apiUrl: config.slack.apiUrl,
    logger,
    retryConfig: { retries: 0 },
    socketRetryConfig: { retries: 200, factor: 1, minTimeout: 100, maxTimeout: 100 },
  });
  // This process holds the scheduler lease throughout; hand-over is tested with the store.
  const lease = { isHeld: () => true, onChange: () => {} } as unknown as LeaseKeeper;
  const feature = createConfirmFeature(
    {
      config,
      db,
      logger,
      clock: systemClock,
      slack: app.client,
      outbox: new SlackOutbox(app.client, logger, { perChannelIntervalMs: 0 }),
      lease,
      responders: new Responders(app.client, config.slack.alertsChannel, null, logger),
    },
    { secondFactor: null, ...options.feature },
  );
  registerDirectMessages(app, { logger, helpText: () => 'help', handlers: feature.dmHandlers ?? [] });
  feature.registerSlack?.(app);
  await app.start();
  await feature.start?.();
  return {
    sim,
    db,
    feature,
    async stop() {
      await app.stop();
      await feature.stop?.();
      await db.destroy();
      await sim.stop();
      await store.drop();
    },
  };
}
