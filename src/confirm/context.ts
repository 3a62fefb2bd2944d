import type { WebClient } from '@slack/web-api';
import type { Logger } from 'winston';
import type { ConfirmPolicy } from '../core/confirm/policy.js';
import type { Clock, SecondFactorPort } from '../core/ports.js';
import type { Outbox } from '../outbox/outbox.js';
import type { DuoStateStore } from './duo-states.js';
import type { IgnoreRuleStore } from './ignore-rule-store.js';
import type { KnexConfirmationRepo } from './repository.js';

/** Everything the confirmation flow's parts share; built once by createConfirmFeature. */
export interface ConfirmContext {
  repo: KnexConfirmationRepo;
  duoStates: DuoStateStore;
  rules: IgnoreRuleStore;
  outbox: Outbox;
  slack: WebClient;
  secondFactor: SecondFactorPort | null;
  policy: ConfirmPolicy;
  clock: Clock;
  logger: Logger;
  escalationChannel: string;
  /** waits between retries of a failed Slack read (a 429 waits at least its Retry-After) */
  retryDelaysMs: readonly number[];
  /** aborted by stop(): retry waits end early so shutdown is not held up */
  stopping: AbortSignal;
  /** alerts changed: the deadline scheduler re-arms */
  changed(): void;
}

/** How long a user gets to finish Duo after answering yes (also the Duo state's lifetime). */
export function verifyWindowMs(policy: ConfirmPolicy): number {
  return Math.min(policy.timeoutMs, 10 * 60_000);
}

/** How long after a "no" the user's next DM is taken as their explanation. */
export const COMMENT_WINDOW_MS = 30 * 60_000;
