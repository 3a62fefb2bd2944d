/**
 * Issue 12 §3: the production build (`npm run build`'s esbuild bundle, run with plain node) next
 * to the tsx run of the same code. Each bot runs as its own process on a fresh SQLite store
 * against in-bench Slack, TheHive and Twilio simulators. Ready: spawn to the "secops-bot started"
 * line. Idle RSS: VmRSS 3 s later (first, empty poll done). Peak: VmHWM once a poll has tracked
 * 10,000 TheHive alerts. Targets (compiled): ready < 700 ms, idle < 110 MB, peak < 170 MB.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bundle } from '../scripts/build.js';
import { SlackSimulator } from '../src/sandbox/slack/index.js';
import { TheHiveSimulator } from '../src/sandbox/thehive/thehive-simulator.js';
import { TwilioSimulator } from '../src/sandbox/twilio/twilio-simulator.js';
import { openDatabase } from '../src/store/db.js';
import { peakRssMb } from './stats.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const ALERTS = 10_000;
const HIVE_KEY = 'bench-key';
const TWILIO = { accountSid: `AC${'0'.repeat(31)}1`, authToken: 'bench-twilio-token', from: '+15550009999' };
const RUNS = Number(process.env.BENCH_BUILD_RUNS ?? 3);
/** The node flags of `npm run start:prod` (the Dockerfile and the systemd unit use the same), or BENCH_BUILD_NODE_FLAGS. */
const NODE_FLAGS = (
  process.env.BENCH_BUILD_NODE_FLAGS ??
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[
    'start:prod'
  ]!.split(' ')
    .filter((w) => w.startsWith('--'))
    .join(' ')
)
  .split(' ')
  .filter(Boolean);

interface Figures {
  readyMs: number;
  /** CPU the process used until ready: less sensitive than wall time to a machine shared with other work */
  readyCpuMs: number;
  idleMb: number;
  peakMb: number;
  pollMs: number;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'build-bench-'));
  try {
    const t0 = performance.now();
    await bundle(join(dir, 'dist'));
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    console.log(
      `build: npm run build's bundle step (scripts/build.ts, without its type check) ${(performance.now() - t0).toFixed(0)} ms`,
    );
    const policyFile = join(dir, 'policy.yaml');
    // Tiers far in the future: the figures are the poll's, not tier firing's.
    writeFileSync(
      policyFile,
      // The same tier for every severity: no start-up warnings about the ladder in the output.
      `sla:\n  severities:\n${[1, 2, 3, 4].map((n) => `    ${n}: { tiers: [ { after: 4h, notify: [slack, sms] } ] }\n`).join('')}oncall:\n  primary: ["+15550000001"]\n`,
    );
    const variants = [
      { name: 'tsx (npm start)', args: ['--import', 'tsx', 'main.ts'], cwd: ROOT },
      { name: 'compiled, no node flags', args: [join(dir, 'dist', 'main.js')], cwd: dir },
      {
        name: `compiled (npm run start:prod: node ${NODE_FLAGS.join(' ')})`,
        args: [...NODE_FLAGS, join(dir, 'dist', 'main.js')],
        cwd: dir,
      },
    ];
    // BENCH_BUILD_VARIANTS=start:prod measures only the variants whose name contains that text.
    const wanted = process.env.BENCH_BUILD_VARIANTS;
    for (const v of variants.filter((x) => !wanted || x.name.includes(wanted))) {
      const figures: Figures[] = [];
      for (let i = 0; i < RUNS; i++) figures.push(await measure(v.args, v.cwd, dir, policyFile, i));
      const med = (f: (x: Figures) => number) => median(figures.map(f));
      console.log(
        `build [${v.name}]: ready ${med((f) => f.readyMs).toFixed(0)} ms (${med((f) => f.readyCpuMs).toFixed(0)} ms CPU), idle RSS ${med((f) => f.idleMb).toFixed(1)} MB, ` +
          `peak RSS ${med((f) => f.peakMb).toFixed(1)} MB after a ${ALERTS}-alert TheHive poll ` +
          `(poll ${med((f) => f.pollMs).toFixed(0)} ms; median of ${RUNS})`,
      );
    }
    console.log(
      `build: targets for the compiled build: ready < 700 ms, idle < 110 MB, peak < 170 MB (load average now ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(args: string[], cwd: string, dir: string, policyFile: string, n: number): Promise<Figures> {
  const hive = await TheHiveSimulator.start({ apiKey: HIVE_KEY });
  const slack = await SlackSimulator.start();
  const twilio = await TwilioSimulator.start({ ...TWILIO, lifecycle: false });
  const dbFile = join(dir, `bot-${n}-${Date.now()}.sqlite`);
  const spawnedAt = performance.now();
  const bot = spawn(process.execPath, args, {
    cwd,
    env: {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_APP_TOKEN: slack.appToken,
      SLACK_API_URL: slack.apiUrl,
      SLACK_ESCALATION_CHANNEL: 'C0ESCAL',
      SLACK_ALERTS_CHANNEL: 'C0ALERTS',
      DATABASE_URL: `sqlite:${dbFile}`,
      PORT: '0',
      LOG_LEVEL: 'info',
      POLICY_FILE: policyFile,
      THEHIVE_URL: hive.url,
      THEHIVE_API_KEY: HIVE_KEY,
      THEHIVE_POLL_SECONDS: '5',
      TWILIO_ACCOUNT_SID: TWILIO.accountSid,
      TWILIO_AUTH_TOKEN: TWILIO.authToken,
      TWILIO_FROM_NUMBER: TWILIO.from,
      TWILIO_API_URL: twilio.url,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = bot.pid!;
  try {
    const lines = createInterface({ input: bot.stdout! });
    let readyAt = 0;
    let readyCpuMs = 0;
    lines.on('line', (line) => {
      if (readyAt || !line.includes('secops-bot started')) return;
      readyAt = performance.now();
      readyCpuMs = cpuMs(pid);
    });
    await waitFor(() => readyAt > 0 || bot.exitCode !== null, 30_000);
    if (!readyAt) throw new Error('the bot exited before it started');
    await sleep(3000);
    const idleMb = rssMb(pid);
    const now = Date.now();
    for (let i = 0; i < ALERTS; i++) {
      hive.addAlert({ severity: 2, title: `Bench alert ${i}`, description: 'bench', createdAt: now - 5 * 60_000 });
    }
    const addedAt = performance.now();
    const db = openDatabase(`sqlite:${dbFile}`);
    try {
      await waitFor(async () => Number((await db('sla_alerts').count({ n: '*' }))[0]?.n) >= ALERTS, 60_000);
    } finally {
      await db.destroy();
    }
    // The poll starts at the next 5 s tick after the alerts were added; count from then on.
    const pollMs = performance.now() - addedAt;
    return { readyMs: readyAt - spawnedAt, readyCpuMs, idleMb, peakMb: peakRssMb(pid) ?? Number.NaN, pollMs };
  } finally {
    bot.kill('SIGTERM');
    if (bot.exitCode === null) await once(bot, 'exit');
    await twilio.stop();
    await slack.stop();
    await hive.stop();
  }
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** utime + stime of the process, in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('benchmark condition not reached in time');
    await sleep(100);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
