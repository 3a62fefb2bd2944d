import type { PublishedHome } from './home-tabs.js';

/** A Block Kit block or element as JSON; the simulator stores blocks as sent and only inspects buttons. */
export type Block = Record<string, unknown>;

export interface SimUser {
  id: string;
  name: string;
  realName: string;
  firstName: string;
  lastName: string;
  email?: string;
  deleted: boolean;
  isBot: boolean;
  /** Set for bot users: the `B…` id their messages carry as `bot_id`. */
  botId?: string;
  tz: string;
}

export interface SimChannel {
  id: string;
  name: string;
  /** User ids; whether the bot user is listed decides `not_in_channel`. */
  members: string[];
}

export interface WorkspaceSeed {
  teamId: string;
  teamName: string;
  teamDomain: string;
  appId: string;
  botUserId: string;
  botId: string;
  users: SimUser[];
  channels: SimChannel[];
}

/** A message as the channel history holds it; snapshots of it are what listeners and waiters receive. */
export interface SlackMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  user: string;
  bot_id?: string;
  subtype?: string;
  text: string;
  blocks?: Block[];
  /** How many times chat.update or a replacing response_url changed it. */
  edits: number;
}

export interface EphemeralMessage {
  channel: string;
  /** The one user who sees it. */
  user: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: Block[];
  via: 'chat.postEphemeral' | 'response_url';
}

export type EnvelopeType = 'events_api' | 'slash_commands' | 'interactive';

/** The JSON frame Slack writes to a Socket Mode WebSocket for one delivery attempt. */
export interface Envelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

export interface AckRecord {
  envelopeId: string;
  type: EnvelopeType;
  retryAttempt: number;
  latencyMs: number;
  /** What the client put in `payload` of its ack (Bolt sends `{}` when ack() has no argument). */
  payload: Record<string, unknown> | undefined;
}

export interface AckStats {
  acked: number;
  /** Envelopes whose ack window passed without an ack (each attempt counts). */
  timedOut: number;
  /** Deliveries still waiting for an ack right now. */
  pending: number;
  latenciesMs: number[];
  p50Ms: number | undefined;
  p95Ms: number | undefined;
  maxMs: number | undefined;
}

/** An injected failure for the next call(s) of a Web API method. */
export type ApiFault = { status: 429; retryAfter?: number } | { status: 500 | 502 | 503 } | { error: string };

export type DisconnectReason = 'refresh_requested' | 'warning' | 'link_disabled';

export interface MessageRef {
  channel: string;
  ts: string;
}

/** Events the simulator emits, for the sandbox page and for tests that want to observe rather than poll. */
export interface SlackSimulatorEvents {
  message: [SlackMessage];
  update: [SlackMessage];
  delete: [SlackMessage];
  ephemeral: [EphemeralMessage];
  envelope: [Envelope];
  ack: [AckRecord];
  connection: [{ open: number }];
  /** a views.publish replaced someone's Home tab */
  home: [PublishedHome];
}
