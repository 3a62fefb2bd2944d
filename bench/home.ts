import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBot } from '../main.js';
import { loadConfig } from '../src/config/env.js';
import { silentLogger } from '../src/log.js';
import { type PublishedHome, type SimUser, SlackSimulator } from '../src/sandbox/slack/index.js';
import { percentile, summarize } from './stats.js';

const EMPLOYEES = 500;
const ALERTS = 1000;
const CLIENTS = 32;
const TOKEN = 'bench-api-token-0123456789';

/**
 * Issue 14: 500 employees with their Home tab open, then 1,000 confirmation alerts for them arriving
 * as fast as 32 clients can post. Counts views.publish calls (against one per change without
 * debouncing) and measures, per alert, the time from its POST answer to the first published Home
 * that shows it. The bot runs in-process with the default debounce (750 ms) and an unthrottled pace,
 * so the figures are the bot's own; Slack's Tier 4 pace is reported as the time it would take.
 */
export async function run(): Promise<void> {
  const users: SimUser[] = Array.from({ length: EMPLOYEES }, (_, i) => ({
    id: `U0H${String(i).padStart(5, '0')}`,
    name: `home${i}`,
    realName: `Home User${i}`,
    firstName: `Home${i}`,
    lastName: 'User',
    email: `home${i}@example.com`,
    deleted: false,
    isBot: false,
    tz: 'UTC',
  }));
  const seedUsers = [
    ...users,
    { ...users[0]!, id: 'U0BOT', name: 'secops-bot', email: undefined, isBot: true, botId: 'B0BOT' },
  ];
  const sim = await SlackSimulator.start({
    workspace: { users: seedUsers, channels: [{ id: 'C0ESCAL', name: 'escalations', members: ['U0BOT'] }] },
  });
  const dir = mkdtempSync(join(tmpdir(), 'bench-home-'));
  const config = loadConfig({
    SLACK_BOT_TOKEN: sim.botToken,
    SLACK_APP_TOKEN: sim.appToken,
    SLACK_API_URL: sim.apiUrl,
    SLACK_ESCALATION_CHANNEL: 'C0ESCAL',
    SLACK_RESPONDERS: 'U0H00000',
    DATABASE_URL: `sqlite:${join(dir, 'bot.sqlite')}`,
    API_TOKEN: TOKEN,
    PORT: '0',
    LOG_LEVEL: 'error',
  });
  const bot = await createBot(config, {
    logger: silentLogger(),
    host: '127.0.0.1',
    home: { perMinute: 1_000_000, burst: 1000 },
  });
  const published: PublishedHome[] = [];
  sim.on('home', (h) => published.push(h));
  try {
    const openedAt = performance.now();
    for (const u of users) sim.openHome(u.id);
    await waitFor(() => new Set(published.map((p) => p.userId)).size === EMPLOYEES, 60_000);
    console.log(`  ${EMPLOYEES} Homes opened and published in ${(performance.now() - openedAt).toFixed(0)} ms`);

    published.length = 0;
    const shownAt = new Map<string, number>();
    sim.on('home', (h) => {
      const blocks = JSON.stringify(h.view.blocks);
      for (const m of blocks.matchAll(/Bench alert (\d+)\b/g))
        if (!shownAt.has(m[1]!)) shownAt.set(m[1]!, performance.now());
    });
    const dmAt = new Map<string, number>();
    sim.on('message', (m) => {
      const hit = m.channel.startsWith('D') ? /Bench alert (\d+)\b/.exec(JSON.stringify(m.blocks ?? m.text)) : null;
      if (hit && !dmAt.has(hit[1]!)) dmAt.set(hit[1]!, performance.now());
    });
    const postedAt = new Map<string, number>();
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < ALERTS) {
          const i = next++;
          const res = await fetch(`http://127.0.0.1:${bot.port}/api/alerts`, {
            method: 'POST',
            headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify({ user: users[i % EMPLOYEES]!.id, title: `Bench alert ${i}`, description: 'bench' }),
          });
          if (res.status !== 201) throw new Error(`POST /api/alerts answered ${res.status}`);
          postedAt.set(String(i), performance.now());
        }
      }),
    );
    await waitFor(() => shownAt.size === ALERTS, 120_000);
    await new Promise((r) => setTimeout(r, 1500));
    const elapsed = performance.now() - started;
    const latencies = [...postedAt].map(([i, t]) => shownAt.get(i)! - t);
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      `  ${ALERTS} alerts for ${EMPLOYEES} employees: every alert on its Home after ${elapsed.toFixed(0)} ms`,
    );
    console.log(`  views.publish calls: ${published.length} (one per state change would be ≥ ${ALERTS * 1})`);
    console.log(`  alert answered → on the Home: ${summarize(latencies)}`);
    console.log(`  publish latency p99: ${percentile(sorted, 99).toFixed(1)} ms (debounce 750 ms included)`);
    const afterDm = [...dmAt].filter(([i]) => shownAt.has(i)).map(([i, t]) => shownAt.get(i)! - t);
    console.log(`  DM posted → on the Home (the Home's own share): ${summarize(afterDm)}`);
    console.log(
      `  at Slack's Tier 4 pace (100/min) those publishes would take ${(published.length / 100).toFixed(1)} min`,
    );
  } finally {
    await bot.stop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('bench timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
