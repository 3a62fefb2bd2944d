/**
 * Shared setup for the confirmation tests: the real bot (harness) with the Duo simulator, a
 * policy file with short timeouts, and small helpers that play the user and the detector.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { DuoSimulator } from '../../src/sandbox/duo/duo-simulator.js';
import type { SlackMessage } from '../../src/sandbox/slack/index.js';
import { type Harness, type HarnessOptions, startHarness } from '../helpers/bot-harness.js';
import type { TestStore } from '../helpers/stores.js';

export const API_TOKEN = 'test-api-token-0123456789';
const DUO_CLIENT_ID = 'DIAAAAAAAAAAAAAAAAAA';
const DUO_CLIENT_SECRET = 's'.repeat(40);

export interface ConfirmRig {
  h: Harness;
  duo: DuoSimulator | null;
  /** a policy file with this `confirm:` section (YAML lines), e.g. for `h.restart({ POLICY_FILE })`; removed by stop() */
  writePolicy(confirm: string): string;
  stop(): Promise<void>;
}

export interface RigOptions {
  duo?: boolean;
  apiToken?: boolean;
  /** the `confirm:` section of the policy file, as YAML lines */
  policy?: string;
  store?: TestStore;
  harness?: HarnessOptions;
}

export async function startRig(options: RigOptions = {}): Promise<ConfirmRig> {
  const dir = mkdtempSync(join(tmpdir(), 'confirm-policy-'));
  let policies = 0;
  const writePolicy = (confirm: string) => {
    const file = join(dir, `policy-${++policies}.yaml`);
    writeFileSync(file, `confirm:\n${confirm}`);
    return file;
  };
  const policyFile = writePolicy(options.policy ?? '  timeout: 1h\n');
  const duo =
    options.duo === false
      ? null
      : await DuoSimulator.start({ clientId: DUO_CLIENT_ID, clientSecret: DUO_CLIENT_SECRET });
  const env: Record<string, string> = { POLICY_FILE: policyFile };
  if (options.apiToken !== false) env.API_TOKEN = API_TOKEN;
  if (duo) {
    Object.assign(env, {
      DUO_CLIENT_ID,
      DUO_CLIENT_SECRET,
      DUO_API_HOST: duo.apiHost,
      DUO_CA_FILE: duo.caFile,
    });
  }
  const h = await startHarness({ ...options.harness, store: options.store, env: { ...env, ...options.harness?.env } });
  return {
    h,
    duo,
    writePolicy,
    async stop() {
      await h.stop();
      await duo?.stop();
      if (options.store) await options.store.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One rig for the enclosing describe(): started before its tests, stopped after them. The
 * options may be a function, for a store that has to be created first.
 */
export function useRig(
  options: RigOptions | (() => Promise<RigOptions>) = {},
  // A skippable suite passes its own hooks, which do not run when it is skipped.
  hooks: { before: typeof before; after: typeof after } = { before, after },
): ConfirmRig {
  let rig: ConfirmRig | null = null;
  hooks.before(async () => {
    rig = await startRig(typeof options === 'function' ? await options() : options);
  });
  hooks.after(async () => {
    await rig?.stop();
  });
  const started = (): ConfirmRig => {
    if (!rig) throw new Error('the rig starts in before()');
    return rig;
  };
  return {
    get h() {
      return started().h;
    },
    get duo() {
      return started().duo;
    },
    writePolicy: (confirm) => started().writePolicy(confirm),
    stop: () => started().stop(),
  };
}

export async function postAlert(
  h: Harness,
  body: unknown,
  token: string | null = API_TOKEN,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${h.url}/api/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

export interface AlertView {
  id: number;
  status: string;
  reason: string | null;
  detail: string | null;
  comment: string | null;
  rule_id: number | null;
  deadline: string | null;
  history: { action: string; actor: string; at: string; [k: string]: unknown }[];
}

export async function getAlert(h: Harness, id: number): Promise<AlertView> {
  const res = await fetch(`${h.url}/api/alerts/${id}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
  if (res.status !== 200) throw new Error(`GET /api/alerts/${id} → ${res.status}`);
  return (await res.json()) as AlertView;
}

export async function waitForStatus(h: Harness, id: number, status: string, timeoutMs = 8000): Promise<AlertView> {
  const until = Date.now() + timeoutMs;
  let last: AlertView | null = null;
  while (Date.now() < until) {
    last = await getAlert(h, id);
    if (last.status === status) return last;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error(`alert ${id} did not reach ${status}; last: ${JSON.stringify(last)}`);
}

let seq = 0;
export const nextTitle = () => `Admin grant ${++seq}.`;
/** Creates an alert through the REST API and returns its id. */
export async function raise(h: Harness, user: string, extra: Record<string, unknown> = {}): Promise<number> {
  const { status, json } = await postAlert(h, {
    user,
    title: nextTitle(),
    description: 'You were granted the admin role in the AWS console.',
    reason: 'role change',
    ...extra,
  });
  if (status !== 201) throw new Error(`POST → ${status} ${JSON.stringify(json)}`);
  return Number(json.id);
}

type Element = { action_id?: string; value?: string; url?: string };

export function buttons(message: SlackMessage): Element[] {
  return (message.blocks ?? []).flatMap((b) => (Array.isArray(b.elements) ? (b.elements as Element[]) : []));
}

export function hasButton(message: SlackMessage, actionId: string, value?: string): boolean {
  return buttons(message).some((e) => e.action_id === actionId && (value === undefined || e.value === value));
}

/** The question DM for this alert. */
export function waitForQuestion(h: Harness, user: string, id: number, timeoutMs = 5000): Promise<SlackMessage> {
  return h.sim.waitForMessage(
    (m, kind) =>
      kind === 'message' && m.channel === h.sim.dmChannelFor(user) && hasButton(m, 'confirm_yes', String(id)),
    { since: 0, timeoutMs },
  );
}

/** Every question DM (answered or not) about alerts with this title; titles are unique per test alert. */
export function questionsFor(h: Harness, user: string, title: string): SlackMessage[] {
  return h.sim
    .messages(h.sim.dmChannelFor(user))
    .filter((m) => m.text.startsWith('Security check') && m.text.includes(title));
}

/** The Duo link the bot DMs after a "yes". */
export async function waitForDuoLink(h: Harness, user: string, id: number): Promise<string> {
  const msg = await h.sim.waitForMessage(
    (m) =>
      m.channel === h.sim.dmChannelFor(user) &&
      buttons(m).some((e) => e.action_id === 'confirm_duo_open') &&
      JSON.stringify(m.blocks).includes(`alert #${id}`),
    { since: 0, timeoutMs: 5000 },
  );
  return buttons(msg).find((e) => e.action_id === 'confirm_duo_open')!.url!;
}

/** Clicks "yes" on the question for alert `id`; returns the simulator mark from just before the click. */
export async function clickYes(h: Harness, user: string, id: number): Promise<number> {
  const q = await waitForQuestion(h, user, id);
  const mark = h.sim.mark();
  h.sim.clickButton(user, q, 'confirm_yes');
  return mark;
}

/** Answers "yes", waits for `verifying`, and returns the Duo link the bot then DMs. */
export async function yesAndLink(h: Harness, user: string, id: number): Promise<string> {
  await clickYes(h, user, id);
  await waitForStatus(h, id, 'verifying');
  return waitForDuoLink(h, user, id);
}

/** Plays the user in Duo's prompt and follows the redirect back to the bot; returns the page. */
export async function finishDuo(
  h: Harness,
  duo: DuoSimulator,
  authUrl: string,
  decision: 'allow' | 'deny',
  asUser?: string,
): Promise<{ status: number; html: string; callbackUrl: string }> {
  const promptId = duo.approveUrlFor(authUrl);
  const redirect = new URL(duo.decide(promptId, decision, asUser ? { asUser } : {}));
  // PUBLIC_URL is http://localhost:0 under PORT=0; the path and query are what matter.
  const callbackUrl = `${h.url}${redirect.pathname}${redirect.search}`;
  const res = await fetch(callbackUrl);
  return { status: res.status, html: await res.text(), callbackUrl };
}

/** The escalation post for alert `id` in the escalation channel. */
export function waitForEscalation(h: Harness, id: number, timeoutMs = 5000): Promise<SlackMessage> {
  return h.sim.waitForMessage(
    (m) => m.channel === 'C0ESCAL' && !m.thread_ts && m.text.includes(`alert #${id} escalated`),
    { since: 0, timeoutMs },
  );
}

export function escalationsFor(h: Harness, id: number): SlackMessage[] {
  return h.sim.messages('C0ESCAL').filter((m) => !m.thread_ts && m.text.includes(`alert #${id} escalated`));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
