/**
 * The bot as a child process under a burst of REST alerts, for the tests that kill it (-9 or
 * SIGTERM) part-way: clients that retry with the same dedupe_key as real detectors do, and a
 * count of what reached Slack per alert.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { defaultSeed, type SlackMessage, SlackSimulator } from '../../src/sandbox/slack/index.js';
import { baseEnv } from '../helpers/bot-harness.js';
import type { TestStore } from '../helpers/stores.js';

export const TOKEN = 'burst-api-token-0123456789';
const USERS = 40;

export const seedUsers = () => {
  const seed = defaultSeed();
  const extra = Array.from({ length: USERS }, (_, i) => ({
    ...seed.users[0]!,
    id: `U1B${String(i).padStart(4, '0')}`,
    name: `burst${i}`,
    email: `burst${i}@example.com`,
  }));
  return { users: [...seed.users, ...extra], extra };
};

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

export class BotProcess {
  child: ChildProcess | null = null;
  output = '';

  constructor(
    private readonly sim: SlackSimulator,
    private readonly store: TestStore,
    readonly port: number,
    private readonly options: Record<string, unknown>,
    private readonly extraEnv: Record<string, string> = {},
    /** node's arguments; by default the bot from source, with `options` */
    private readonly nodeArgs: string[] = ['--import', 'tsx', 'test/helpers/bot-process.ts'],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const env = {
      PATH: process.env.PATH ?? '',
      ...baseEnv(this.sim, this.store),
      PORT: String(this.port),
      API_TOKEN: TOKEN,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      TEST_BOT_OPTIONS: JSON.stringify({ host: '127.0.0.1', leaseTtlMs: 3000, ...this.options }),
      ...this.extraEnv,
    };
    this.child = spawn(process.execPath, this.nodeArgs, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: unknown) => {
      this.output = (this.output + String(d)).slice(-20_000);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    for (const until = Date.now() + 30_000; Date.now() < until; ) {
      if (this.child.exitCode !== null) throw new Error(`bot exited at start:\n${this.output}`);
      const up = await fetch(`${this.url}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`bot did not become healthy:\n${this.output}`);
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  async kill9(): Promise<void> {
    const child = this.child!;
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  }

  /** SIGTERM; resolves with the exit code. */
  async term(): Promise<number | null> {
    const child = this.child!;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    return code;
  }
}

export interface Burst {
  /** dedupe key → alert id */
  ids: Map<string, number>;
  unknown: Set<string>;
  done: Promise<void>;
}

/**
 * `count` alerts from `clients` clients, a quarter for users Slack does not know; `onResponse`
 * sees the running count of answered alerts. A failed request is retried until it is answered.
 */
export function burst(
  url: () => string,
  count: number,
  clients: number,
  extraUsers: { id: string }[],
  onResponse: (answered: number) => void,
): Burst {
  const ids = new Map<string, number>();
  const unknown = new Set<string>();
  let next = 0;
  const client = async () => {
    for (let i = next++; i < count; i = next++) {
      const key = `burst-${i}`;
      const user = i % 4 === 0 ? `nobody${i}@example.com` : extraUsers[i % extraUsers.length]!.id;
      if (i % 4 === 0) unknown.add(key);
      for (;;) {
        try {
          const res = await fetch(`${url()}/api/alerts`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
            body: JSON.stringify({ user, title: `Burst ${i}`, description: 'burst', dedupe_key: key }),
          });
          if (res.status === 200 || res.status === 201) {
            ids.set(key, Number(((await res.json()) as { id: number }).id));
            onResponse(ids.size);
            break;
          }
          await res.body?.cancel();
        } catch {
          // connection refused or reset: the bot is down or restarting
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const done = Promise.all(Array.from({ length: clients }, client)).then(() => {});
  return { ids, unknown, done };
}

const questionOf = (m: SlackMessage): number | null => {
  for (const b of m.blocks ?? []) {
    for (const e of (Array.isArray(b.elements) ? b.elements : []) as { action_id?: string; value?: string }[]) {
      if (e.action_id === 'confirm_yes') return Number(e.value);
    }
  }
  return null;
};

/** Per alert id, how many questions (DMs) and escalations Slack holds, and how many are marked repeats. */
export function delivered(sim: SlackSimulator) {
  const questions = new Map<number, SlackMessage[]>();
  const escalations = new Map<number, SlackMessage[]>();
  for (const m of sim.messages()) {
    if (m.thread_ts) continue;
    const q = questionOf(m);
    if (q !== null) questions.set(q, [...(questions.get(q) ?? []), m]);
    const e = /alert #(\d+) escalated/.exec(m.text);
    if (e && m.channel === 'C0ESCAL') escalations.set(Number(e[1]), [...(escalations.get(Number(e[1])) ?? []), m]);
  }
  return { questions, escalations };
}

export const resent = (m: SlackMessage) => m.text.includes('re-sent after a restart');

export async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; ) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export { SlackSimulator };
