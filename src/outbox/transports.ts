/**
 * The two ways a row leaves the bot: Slack's Web API and Twilio. Each turns the vendor's answer
 * into a result or a SendError that says whether trying again can help, so the sender's retry
 * policy is one and the vendors' error shapes stay here.
 */
import type { WebClient } from '@slack/web-api';
import { twilioCodeOf } from '../adapters/twilio/twilio-errors.js';
import type { PhonePort } from '../core/ports.js';
import { isSecOpsError } from '../errors.js';
import { type OutboxRow, type PhonePayload, SendError, type SendResult, type SlackPayload } from './types.js';

export interface Transport {
  send(row: OutboxRow, payload: SlackPayload | PhonePayload): Promise<SendResult>;
}

/** Slack answers that no retry can fix: the message or the channel itself is wrong. */
const SLACK_PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'msg_too_long',
  'no_text',
  'invalid_blocks',
  'invalid_blocks_format',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'user_not_found',
  'user_disabled',
  'restricted_action',
  'invalid_arguments',
]);

export function slackTransport(client: WebClient): Transport {
  return {
    async send(row, payload) {
      const p = payload as SlackPayload;
      try {
        if (row.kind === 'slack_update') {
          if (!p.ts) throw new SendError({ kind: 'permanent', error: 'update without a message ts' });
          const res = await client.chat.update({ channel: row.lane, ...p, ts: p.ts } as never);
          return {
            channel: (res.channel as string | undefined) ?? row.lane,
            id: (res.ts as string | undefined) ?? p.ts,
          };
        }
        const res = await client.chat.postMessage({ channel: row.lane, ...p } as never);
        return { channel: res.channel ?? row.lane, id: res.ts ?? null };
      } catch (err) {
        throw err instanceof SendError ? err : new SendError(classifySlack(err));
      }
    },
  };
}

function classifySlack(err: unknown) {
  const e = err as { code?: string; retryAfter?: number; data?: { error?: string }; message?: string };
  if (e.code === 'slack_webapi_rate_limited_error') {
    return { kind: 'transient' as const, error: 'rate limited', retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
  }
  const slackError = e.data?.error;
  if (e.code === 'slack_webapi_platform_error' && slackError && SLACK_PERMANENT.has(slackError)) {
    return { kind: 'permanent' as const, error: `Slack: ${slackError}` };
  }
  if (e.code === 'slack_webapi_platform_error' && slackError && /auth|token/.test(slackError)) {
    // A wrong or revoked token is fixed by an operator; keep the row until then (bounded attempts).
    return { kind: 'transient' as const, error: `Slack: ${slackError}` };
  }
  // No answer from Slack at all (DNS, refused, reset): an outage, not a bad message. The row waits
  // for Slack without using up its attempts, so a long outage delays messages but loses none.
  const unreached = e.code === 'slack_webapi_request_error';
  return { kind: 'transient' as const, error: String(e.message ?? err).slice(0, 300), uncounted: unreached };
}

/**
 * Twilio: `unavailable` and `rate_limited` surely did not reach Twilio and are retried. A
 * time-out may have been accepted, so it is not retried (a person would be texted or called
 * twice); it is reported as possibly sent.
 */
export function phoneTransport(phone: PhonePort): Transport {
  return {
    async send(row, payload) {
      const text = (payload as PhonePayload).text;
      try {
        const res = row.kind === 'sms' ? await phone.sendSms(row.lane, text) : await phone.call(row.lane, text);
        return { channel: null, id: res.sid };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        // The code names a cause the message may not (21610: the number texted STOP); domains act on it.
        const code = twilioCodeOf(err);
        const error = code === undefined ? message : `Twilio error ${code}: ${message}`;
        if (isSecOpsError(err, 'unavailable') || isSecOpsError(err, 'rate_limited')) {
          throw new SendError({ kind: 'transient', error });
        }
        if (isSecOpsError(err, 'timeout')) {
          throw new SendError({ kind: 'permanent', error: `timed out; it may or may not have been sent: ${error}` });
        }
        throw new SendError({ kind: 'permanent', error });
      }
    },
  };
}
