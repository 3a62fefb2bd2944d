/**
 * Issue 9, durable delivery. The bot runs as its own process (test/helpers/bot-process.ts, the
 * real main()) against in-bench Slack, TheHive and Twilio simulators.
 *  (a) BENCH_BREACHES (1,000) TheHive alerts whose first tier (slack + sms + call) falls due
 *      within one minute: every page delivered; lateness of Slack and of SMS/calls, as the time
 *      the bot recorded the send (or folded it into a storm summary) after the deadline.
 *  (b) BENCH_INTAKE (20,000) alerts POSTed by 8 clients over BENCH_INTAKE_SECONDS (120): how many
 *      were accepted and how many answered 429, the bot's peak RSS, and how long the outbox
 *      takes to drain afterwards.
 *  (c) (a) again, with kill -9 of the bot half-way and a restart: sends lost (target 0).
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../scripts/build.js';
import { SlackSimulator } from '../src/sandbox/slack/index.js';
import { TheHiveSimulator } from '../src/sandbox/thehive/thehive-simulator.js';
import { TwilioSimulator } from '../src/sandbox/twilio/twilio-simulator.js';
import { openDatabase } from '../src/store/db.js';
import { BotProcess, freePort, seedUsers, TOKEN } from '../test/e2e/burst-helpers.js';
import { freshSqlite } from '../test/helpers/stores.js';
import { peakRssMb, summarize } from './stats.js';

const BREACHES = Number(process.env.BENCH_BREACHES ?? 1000);
const INTAKE = Number(process.env.BENCH_INTAKE ?? 20_000);
const INTAKE_SECONDS = Number(process.env.BENCH_INTAKE_SECONDS ?? 120);
/** BENCH_PARTS=a,c runs only those parts (the whole section takes over ten minutes). */
const PARTS = new Set((process.env.BENCH_PARTS ?? 'a,b,c').split(',').map((p) => p.trim()));
const TIER_MS = 60_000;
const LEAD_MS = 15_000;
const HIVE_KEY = 'bench-key';
const TWILIO = { accountSid: `AC${'0'.repeat(31)}1`, authToken: 'bench-twilio-token' };
const PRIMARY = '+15550000001';

/**
 * The bot runs as production runs it (`npm run start:prod`: the esbuild bundle, node's young
 * generation capped): memory and restart time are the product's, not tsx's, which adds ~25 MB
 * and a slower start. BENCH_BOT=tsx runs it from source instead (with the tests' short lease).
 */
const FROM_SOURCE = process.env.BENCH_BOT === 'tsx';
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
let botArgs: string[] | undefined;
let botEnv: Record<string, string> = {};

export async function run(): Promise<void> {
  const dist = mkdtempSync(join(tmpdir(), 'delivery-bench-dist-'));
  try {
    if (!FROM_SOURCE) {
      await bundle(join(dist, 'dist'));
      // Where a deployment has its production dependencies (the bundle leaves native ones out).
      symlinkSync(join(ROOT, 'node_modules'), join(dist, 'node_modules'), 'dir');
      botArgs = ['--max-semi-space-size=4', join(dist, 'dist', 'main.js')];
      // What the tests' BotOptions set (the lease a restarted bot takes over), as an operator would.
      botEnv = { LEASE_TTL_SECONDS: '3' };
    }
    console.log(
      `delivery: the bot runs ${FROM_SOURCE ? 'from source through tsx' : 'from the production bundle (npm run start:prod)'}`,
    );
    if (PARTS.has('a')) await breaches(false);
    if (PARTS.has('c')) await breaches(true);
    if (PARTS.has('b')) await intake();
  } finally {
    rmSync(dist, { recursive: true, force: true });
  }
}

async function breaches(kill: boolean): Promise<void> {
  const label = kill ? '(c) kill -9 half-way' : '(a)';
  const dir = mkdtempSync(join(tmpdir(), 'delivery-bench-'));
  const hive = await TheHiveSimulator.start({ apiKey: HIVE_KEY });
  const slack = await SlackSimulator.start({ perChannelPerSecond: 1 });
  const twilio = await TwilioSimulator.start({ ...TWILIO, lifecycle: false });
  const store = await freshSqlite();
  const policy = join(dir, 'policy.yaml');
  writeFileSync(
    policy,
    `sla:\n  severities:\n    2:\n      tiers:\n        - { after: 60s, notify: [slack, sms, call] }\n        - { after: 1h, notify: [slack] }\noncall:\n  primary: ['${PRIMARY}']\n`,
  );
  const now = Date.now();
  const deadlines = new Map<string, number>();
  for (let i = 0; i < BREACHES; i++) {
    const due = now + LEAD_MS + Math.floor((i * 45_000) / BREACHES);
    const id = String(
      hive.addAlert({ severity: 2, title: `Bench breach ${i}`, description: 'b', createdAt: due - TIER_MS })._id,
    );
    deadlines.set(id, due);
  }
  const port = await freePort();
  const bot = new BotProcess(
    slack,
    store,
    port,
    {},
    {
      POLICY_FILE: policy,
      THEHIVE_URL: hive.url,
      THEHIVE_API_KEY: HIVE_KEY,
      THEHIVE_POLL_SECONDS: '5',
      TWILIO_ACCOUNT_SID: TWILIO.accountSid,
      TWILIO_AUTH_TOKEN: TWILIO.authToken,
      TWILIO_FROM_NUMBER: '+15559990000',
      TWILIO_API_URL: twilio.url,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...botEnv,
    },
    botArgs,
  );
  const db = openDatabase(store.url);
  try {
    await bot.start();
    if (kill) {
      while (Date.now() < now + LEAD_MS + 22_000) await sleep(200);
      await bot.kill9();
      await bot.start();
    }
    const lastDue = now + LEAD_MS + 45_000;
    const settled = async () => {
      const open = await db('sla_notifications').whereIn('status', ['pending', 'queued']).count({ n: '*' }).first();
      const fired = await db('sla_alerts').where('fired_tier', '>=', 0).count({ n: '*' }).first();
      return Number(open?.n) === 0 && Number(fired?.n) === BREACHES;
    };
    const until = lastDue + 120_000;
    while (Date.now() < until && !(Date.now() > lastDue && (await settled()))) await sleep(1000);
    const rows = (await db('sla_notifications').select('alert_id', 'method', 'status', 'updated_at')) as {
      alert_id: string;
      method: string;
      status: string;
      updated_at: number;
    }[];
    const late = (method: string[]) =>
      rows
        .filter((r) => method.includes(r.method) && r.status === 'sent')
        .map((r) => Number(r.updated_at) - deadlines.get(r.alert_id)!);
    const sentFor = (method: string) =>
      new Set(rows.filter((r) => r.method === method && r.status === 'sent').map((r) => r.alert_id));
    const lost = (method: string) => [...deadlines.keys()].filter((id) => !sentFor(method).has(id)).length;
    console.log(`delivery ${label}: ${BREACHES} alerts breaching within 45 s (tier: slack + sms + call)`);
    console.log(`  Slack lateness: ${summarize(late(['slack']))}`);
    console.log(`  SMS + call lateness: ${summarize(late(['sms', 'call']))}`);
    console.log(
      `  not delivered: slack ${lost('slack')}, sms ${lost('sms')}, call ${lost('call')}; Slack messages ${slack.messages('C0ALERTS').length}, Twilio messages ${twilio.messages().length}, calls ${twilio.calls().length}`,
    );
    if (lost('slack') + lost('sms') + lost('call') > 0) process.exitCode = 1;
  } finally {
    if (bot.child?.exitCode === null) await bot.term();
    await db.destroy();
    await hive.stop();
    await slack.stop();
    await twilio.stop();
    await store.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function intake(): Promise<void> {
  const { users, extra } = seedUsers();
  const slack = await SlackSimulator.start({ perChannelPerSecond: 1, workspace: { users } });
  const store = await freshSqlite();
  const bot = new BotProcess(slack, store, await freePort(), {}, botEnv, botArgs);
  const db = openDatabase(store.url);
  let accepted = 0;
  let refused = 0;
  let peak = 0;
  try {
    await bot.start();
    const rss = setInterval(() => {
      peak = Math.max(peak, peakRssMb(bot.pid) ?? 0);
    }, 500);
    const t0 = Date.now();
    const perMs = INTAKE / (INTAKE_SECONDS * 1000);
    let next = 0;
    const client = async () => {
      for (let i = next++; i < INTAKE; i = next++) {
        const wait = t0 + i / perMs - Date.now();
        if (wait > 0) await sleep(wait);
        for (;;) {
          const res = await fetch(`${bot.url}/api/alerts`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
            body: JSON.stringify({
              user: extra[i % extra.length]!.id,
              title: `Bench intake ${i}`,
              description: 'x'.repeat(2000),
              dedupe_key: `bench-intake-${i}`,
            }),
          }).catch(() => null);
          if (res && (res.status === 200 || res.status === 201)) {
            accepted++;
            await res.body?.cancel();
            break;
          }
          if (res?.status === 429) refused++;
          await res?.body?.cancel();
          if (Date.now() - t0 > INTAKE_SECONDS * 1000 * 1.5) break;
          await sleep(1000);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
    const postedMs = Date.now() - t0;
    const drainStart = Date.now();
    for (;;) {
      const depth = await db('outbox').whereIn('status', ['pending', 'sending']).count({ n: '*' }).first();
      if (Number(depth?.n) === 0 || Date.now() - drainStart > 600_000) break;
      await sleep(1000);
    }
    clearInterval(rss);
    peak = Math.max(peak, peakRssMb(bot.pid) ?? 0);
    console.log(`delivery (b): ${INTAKE} alerts offered over ${INTAKE_SECONDS} s by 8 clients (retrying 429s)`);
    console.log(
      `  accepted ${accepted}, 429 answers ${refused}, posting took ${(postedMs / 1000).toFixed(0)} s; peak RSS ${peak.toFixed(0)} MB; outbox drained ${((Date.now() - drainStart) / 1000).toFixed(0)} s after the last POST`,
    );
  } finally {
    if (bot.child?.exitCode === null) await bot.term();
    await db.destroy();
    await slack.stop();
    await store.drop();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (import.meta.url === `file://${process.argv[1]}`) await run();
