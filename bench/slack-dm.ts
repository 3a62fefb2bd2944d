import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AckRecord, type SimUser, SlackSimulator } from '../src/sandbox/slack/index.js';
import { peakRssMb, summarize } from './stats.js';

const DMS = 1000;
const USERS = 50;

/**
 * Issue 2: 1,000 DMs from 50 simulated users, sent as fast as the simulator can.
 * The bot runs as its own process (node main.ts), so its peak RSS is its own.
 */
export async function run(): Promise<void> {
  // Each run has its own users: 20 DMs each stays under the per-user flood limit (30 a minute),
  // which two runs from the same users within a minute would cross.
  const users = Array.from({ length: 2 * USERS }, (_, i) => ({
    id: `U0B${String(i).padStart(4, '0')}`,
    name: `bench${i}`,
    realName: `Bench User${i}`,
    firstName: `Bench${i}`,
    email: `bench${i}@example.com`,
  }));
  const sim = await SlackSimulator.start({ workspace: { users: users.map(toSimUser) } });
  const dir = mkdtempSync(join(tmpdir(), 'bench-dm-'));
  const bot = spawnBot(sim, dir);
  try {
    await waitFor(() => sim.connections() > 0, 20_000);
    const burst = await measure(sim, users.slice(0, USERS), 0);
    report('burst (all 1,000 at once)', burst);
    const paced = await measure(sim, users.slice(USERS), 5);
    report('paced (one DM every 5 ms = 200/s)', paced);
    console.log(`  bot peak RSS:     ${peakRssMb(bot.pid!)?.toFixed(1) ?? '?'} MB`);
  } finally {
    bot.kill('SIGTERM');
    await new Promise((r) => bot.once('exit', r));
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Measurement {
  elapsedMs: number;
  acks: number[];
  timedOut: number;
  roundTrips: number[];
}

async function measure(sim: SlackSimulator, users: { id: string }[], gapMs: number): Promise<Measurement> {
  const sentAt = new Map<string, number[]>();
  const roundTrips: number[] = [];
  const acks: number[] = [];
  const onMessage = (m: { bot_id?: string; channel: string }) => {
    if (!m.bot_id || !m.channel.startsWith('D')) return;
    const t = sentAt.get(m.channel)?.shift();
    if (t !== undefined) roundTrips.push(performance.now() - t);
  };
  const ours = new Set<string>();
  const onAck = (a: AckRecord) => {
    if (ours.has(a.envelopeId)) acks.push(a.latencyMs);
  };
  sim.on('message', onMessage);
  sim.on('ack', onAck);
  const before = sim.ackStats().timedOut;
  const started = performance.now();
  for (let i = 0; i < DMS; i++) {
    const user = users[i % users.length]!;
    const channel = sim.dmChannelFor(user.id);
    if (!sentAt.has(channel)) sentAt.set(channel, []);
    sentAt.get(channel)!.push(performance.now());
    ours.add(sim.sendDm(user.id, i % 2 ? 'hi' : 'help'));
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
  }
  await waitFor(() => roundTrips.length >= DMS && acks.length >= DMS, 60_000);
  const elapsedMs = performance.now() - started;
  const timedOut = sim.ackStats().timedOut - before;
  sim.off('message', onMessage);
  sim.off('ack', onAck);
  return { elapsedMs, acks, timedOut, roundTrips };
}

function report(label: string, m: Measurement): void {
  console.log(`slack DMs, ${label}: ${DMS} DMs from ${USERS} users answered in ${(m.elapsedMs / 1000).toFixed(2)} s`);
  console.log(`  ack latency:      ${summarize(m.acks)}  timed out: ${m.timedOut}`);
  console.log(`  DM→reply:         ${summarize(m.roundTrips)}`);
}

function toSimUser(u: { id: string; name: string; realName: string; firstName: string; email: string }): SimUser {
  return { ...u, lastName: 'Bench', tz: 'UTC', deleted: false, isBot: false };
}

function spawnBot(sim: SlackSimulator, dir: string, extraEnv: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
    env: {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: sim.botToken,
      SLACK_APP_TOKEN: sim.appToken,
      SLACK_API_URL: sim.apiUrl,
      SLACK_ESCALATION_CHANNEL: 'C0ESCAL',
      DATABASE_URL: `sqlite:${join(dir, 'bench.sqlite')}`,
      PORT: '0',
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('benchmark condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
