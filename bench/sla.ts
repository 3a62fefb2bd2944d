/**
 * SLA monitor at scale: 10,000 open alerts in the TheHive simulator. Prints the wall time and CPU
 * of one full poll (client paging + diff + inserts; the simulator runs in this process, so its CPU
 * is included), deadline lateness over a few hundred tier deadlines fired by the deadline timer,
 * and peak RSS. Targets: poll < 2 s CPU, lateness p99 < 1 s, RSS < 200 MB.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { TheHiveTicketing } from '../src/adapters/thehive/thehive-client.js';
import { systemClock } from '../src/core/ports.js';
import { DEFAULT_SLA_POLICY } from '../src/core/sla/policy.js';
import { silentLogger } from '../src/log.js';
import { SlackSimulator } from '../src/sandbox/slack/index.js';
import { TheHiveSimulator } from '../src/sandbox/thehive/thehive-simulator.js';
import { SlaMonitor } from '../src/sla/monitor.js';
import { SlaNotifier } from '../src/sla/notifier.js';
import { SlaRepository } from '../src/sla/repository.js';
import { SlackOutbox } from '../src/slack/outbox.js';
import { openDatabase } from '../src/store/db.js';
import { LeaseKeeper } from '../src/store/leases.js';
import { migrateLatest } from '../src/store/migrate.js';
import { summarize } from './stats.js';

const OPEN_ALERTS = 10_000;
const DEADLINES = 300;
const TIER_AFTER_MS = 6000;
const SPREAD_MS = 10;

export async function run(): Promise<void> {
  const logger = silentLogger();
  const dir = mkdtempSync(join(tmpdir(), 'sla-bench-'));
  const db = openDatabase(`sqlite:${join(dir, 'bench.sqlite')}`);
  await migrateLatest(db);
  const hive = await TheHiveSimulator.start({ apiKey: 'bench-key' });
  const slack = await SlackSimulator.start();
  const policy = structuredClone(DEFAULT_SLA_POLICY);
  policy.severities[3] = { enabled: true, tiers: [{ afterMs: TIER_AFTER_MS, notify: ['slack'] }] };
  const now = Date.now();
  for (let i = 0; i < OPEN_ALERTS; i++) {
    hive.addAlert({ severity: 2, title: `Bench alert ${i}`, description: 'bench', createdAt: now - 5 * 60_000 });
  }

  const ticketing = new TheHiveTicketing({ url: hive.url, apiKey: 'bench-key', logger });
  const repo = new SlaRepository(db);
  const lease = new LeaseKeeper(db, 'scheduler', 'bench', systemClock, logger, 60_000);
  await lease.start();
  const outbox = new SlackOutbox(new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl }), logger, {
    perChannelIntervalMs: 0,
  });
  const notifier = new SlaNotifier({
    db,
    repo,
    outbox,
    ticketing,
    phone: null,
    oncall: { primary: [], seniors: [] },
    policy,
    alertsChannel: 'C0ALERTS',
    clock: systemClock,
    logger,
    retry: { attempts: 1, baseMs: 1 },
  });
  const monitor = new SlaMonitor({
    db,
    repo,
    ticketing,
    notifier,
    policy,
    lease,
    clock: systemClock,
    logger,
    pollIntervalMs: 3_600_000,
  });

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const first = await monitor.poll();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const t1 = performance.now();
  const cpu1 = process.cpuUsage();
  await monitor.poll();
  const steadyWall = performance.now() - t1;
  const steadyCpu = process.cpuUsage(cpu1);
  console.log(
    `sla: first poll of ${first.seen} open alerts: ${wall.toFixed(0)} ms wall, ` +
      `${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (bot + in-process simulator)`,
  );
  console.log(
    `sla: steady poll (no changes): ${steadyWall.toFixed(0)} ms wall, ${((steadyCpu.user + steadyCpu.system) / 1000).toFixed(0)} ms CPU`,
  );

  const base = Date.now();
  const dueAt = new Map<string, number>();
  for (let i = 0; i < DEADLINES; i++) {
    const createdAt = base + i * SPREAD_MS;
    const row = hive.addAlert({ severity: 3, title: `Deadline ${i}`, description: '', createdAt });
    dueAt.set(String(row._id), createdAt + TIER_AFTER_MS);
  }
  await monitor.poll();
  monitor.start();
  const lastDue = Math.max(...dueAt.values());
  while (Date.now() < lastDue + 2000) await new Promise((r) => setTimeout(r, 200));
  await monitor.idle();
  const lateness: number[] = [];
  for (const [id, due] of dueAt) {
    const tracked = await repo.alerts.get(id);
    if (tracked?.firedAt != null) lateness.push(tracked.firedAt - due);
  }
  console.log(
    `sla: deadline lateness over ${DEADLINES} tier deadlines: ${summarize(lateness)}; fired ${lateness.length}/${DEADLINES}`,
  );
  console.log(`sla: peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);

  await monitor.stop();
  await lease.stop();
  await slack.stop();
  await hive.stop();
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
