/**
 * Issue 4: the SLA monitor with 10,000 open alerts in the TheHive simulator. The bot runs as its own
 * process (`node --import tsx main.ts`) against in-bench Slack, TheHive and Twilio simulators, so its
 * figures are its own: CPU from /proc/<pid>/stat, peak RSS from VmHWM, poll wall time from a proxy in
 * front of TheHive and the bot's own "TheHive poll done" log line, and deadline lateness as the Slack
 * and Twilio simulators see the sends. A short in-process run (monitor and simulators in this process)
 * comes first for comparison. Targets: poll < 2 s CPU, lateness p99 < 1 s, RSS < 200 MB.
 */
import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { WebClient } from '@slack/web-api';
import { TheHiveTicketing } from '../src/adapters/thehive/thehive-client.js';
import { systemClock } from '../src/core/ports.js';
import { DEFAULT_SLA_POLICY } from '../src/core/sla/policy.js';
import { silentLogger } from '../src/log.js';
import { Outbox } from '../src/outbox/outbox.js';
import { SlackSimulator } from '../src/sandbox/slack/index.js';
import { TheHiveSimulator } from '../src/sandbox/thehive/thehive-simulator.js';
import { TwilioSimulator } from '../src/sandbox/twilio/twilio-simulator.js';
import { SlaMonitor } from '../src/sla/monitor.js';
import { SlaNotifier } from '../src/sla/notifier.js';
import { SlaRepository } from '../src/sla/repository.js';
import { openDatabase } from '../src/store/db.js';
import { LeaseKeeper } from '../src/store/leases.js';
import { migrateLatest } from '../src/store/migrate.js';
import { peakRssMb, summarize } from './stats.js';

const OPEN_ALERTS = 10_000;
const DEADLINES = 300;
const POLL_SECONDS = 5;
const TIER_AFTER_MS = 60_000;
/** First deadline this long after the deadline alerts are added: past the next poll, which must see them. */
const LEAD_MS = 10_000;
const GAP_MS = 60;
/** Every 17th deadline notifies Slack (17 × 60 ms > the outbox's 1 s per channel); the rest send SMS. */
const SLACK_EVERY = 17;
const HIVE_KEY = 'bench-key';
const TWILIO = { accountSid: `AC${'0'.repeat(31)}1`, authToken: 'bench-twilio-token', from: '+15550009999' };
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sla-bench-'));
  const hive = await TheHiveSimulator.start({ apiKey: HIVE_KEY });
  const slack = await SlackSimulator.start();
  const twilio = await TwilioSimulator.start({ ...TWILIO, lifecycle: false });
  const proxy = await ListingProxy.start(hive.url);
  try {
    const now = Date.now();
    for (let i = 0; i < OPEN_ALERTS; i++) {
      hive.addAlert({ severity: 2, title: `Bench alert ${i}`, description: 'bench', createdAt: now - 5 * 60_000 });
    }
    await inProcess(hive, dir);
    await ownProcess(hive, slack, twilio, proxy, dir);
  } finally {
    await proxy.stop();
    await twilio.stop();
    await slack.stop();
    await hive.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The monitor in this process: its CPU and RSS include the simulators'. No tiers fire here. */
async function inProcess(hive: TheHiveSimulator, dir: string): Promise<void> {
  const logger = silentLogger();
  const db = openDatabase(`sqlite:${join(dir, 'in-process.sqlite')}`);
  await migrateLatest(db);
  const ticketing = new TheHiveTicketing({ url: hive.url, apiKey: HIVE_KEY, logger });
  const repo = new SlaRepository(db);
  const lease = new LeaseKeeper(db, 'scheduler', 'bench', systemClock, logger, 60_000);
  await lease.start();
  const client = new WebClient('xoxb-unused', { slackApiUrl: 'http://127.0.0.1:9/api/' });
  const outbox = new Outbox({
    db,
    replicaId: 'bench',
    clock: systemClock,
    logger,
    slackSender: client,
    slackReader: client,
    phone: null,
  });
  const policy = DEFAULT_SLA_POLICY;
  const oncall = { primary: [], seniors: [] };
  const common = { db, repo, ticketing, policy, clock: systemClock, logger };
  const notifier = new SlaNotifier({ ...common, outbox, phone: null, oncall, alertsChannel: 'C0ALERTS' });
  const monitor = new SlaMonitor({ ...common, notifier, lease, pollIntervalMs: 3_600_000 });
  for (const label of ['first poll', 'steady poll (no changes)']) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await monitor.poll();
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `sla [in-process, bot + simulators in one process]: ${label} of ${result.seen} open alerts: ` +
        `${wall.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU`,
    );
  }
  await lease.stop();
  await db.destroy();
}

interface PollWindow {
  /** bench clock when the proxy saw the page request from 0 */
  listStart: number;
  /** when the proxy finished relaying the last page */
  listEnd: number;
  cpuStartMs: number;
  /** VmHWM when the paging began */
  rssAtStartMb: number | null;
  cpuEndMs: number | null;
  /** from the bot's "TheHive poll done" line: recovery + listing + diff + inserts */
  botMs: number | null;
  seen: number | null;
  added: number | null;
}

async function ownProcess(
  hive: TheHiveSimulator,
  slack: SlackSimulator,
  twilio: TwilioSimulator,
  proxy: ListingProxy,
  dir: string,
): Promise<void> {
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, policyYaml());
  const bot = spawnSlaBot(dir, {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_APP_TOKEN: slack.appToken,
    SLACK_API_URL: slack.apiUrl,
    THEHIVE_URL: proxy.url,
    TWILIO_API_URL: twilio.url,
    POLICY_FILE: policyFile,
  });
  const pid = bot.pid!;
  const polls: PollWindow[] = [];
  proxy.onListStart = () => polls.push(pollWindow(pid));
  proxy.onListEnd = () => {
    const last = polls.at(-1);
    if (last) last.listEnd = performance.now();
  };
  let exited = false;
  bot.once('exit', () => {
    exited = true;
  });
  const lines = createInterface({ input: bot.stdout! });
  lines.on('line', (line) => {
    const entry = parseLogLine(line);
    const last = polls.at(-1);
    if (entry?.message !== 'TheHive poll done' || !last || last.cpuEndMs !== null) return;
    last.cpuEndMs = cpuMs(pid);
    last.botMs = Number(entry.ms);
    last.seen = Number(entry.seen);
    last.added = Number(entry.added);
  });
  const until = (cond: () => boolean, ms: number) => waitUntil(() => exited || cond(), ms);

  try {
    await until(() => polls[0]?.cpuEndMs != null, 60_000);
    if (exited) throw new Error('the bot exited before its first poll finished');
    const rssAfterFirstPoll = peakRssMb(pid);
    const first = polls[0]!;
    console.log(
      `sla [own process]: bot start-up (tsx, migrations, Socket Mode) before its first poll: ` +
        `${first.cpuStartMs.toFixed(0)} ms CPU, peak RSS ${first.rssAtStartMb?.toFixed(1) ?? '?'} MB`,
    );
    const received = new Map<number, number>();
    const receivedAt = (text: string) => {
      const m = /Deadline (\d+)\b/.exec(text);
      if (m && !received.has(Number(m[1]))) received.set(Number(m[1]), Date.now());
    };
    slack.on('message', (m) => {
      if (m.channel === 'C0ALERTS' && !m.thread_ts) receivedAt(m.text);
    });
    twilio.on('message', (m) => receivedAt(m.body));
    const dueAt = addDeadlineAlerts(hive);
    const lastDue = Math.max(...dueAt.values());
    await until(() => received.size >= DEADLINES || Date.now() > lastDue + 5000, lastDue - Date.now() + 10_000);

    reportPolls(polls, Math.min(...dueAt.values()), lastDue);
    const cpuTotal = cpuMs(pid);
    const rss = peakRssMb(pid);
    reportLateness(dueAt, received);
    bot.kill('SIGTERM');
    if (!exited) await once(bot, 'exit');
    await reportBotFiredAt(dir, hive, dueAt);
    console.log(
      `sla [own process]: bot peak RSS (VmHWM) ${rss?.toFixed(1) ?? '?'} MB ` +
        `(${rssAfterFirstPoll?.toFixed(1) ?? '?'} MB after the first poll); ` +
        `bot CPU from start to end of deadlines ${cpuTotal.toFixed(0)} ms`,
    );
  } finally {
    if (!exited) {
      bot.kill('SIGKILL');
      await once(bot, 'exit');
    }
  }
}

function policyYaml(): string {
  return [
    'sla:',
    `  poll_interval: ${POLL_SECONDS}s`,
    '  severities:',
    `    3: { enabled: true, tiers: [ { after: ${TIER_AFTER_MS / 1000}s, notify: [slack] } ] }`,
    `    4: { enabled: true, tiers: [ { after: ${TIER_AFTER_MS / 1000}s, notify: [sms] } ] }`,
    'oncall:',
    '  primary: ["+15550000001"]',
    '',
  ].join('\n');
}

function spawnSlaBot(dir: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      SLACK_ESCALATION_CHANNEL: 'C0ESCAL',
      SLACK_ALERTS_CHANNEL: 'C0ALERTS',
      DATABASE_URL: `sqlite:${join(dir, 'bot.sqlite')}`,
      PORT: '0',
      // debug: the monitor reports each poll's duration and counts at this level
      LOG_LEVEL: 'debug',
      THEHIVE_API_KEY: HIVE_KEY,
      THEHIVE_POLL_SECONDS: String(POLL_SECONDS),
      TWILIO_ACCOUNT_SID: TWILIO.accountSid,
      TWILIO_AUTH_TOKEN: TWILIO.authToken,
      TWILIO_FROM_NUMBER: TWILIO.from,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Alerts whose only tier falls due GAP_MS apart from LEAD_MS on; returns each alert's deadline by index. */
function addDeadlineAlerts(hive: TheHiveSimulator): Map<number, number> {
  const base = Date.now() + LEAD_MS;
  const dueAt = new Map<number, number>();
  for (let i = 0; i < DEADLINES; i++) {
    const due = base + i * GAP_MS;
    const severity = i % SLACK_EVERY === 0 ? 3 : 4;
    hive.addAlert({ severity, title: `Deadline ${i}`, description: '', createdAt: due - TIER_AFTER_MS });
    dueAt.set(i, due);
  }
  return dueAt;
}

/** Deadlines are epoch ms; a poll whose window overlaps them also paid for tier firing in its CPU figure. */
function reportPolls(polls: PollWindow[], firstDue: number, lastDue: number): void {
  for (const [n, p] of polls.entries()) {
    if (p.cpuEndMs === null) continue;
    const start = performance.timeOrigin + p.listStart;
    const firing = start <= lastDue && start + (p.botMs ?? 0) >= firstDue;
    const label = `${n === 0 ? 'first poll (all new)' : `poll ${n + 1}`}${firing ? ' [tiers firing meanwhile]' : ''}`;
    console.log(
      `sla [own process]: ${label} of ${p.seen} open alerts (${p.added} new): listing ${(p.listEnd - p.listStart).toFixed(0)} ms ` +
        `(first to last page at the proxy), whole poll ${p.botMs} ms (bot log), ` +
        `CPU ${(p.cpuEndMs - p.cpuStartMs).toFixed(0)} ms (/proc stat, first page request to poll-done line)`,
    );
  }
}

function reportLateness(dueAt: Map<number, number>, received: Map<number, number>): void {
  const lateness = (slackOnly: boolean | null) =>
    [...received]
      .filter(([i]) => slackOnly === null || (i % SLACK_EVERY === 0) === slackOnly)
      .map(([i, at]) => at - dueAt.get(i)!);
  console.log(
    `sla [own process]: lateness at the simulators (receipt − createdAt − tier), ${received.size}/${DEADLINES} received:`,
  );
  console.log(`  all:   ${summarize(lateness(null))}`);
  console.log(`  SMS:   ${summarize(lateness(false))}`);
  console.log(`  Slack: ${summarize(lateness(true))}`);
}

/** The bot's own record of when it fired each tier, from its SQLite file after it stopped. */
async function reportBotFiredAt(dir: string, hive: TheHiveSimulator, dueAt: Map<number, number>): Promise<void> {
  const db = openDatabase(`sqlite:${join(dir, 'bot.sqlite')}`);
  try {
    const repo = new SlaRepository(db);
    const lateness: number[] = [];
    for (const alert of hive.alerts()) {
      const m = /^Deadline (\d+)$/.exec(String(alert.title));
      const fired = m ? (await repo.alerts.get(String(alert._id)))?.firedAt : null;
      if (m && fired != null) lateness.push(fired - dueAt.get(Number(m[1]))!);
    }
    console.log(`  fired (bot's fired_at): ${summarize(lateness)}`);
  } finally {
    await db.destroy();
  }
}

function pollWindow(pid: number): PollWindow {
  const start = performance.now();
  return {
    listStart: start,
    listEnd: start,
    cpuStartMs: cpuMs(pid),
    rssAtStartMb: peakRssMb(pid),
    cpuEndMs: null,
    botMs: null,
    seen: null,
    added: null,
  };
}

const CLOCK_TICKS = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

/** utime + stime of every thread of the process, in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

function parseLogLine(line: string): Record<string, unknown> | null {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('benchmark condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Relays everything to TheHive and notes when a listAlert paging starts (the page from 0) and when
 * each listAlert page has been relayed, which is where the bot's poll is visible from outside it.
 */
class ListingProxy {
  onListStart: () => void = () => {};
  onListEnd: () => void = () => {};

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<ListingProxy> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const proxy = new ListingProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const page = /"listAlert"[\s\S]*"_name":"page","from":(\d+)/.exec(body.toString('utf8'));
      if (page?.[1] === '0') proxy.onListStart();
      const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        if (page) res.once('finish', () => proxy.onListEnd());
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
    return proxy;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
