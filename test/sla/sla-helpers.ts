/**
 * Shared set-up for the SLA end-to-end tests: TheHive and Twilio simulators, a policy file with
 * tiers in seconds, and the env that points the real bot at them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../../src/config/env.js';
import { TheHiveSimulator } from '../../src/sandbox/thehive/thehive-simulator.js';
import { TwilioSimulator } from '../../src/sandbox/twilio/twilio-simulator.js';

export const PRIMARY = '+15550000001';
export const SENIORS = ['+15550000002', '+15550000003'];
export const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const TWILIO_TOKEN = 'twilio-test-auth-token-0123456789';
export const HIVE_KEY = 'hive-test-api-key';

/**
 * Severity 2: 2 s sms, 4 s slack+sms, 6 s slack+call (the reference ladder, in seconds).
 * Severity 3: 2 s slack, 5 s slack+call. Severity 4: 1 s slack+sms, 3 s slack+call+escalate. High-risk: URGENT on severity 2.
 */
export const POLICY_YAML = `
# Storm folding has its own test (storm.test.ts); here every alert gets its own messages.
delivery: { fold_notices_after: 100, fold_pages_after: 100 }
sla:
  max_age: 1h
  snooze: 3s
  severities:
    1: { enabled: false, tiers: [] }
    2:
      tiers:
        - { after: 2s, notify: [sms] }
        - { after: 4s, notify: [slack, sms] }
        - { after: 6s, notify: [slack, call] }
    3:
      tiers:
        - { after: 2s, notify: [slack] }
        - { after: 5s, notify: [slack, call] }
    4:
      tiers:
        - { after: 1s, notify: [slack, sms] }
        - { after: 3s, notify: [slack, call, escalate] }
  high_risk: { words: [URGENT], severities: [2], notify: [slack, call] }
oncall:
  primary: ['${PRIMARY}']
  seniors: ['${SENIORS.join("', '")}']
`;

export function writePolicy(yaml = POLICY_YAML): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sla-policy-')), 'policy.yaml');
  writeFileSync(file, yaml);
  return file;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface SlaSims {
  hive: TheHiveSimulator;
  twilio: TwilioSimulator;
  policyFile: string;
  stop(): Promise<void>;
}

export async function startSims(): Promise<SlaSims> {
  const hive = await TheHiveSimulator.start({ apiKey: HIVE_KEY });
  const twilio = await TwilioSimulator.start({ accountSid: ACCOUNT_SID, authToken: TWILIO_TOKEN, stepDelayMs: 5 });
  return {
    hive,
    twilio,
    policyFile: writePolicy(),
    async stop() {
      await twilio.stop();
      await hive.stop();
    },
  };
}

/** Env for the bot; `port` fixes PORT and PUBLIC_URL so Twilio's signed callbacks reach us. */
export function slaEnv(sims: SlaSims, port?: number): Env {
  return {
    POLICY_FILE: sims.policyFile,
    THEHIVE_URL: sims.hive.url,
    THEHIVE_API_KEY: HIVE_KEY,
    THEHIVE_POLL_SECONDS: '1',
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
    TWILIO_FROM_NUMBER: '+15559990000',
    TWILIO_API_URL: sims.twilio.url,
    ...(port ? { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` } : {}),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value (not undefined/false) or the time is up. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 8000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export function smsFor(sims: SlaSims, alertId: string) {
  return sims.twilio.messages().filter((m) => m.body.includes(`alert ${alertId}:`));
}

export function callsFor(sims: SlaSims, alertId: string) {
  return sims.twilio.calls().filter((c) => c.spokenText.some((t) => t.includes(`Alert id ${alertId}.`)));
}

/** Slack messages (notice and replies) about one alert in the alerts channel. */
export function noticeOf(
  sim: {
    messages(c?: string): Array<{ text: string; ts: string; thread_ts?: string; blocks?: unknown[]; edits: number }>;
  },
  alertId: string,
) {
  const all = sim.messages('C0ALERTS');
  const notice = all.find((m) => !m.thread_ts && m.text.includes(`TheHive alert ${alertId},`));
  const replies = notice ? all.filter((m) => m.thread_ts === notice.ts && m.ts !== notice.ts) : [];
  const notices = all.filter((m) => !m.thread_ts && m.text.includes(`TheHive alert ${alertId},`));
  return { notice, replies, notices };
}
