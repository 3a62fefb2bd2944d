import type { WebClient } from '@slack/web-api';
import type { Logger } from 'winston';
import type { DuoUsernameFrom } from '../config/env.js';
import type { ConfirmPolicy } from '../core/confirm/policy.js';
import type { Clock, PushSecondFactorPort, SecondFactorPort } from '../core/ports.js';
import type { HomeSignals } from '../feature.js';
import type { Outbox } from '../outbox/outbox.js';
import type { RetryPolicy } from '../retry/retry.js';
import type { DuoStateStore } from './duo-states.js';
import type { IgnoreRuleStore } from './ignore-rule-store.js';
import type { PushTuning } from './push/push-runner.js';
import type { PushStore } from './push/push-store.js';
import type { KnexConfirmationRepo } from './repository.js';

/** Everything the confirmation flow's parts share; built once by createConfirmFeature. */
export interface ConfirmContext {
  repo: KnexConfirmationRepo;
  duoStates: DuoStateStore;
  rules: IgnoreRuleStore;
  outbox: Outbox;
  slack: WebClient;
  secondFactor: SecondFactorPort | null;
  /** Duo Push (Auth API); null when DUO_AUTH_API_* is not set */
  push: PushSecondFactorPort | null;
  pushes: PushStore;
  pushTuning: PushTuning;
  /** this replica, as the owner of push leases */
  replicaId: string;
  /** runs the push for this alert in the background (or joins it when already running) */
  startPush(alertId: number): void;
  duoUsernameFrom: DuoUsernameFrom;
  policy: ConfirmPolicy;
  clock: Clock;
  logger: Logger;
  escalationChannel: string;
  /** retries of a failed Slack look-up (a 429 also waits its Retry-After) */
  lookupRetry: RetryPolicy;
  /** aborted by stop(): retry waits end early so shutdown is not held up */
  stopping: AbortSignal;
  /** alerts changed: the deadline scheduler re-arms */
  changed(): void;
  /** the Home tab, when wired: told whose Home changed, and given answers to clicks made there */
  home?: HomeSignals;
}

/** How long a user gets to finish Duo after answering yes (also the Duo state's lifetime). */
export function verifyWindowMs(policy: ConfirmPolicy): number {
  return Math.min(policy.timeoutMs, 10 * 60_000);
}

/** How long after a "no" the user's next DM is taken as their explanation. */
export const COMMENT_WINDOW_MS = 30 * 60_000;
