/**
 * Duo Push from the chat: 100 users answer "yes" at once, so 100 pushes are pending together, all
 * long-polled by the bot at production settings against the Duo simulator (real signing, real
 * verification). Prints click "Yes" → push received by the simulator (for the burst, and for 20
 * more people answering one at a time while the 100 are pending), and approve on the phone → the
 * user's DM updated, and checks that no push was sent twice.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuoSimulator, type SimPush } from '../src/sandbox/duo/duo-simulator.js';
import { defaultSeed, type SlackMessage } from '../src/sandbox/slack/index.js';
import { startHarness } from '../test/helpers/bot-harness.js';
import { summarize } from './stats.js';

const USERS = Number(process.env.BENCH_PUSH_USERS ?? 100);
/** users who click one at a time while the USERS pushes are pending, for the steady-state figure */
const LATE = 20;
const TOKEN = 'bench-api-token-0123456789';
const IKEY = 'DIBENCHPUSH000000001';
const SKEY = 'b'.repeat(40);

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-push-'));
  writeFileSync(join(dir, 'policy.yaml'), 'confirm:\n  timeout: 1h\n');
  const duo = await DuoSimulator.start({
    clientId: 'DIAAAAAAAAAAAAAAAAAA',
    clientSecret: 's'.repeat(40),
    authApi: { ikey: IKEY, skey: SKEY },
  });
  const seed = defaultSeed();
  const everyone = Array.from({ length: USERS + LATE }, (_, i) => {
    const id = `U1P${String(i).padStart(4, '0')}`;
    return { ...seed.users[0]!, id, name: `push${i}`, email: `push${i}@example.com` };
  });
  const users = everyone.slice(0, USERS);
  const late = everyone.slice(USERS);
  const h = await startHarness({
    env: {
      API_TOKEN: TOKEN,
      POLICY_FILE: join(dir, 'policy.yaml'),
      DUO_AUTH_API_IKEY: IKEY,
      DUO_AUTH_API_SKEY: SKEY,
      DUO_AUTH_API_HOST: duo.apiHost,
      DUO_CA_FILE: duo.caFile,
    },
    simOptions: { workspace: { users: [...seed.users, ...everyone] } },
  });
  try {
    const allIds = await Promise.all(everyone.map((u, i) => raise(h.url, u.id, i)));
    const ids = allIds.slice(0, USERS);
    const allQuestions = await Promise.all(
      everyone.map((u, i) =>
        h.sim.waitForMessage((m) => m.channel === h.sim.dmChannelFor(u.id) && hasYes(m, allIds[i]!), {
          since: 0,
          timeoutMs: 60_000,
        }),
      ),
    );
    const questions = allQuestions.slice(0, USERS);
    const clickedAt = new Map<string, number>();
    const pushedAt = new Map<string, number>();
    const pushes = new Map<string, SimPush>();
    let allPushed: () => void = () => {};
    const everyPush = new Promise<void>((r) => {
      allPushed = r;
    });
    duo.authApi!.on('push', (p) => {
      pushedAt.set(p.username, performance.now());
      pushes.set(p.username, p);
      if (pushes.size === USERS) allPushed();
    });
    const pushedOnce = (name: string) =>
      new Promise<void>((resolve) => {
        const check = () => (pushedAt.has(name) ? resolve() : setTimeout(check, 2));
        check();
      });
    users.forEach((u, i) => {
      clickedAt.set(u.name, performance.now());
      h.sim.clickButton(u.id, questions[i]!, 'confirm_yes');
    });
    await withDeadline(everyPush, 60_000, 'every push to reach the simulator');
    const clickToPush = users.map((u) => pushedAt.get(u.name)! - clickedAt.get(u.name)!);

    // Steady state: with those pushes pending (long-polled), more people answer one at a time.
    for (const [i, u] of late.entries()) {
      clickedAt.set(u.name, performance.now());
      h.sim.clickButton(u.id, allQuestions[USERS + i]!, 'confirm_yes');
      await withDeadline(pushedOnce(u.name), 30_000, `the push for ${u.name}`);
    }
    const lateClickToPush = late.map((u) => pushedAt.get(u.name)! - clickedAt.get(u.name)!);

    // With all 100 pending, approve them one by one and time each until its DM says so.
    const approvedAt = new Map<number, number>();
    const dmUpdated = new Map<number, number>();
    let allUpdated: () => void = () => {};
    const everyUpdate = new Promise<void>((r) => {
      allUpdated = r;
    });
    h.sim.on('update', (m: SlackMessage) => {
      const id = Number(/^Duo Push for alert #(\d+): .*approved/.exec(m.text)?.[1]);
      if (!id || dmUpdated.has(id)) return;
      dmUpdated.set(id, performance.now());
      if (dmUpdated.size === USERS) allUpdated();
    });
    for (const [i, u] of users.entries()) {
      approvedAt.set(ids[i]!, performance.now());
      duo.authApi!.answer(pushes.get(u.name)!.txid, 'approve');
      await new Promise((r) => setTimeout(r, 10));
    }
    await withDeadline(everyUpdate, 60_000, 'every DM to say approved');
    const approveToDm = ids.map((id) => dmUpdated.get(id)! - approvedAt.get(id)!);
    const sentTwice = duo.authApi!.pushes().length - USERS - LATE;

    console.log(`Duo Push, ${USERS} users answering yes at once (${USERS} pushes pending together):`);
    console.log(`  click "Yes" → push received by Duo, all ${USERS} at once      ${summarize(clickToPush)}`);
    console.log(`  click "Yes" → push received by Duo, with ${USERS} pending     ${summarize(lateClickToPush)}`);
    console.log(`  approve on phone → DM updated, from ${USERS} pending         ${summarize(approveToDm)}`);
    console.log(`  pushes sent more than once: ${sentTwice}`);
  } finally {
    await h.stop();
    await duo.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function hasYes(m: SlackMessage, id: number): boolean {
  return JSON.stringify(m.blocks ?? []).includes(`"action_id":"confirm_yes","value":"${id}"`);
}

async function raise(url: string, user: string, i: number): Promise<number> {
  const res = await fetch(`${url}/api/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ user, title: `Push bench ${i}`, description: 'Benchmark', reason: 'bench' }),
  });
  return Number(((await res.json()) as { id: number }).id);
}

async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bench: waited ${ms} ms for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
