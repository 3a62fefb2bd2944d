import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'winston';
import type { Config } from './config/env.js';
import type { DigestInput } from './core/digest/index.js';
import type { Clock } from './core/ports.js';
import type { HttpServer } from './http/server.js';
import type { Outbox } from './outbox/outbox.js';
import type { DmHandler } from './slack/listeners/direct-messages.js';
import type { Responders } from './slack/responders.js';
import type { Db } from './store/db.js';
import type { LeaseKeeper } from './store/leases.js';

/** What the composition root hands every feature. */
export interface FeatureDeps {
  config: Config;
  db: Db;
  logger: Logger;
  clock: Clock;
  /** Web API client for reads (users.info, …) */
  slack: WebClient;
  /** every message the bot sends on its own initiative: a row first (src/outbox/outbox.ts) */
  outbox: Outbox;
  /** held by exactly one replica: only that one runs schedulers and pollers */
  lease: LeaseKeeper;
  /** who may promote, snooze and manage rules */
  responders: Responders;
  /** the Home tab, told when something on someone's Home changed; absent when Home is not wired */
  home?: HomeSignals;
}

/** How features keep Home tabs current without knowing how they are drawn (src/home). */
export interface HomeSignals {
  /** these people's Homes (or every responder's) show something that just changed */
  changed(who: readonly string[] | 'responders'): void;
  /** a click made on the Home has no message or response_url to answer in: the answer goes on the Home */
  reply(userId: string, text: string): void;
}

/** A feature's own figures for the daily digest (last 24 h), when it is enabled. */
export type FeatureActivity = NonNullable<DigestInput['activity']>;

/**
 * A feature (confirmations, SLA monitor, digest) plugs into the bot through these
 * optional hooks, so main.ts wires it with one line and no feature knows another.
 */
export interface Feature {
  name: string;
  /** lines for the DM `help` answer */
  helpLines?: string[];
  dmHandlers?: DmHandler[];
  registerSlack?(app: App): void;
  registerHttp?(http: HttpServer): void;
  /** after migrations; background work should wait for the lease */
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /** figures since `since` for the digest; omit when the feature is off */
  activity?(since: Date): Promise<FeatureActivity>;
}
