/**
 * Confirmation intake under a burst: 1,000 alerts for 200 users POSTed as fast as possible
 * against the Slack simulator enforcing about one message per channel per second, with the
 * bot's real outbox pacing. Prints intake throughput and POST→DM latency, and checks that
 * every alert got exactly one DM.
 */
import { defaultSeed, type SlackMessage } from '../src/sandbox/slack/index.js';
import { startHarness } from '../test/helpers/bot-harness.js';
import { summarize } from './stats.js';

const ALERTS = 1000;
const USERS = 200;
const TOKEN = 'bench-api-token-0123456789';
/** concurrent HTTP clients posting alerts; BENCH_CLIENTS=1000 posts all of them at once */
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 64);

export async function run(): Promise<void> {
  const seed = defaultSeed();
  const users = Array.from({ length: USERS }, (_, i) => {
    const id = `U1B${String(i).padStart(4, '0')}`;
    return { ...seed.users[0]!, id, name: `bench${i}`, email: `bench${i}@example.com` };
  });
  const h = await startHarness({
    env: { API_TOKEN: TOKEN },
    simOptions: { perChannelPerSecond: 1, workspace: { users: [...seed.users, ...users] } },
    botOptions: { perChannelIntervalMs: 1000 },
  });
  const postedAt = new Map<number, number>();
  const dmLatency = new Map<number, number>();
  const dmCount = new Map<number, number>();
  let done: () => void = () => {};
  const allDelivered = new Promise<void>((resolve) => {
    done = resolve;
  });
  h.sim.on('message', (m: SlackMessage) => {
    const id = questionId(m);
    if (id === null) return;
    dmCount.set(id, (dmCount.get(id) ?? 0) + 1);
    const start = postedAt.get(id);
    if (start !== undefined && !dmLatency.has(id)) dmLatency.set(id, performance.now() - start);
    if (dmLatency.size === ALERTS) done();
  });
  try {
    const t0 = performance.now();
    // CLIENTS concurrent clients; a reset connection is retried with the same dedupe_key, which is safe by design.
    let next = 0;
    const client = async () => {
      for (let i = next++; i < ALERTS; i = next++) {
        const started = performance.now();
        const id = await postWithRetry(h.url, {
          user: users[i % USERS]!.id,
          title: `Bench alert ${i}`,
          description: 'Benchmark',
          dedupe_key: `bench-${i}`,
        });
        if (!postedAt.has(id)) postedAt.set(id, started);
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    const intakeMs = performance.now() - t0;
    console.log(
      `intake: ${ALERTS} alerts in ${intakeMs.toFixed(0)} ms → ${((ALERTS / intakeMs) * 1000).toFixed(0)} alerts/s`,
    );
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 120_000).unref());
    const outcome = await Promise.race([allDelivered.then(() => 'ok' as const), timeout]);
    // A moment more, so a duplicate sent late would still be counted.
    await new Promise((r) => setTimeout(r, 1500));
    console.log(`POST→DM: ${summarize([...dmLatency.values()])}`);
    const missing = ALERTS - dmLatency.size;
    const duplicated = [...dmCount.values()].filter((n) => n > 1).length;
    console.log(
      `DMs: ${dmLatency.size}/${ALERTS} delivered, ${missing} lost, ${duplicated} duplicated${outcome === 'timeout' ? ' (timed out after 120 s)' : ''}`,
    );
    if (missing > 0 || duplicated > 0) process.exitCode = 1;
  } finally {
    await h.stop();
  }
}

async function postWithRetry(base: string, body: Record<string, string>): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${base}/api/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as { id: number };
      if (res.status !== 201 && res.status !== 200) throw new Error(`POST → ${res.status}`);
      return json.id;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

function questionId(m: SlackMessage): number | null {
  for (const block of m.blocks ?? []) {
    for (const el of (block.elements as { action_id?: string; value?: string }[] | undefined) ?? []) {
      if (el.action_id === 'confirm_yes') return Number(el.value);
    }
  }
  return null;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
