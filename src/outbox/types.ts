/**
 * The outbox's public shapes. Every message the bot sends on its own initiative is an
 * `OutboxMessage` written as a row (in the transaction of the state change that needs it)
 * and delivered later by a sender; see src/outbox/outbox.ts for the interface.
 */

export type OutboxKind = 'slack_post' | 'slack_update' | 'sms' | 'call';

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'superseded' | 'folded';

/** Slack: what chat.postMessage / chat.update take besides channel (and ts/thread_ts when `after` fills them). */
export interface SlackPayload {
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  ts?: string;
  unfurl_links?: boolean;
}

/** SMS: the body. Call: the text spoken. */
export interface PhonePayload {
  text: string;
}

export interface OutboxMessage {
  kind: OutboxKind;
  /** unique forever: a second enqueue with the same key is a no-op (e.g. `confirm:42:dm`) */
  key: string;
  /** Slack channel id (posts and updates), or an E.164 number (sms, call) */
  to: string;
  payload: SlackPayload | PhonePayload;
  /**
   * `type:id` of the domain row told about the result, in the transaction that marks this row
   * sent (see Outbox.onSent), e.g. `confirm.dm:42`
   */
  ref?: string;
  /**
   * Sent only after the row with this key; `thread_ts`/`ts` take its Slack ts (a thread reply
   * or an update of a message that may not be posted yet), `order` only waits.
   */
  after?: { key: string; as: 'thread_ts' | 'ts' | 'order' };
  /**
   * rows of one fold group may be folded into one summary per lane in a storm (`summary`
   * marks the summary itself)
   */
  fold?: 'sla_notice' | 'page' | 'summary';
  /**
   * Within its lane a higher priority is sent before older rows (default 0): a human's "No" or
   * a failed Duo check must not wait behind a backlog of routine time-outs in the same channel.
   * It never overtakes `after`: a child still waits for its parent. Not negative: the lane
   * heads look only for rows above 0 (see OutboxRepository.laneHeads).
   */
  priority?: number;
}

export interface OutboxRow {
  id: number;
  kind: OutboxKind;
  lane: string;
  key: string;
  payload: SlackPayload | PhonePayload;
  ref: string | null;
  dependsOn: string | null;
  dependsAs: 'thread_ts' | 'ts' | 'order' | null;
  fold: string | null;
  priority: number;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: number;
  claimedBy: string | null;
  claimExpiresAt: number | null;
  lastError: string | null;
  resultChannel: string | null;
  resultId: string | null;
  createdAt: number;
  sentAt: number | null;
}

/** What a send produced: Slack's channel and ts, or Twilio's sid (as `id`). */
export interface SendResult {
  channel: string | null;
  id: string | null;
}

/** How a send failed, as the sender decides what to do next. */
export type SendFailure =
  /** `uncounted`: the vendor was not reached at all (DNS, refused), so the row keeps its attempts */
  | { kind: 'transient'; error: string; retryAfterMs?: number; uncounted?: boolean }
  | { kind: 'permanent'; error: string };

export class SendError extends Error {
  constructor(readonly failure: SendFailure) {
    super(failure.error);
  }
}

/** Payloads are bounded: Slack's 40k text plus 50 blocks fit well within this. */
export const MAX_PAYLOAD_BYTES = 200_000;
