/**
 * Shared set-up for the on-call end-to-end tests: the SLA simulators with a policy whose
 * tiers page within a second, seniors by name and number, and the bot's PUBLIC_URL fixed so
 * that Twilio's signed webhooks (made by the simulator) are checked against the right URL.
 */
import type { Env } from '../../src/config/env.js';
import { type Harness, startHarness } from '../helpers/bot-harness.js';
import { freePort, PRIMARY, type SlaSims, slaEnv, startSims, writePolicy } from '../sla/sla-helpers.js';

export const SENIOR_CAROL = '+15550000003';
export const SENIOR_NUMBER = '+15550000002';
export const STRANGER = '+15557770000';
export const BOT_NUMBER = '+15559990000';

/** Severity 2: SMS at 1 s. Severity 3: Slack notice and a call at 1 s. Later tiers far away. */
export function onCallPolicy(extra = ''): string {
  return `
sla:
  max_age: 1h
  ack_timeout: 2s
  severities:
    1: { enabled: false, tiers: [] }
    2:
      tiers:
        - { after: 1s, notify: [slack, sms] }
        - { after: 10m, notify: [slack, call] }
    3:
      tiers:
        - { after: 1s, notify: [slack, call] }
        - { after: 10m, notify: [slack, escalate] }
    4: { enabled: false, tiers: [] }
  high_risk: { words: [], severities: [], notify: [slack] }
oncall:
  people:
    alice: { slack: U0ALICE, phone: "${PRIMARY}" }
    carol: { slack: U0CAROL, phone: "${SENIOR_CAROL}" }
  primary: ["${PRIMARY}"]
  seniors: [carol, "${SENIOR_NUMBER}"]
${extra}`;
}

/**
 * Severity 3 alone: a Slack notice and a call at 1 s, then the seniors' escalation after
 * `escalateAfter`; the other severities off. `oncall` is the policy's `oncall:` block, indented.
 */
export function callThenEscalatePolicy(escalateAfter: string, oncall: string): string {
  return `
sla:
  max_age: 1h
  ack_timeout: 30m
  severities:
    1: { enabled: false, tiers: [] }
    2: { enabled: false, tiers: [] }
    3:
      tiers:
        - { after: 1s, notify: [slack, call] }
        - { after: ${escalateAfter}, notify: [slack, escalate] }
    4: { enabled: false, tiers: [] }
  high_risk: { words: [], severities: [], notify: [slack] }
oncall:
${oncall}`;
}

export interface OnCallRig {
  sims: SlaSims;
  h: Harness;
  stop(): Promise<void>;
}

export async function startOnCallRig(policy = onCallPolicy(), env: Env = {}): Promise<OnCallRig> {
  const sims = await startSims();
  const port = await freePort();
  const h = await startHarness({ env: { ...slaEnv(sims, port), POLICY_FILE: writePolicy(policy), ...env } });
  sims.twilio.setMessagingWebhook(`http://127.0.0.1:${port}/twilio/sms`);
  return {
    sims,
    h,
    async stop() {
      await h.stop();
      await sims.stop();
    },
  };
}
