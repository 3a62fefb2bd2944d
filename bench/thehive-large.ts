/**
 * Issue 12 §6 / issue 16 §1: the TheHive poll's memory with huge alerts. 10,000 open alerts, of
 * which HUGE_DESCRIPTIONS carry a 1 MB description and MANY_OBSERVABLES carry 10,000 observables
 * each. The bot runs as its own process (main.ts, SQLite) against the TheHive and Slack
 * simulators here, so its peak RSS (VmHWM) is its own; each poll's duration comes from the bot's
 * "TheHive poll done" debug line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SlackSimulator } from '../src/sandbox/slack/index.js';
import { TheHiveSimulator } from '../src/sandbox/thehive/thehive-simulator.js';
import { peakRssMb } from './stats.js';

const OPEN_ALERTS = 10_000;
const HUGE_DESCRIPTIONS = 20;
const MANY_OBSERVABLES = 20;
const POLLS = 3;
const HIVE_KEY = 'bench-key';
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'thehive-large-'));
  const hive = await TheHiveSimulator.start({ apiKey: HIVE_KEY });
  const slack = await SlackSimulator.start();
  let bot: ChildProcess | null = null;
  try {
    const now = Date.now();
    const megabyte = `${'lorem ipsum '.repeat(87_381)}tail`;
    for (let i = 0; i < OPEN_ALERTS; i++) {
      const huge = i % Math.floor(OPEN_ALERTS / HUGE_DESCRIPTIONS) === 1 ? megabyte : 'bench';
      const many = i % Math.floor(OPEN_ALERTS / MANY_OBSERVABLES) === 2;
      hive.addAlert({
        severity: 2,
        title: `Bench alert ${i}`,
        description: huge,
        createdAt: now - 5 * 60_000,
        observables: many ? Array.from({ length: 10_000 }, (_, j) => `10.${j >> 8}.${j & 255}.${i % 250}`) : [],
      });
    }
    bot = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_APP_TOKEN: slack.appToken,
        SLACK_API_URL: slack.apiUrl,
        SLACK_ESCALATION_CHANNEL: 'C0ESCAL',
        SLACK_ALERTS_CHANNEL: 'C0ALERTS',
        DATABASE_URL: `sqlite:${join(dir, 'bot.sqlite')}`,
        PORT: '0',
        LOG_LEVEL: 'debug',
        THEHIVE_URL: hive.url,
        THEHIVE_API_KEY: HIVE_KEY,
        THEHIVE_POLL_SECONDS: '2',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = bot.pid!;
    const polls: Array<{ ms: number; seen: number; rss: number | null }> = [];
    createInterface({ input: bot.stdout! }).on('line', (line) => {
      const entry = parse(line);
      if (entry?.message === 'TheHive poll done')
        polls.push({ ms: Number(entry.ms), seen: Number(entry.seen), rss: peakRssMb(pid) });
    });
    const exited = once(bot, 'exit');
    const deadline = Date.now() + 240_000;
    while (polls.length < POLLS && Date.now() < deadline && bot.exitCode === null) await sleep(100);
    for (const [n, p] of polls.entries()) {
      console.log(
        `thehive-large: poll ${n + 1} of ${p.seen} open alerts (${HUGE_DESCRIPTIONS} with 1 MB descriptions, ` +
          `${MANY_OBSERVABLES} with 10,000 observables): ${p.ms} ms; bot peak RSS so far ${p.rss?.toFixed(1) ?? '?'} MB`,
      );
    }
    if (polls.length < POLLS) console.log(`thehive-large: only ${polls.length} polls finished in time`);
    bot.kill('SIGTERM');
    await exited;
    bot = null;
  } finally {
    if (bot && bot.exitCode === null) bot.kill('SIGKILL');
    await slack.stop();
    await hive.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function parse(line: string): Record<string, unknown> | null {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
