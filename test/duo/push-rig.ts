/**
 * The real bot with Duo Push configured (Auth API keys, the simulator's CA) and, unless asked
 * otherwise, the Universal Prompt too as the fallback. Short long polls and scans keep tests fast.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BotOptions } from '../../main.js';
import { DuoSimulator, type SimPush } from '../../src/sandbox/duo/duo-simulator.js';
import { API_TOKEN } from '../confirm/helpers.js';
import { type Harness, type HarnessOptions, startHarness } from '../helpers/bot-harness.js';

export const PUSH_IKEY = 'DIPUSHRIGIKEY0000001';
export const PUSH_SKEY = 'k'.repeat(40);

/** The environment an operator would set for Duo Push (and the prompt as fallback) against this simulator. */
export function pushEnv(duo: DuoSimulator, policyFile: string, prompt = true): Record<string, string> {
  const env: Record<string, string> = {
    POLICY_FILE: policyFile,
    API_TOKEN,
    DUO_AUTH_API_IKEY: PUSH_IKEY,
    DUO_AUTH_API_SKEY: PUSH_SKEY,
    DUO_AUTH_API_HOST: duo.apiHost,
    DUO_CA_FILE: duo.caFile,
  };
  if (prompt) {
    Object.assign(env, {
      DUO_CLIENT_ID: 'DIAAAAAAAAAAAAAAAAAA',
      DUO_CLIENT_SECRET: 's'.repeat(40),
      DUO_API_HOST: duo.apiHost,
    });
  }
  return env;
}

export const PUSH_BOT_OPTIONS: BotOptions = {
  duoStatusTimeoutMs: 2000,
  confirm: { pushTuning: { pollIntervalMs: 20, backoffMs: 50, maxBackoffMs: 200, leaseMs: 5000, scanIntervalMs: 200 } },
};

export interface PushRig {
  h: Harness;
  duo: DuoSimulator;
  stop(): Promise<void>;
}

export interface PushRigOptions {
  /** YAML lines of the `confirm:` section */
  policy?: string;
  /** also configure the Universal Prompt (the fallback); default true */
  prompt?: boolean;
  pushTimeoutMs?: number;
  harness?: HarnessOptions;
  env?: Record<string, string>;
}

export async function startPushRig(options: PushRigOptions = {}): Promise<PushRig> {
  const dir = mkdtempSync(join(tmpdir(), 'push-policy-'));
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, `confirm:\n${options.policy ?? '  timeout: 1h\n'}`);
  const duo = await DuoSimulator.start({
    clientId: 'DIAAAAAAAAAAAAAAAAAA',
    clientSecret: 's'.repeat(40),
    authApi: { ikey: PUSH_IKEY, skey: PUSH_SKEY, pushTimeoutMs: options.pushTimeoutMs ?? 60_000, longPollMs: 300 },
  });
  const env: Record<string, string> = {
    POLICY_FILE: policyFile,
    API_TOKEN,
    DUO_AUTH_API_IKEY: PUSH_IKEY,
    DUO_AUTH_API_SKEY: PUSH_SKEY,
    DUO_AUTH_API_HOST: duo.apiHost,
    DUO_CA_FILE: duo.caFile,
  };
  if (options.prompt !== false) {
    Object.assign(env, {
      DUO_CLIENT_ID: 'DIAAAAAAAAAAAAAAAAAA',
      DUO_CLIENT_SECRET: 's'.repeat(40),
      DUO_API_HOST: duo.apiHost,
    });
  }
  const h = await startHarness({
    ...options.harness,
    env: { ...env, ...options.env, ...options.harness?.env },
    botOptions: {
      duoStatusTimeoutMs: 2000,
      confirm: {
        pushTuning: { pollIntervalMs: 20, backoffMs: 50, maxBackoffMs: 200, leaseMs: 5000, scanIntervalMs: 200 },
      },
      ...options.harness?.botOptions,
    },
  });
  return {
    h,
    duo,
    async stop() {
      await h.stop();
      await duo.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The push the simulator received for this user, once it arrives. */
export async function waitForPush(duo: DuoSimulator, username: string, timeoutMs = 10_000): Promise<SimPush> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const p = duo.authApi!.pushes().find((x) => x.username === username && x.result === 'waiting');
    if (p) return p;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no push for ${username} within ${timeoutMs} ms`);
}
