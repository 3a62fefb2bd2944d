/**
 * What happens to a message or call after Twilio accepts it: the resource
 * moves through Twilio's statuses and, when a StatusCallback was given, each
 * change is POSTed there as a signed form, exactly as Twilio does.
 */
import twilio from 'twilio';
import { API_VERSION, type CallRecord, type MessageRecord, rfc2822 } from './twilio-wire.js';

export type SmsOutcome = 'delivered' | 'undelivered' | 'failed';
export type CallOutcome = 'completed' | 'no-answer' | 'busy' | 'failed';

export interface CallbackDelivery {
  url: string;
  params: Record<string, string>;
  signature: string;
  /** HTTP status the receiver answered with; null when it could not be reached. */
  httpStatus: number | null;
  error: string | null;
}

export interface LifecycleContext {
  authToken: string;
  stepDelayMs: number;
  /** how long an answered call stays in progress before it completes; default stepDelayMs */
  answeredCallMs?: number;
  signal: AbortSignal;
  now(): Date;
  sleep(ms: number): Promise<void>;
  changed(kind: 'message' | 'call', sid: string, status: string): void;
  delivered(delivery: CallbackDelivery): void;
}

const CALLBACK_TIMEOUT_MS = 5_000;

async function postCallback(ctx: LifecycleContext, url: string, params: Record<string, string>): Promise<void> {
  const signature = twilio.getExpectedTwilioSignature(ctx.authToken, url, params);
  const delivery: CallbackDelivery = { url, params, signature, httpStatus: null, error: null };
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Twilio-Signature': signature,
        'User-Agent': 'TwilioProxy/1.1',
      },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(CALLBACK_TIMEOUT_MS)]),
    });
    await response.arrayBuffer();
    delivery.httpStatus = response.status;
  } catch (err) {
    if (ctx.signal.aborted) return;
    delivery.error = err instanceof Error ? err.message : String(err);
  }
  ctx.delivered(delivery);
}

const SMS_STEPS: Record<SmsOutcome, Array<{ status: string; errorCode: number | null }>> = {
  delivered: [
    { status: 'sent', errorCode: null },
    { status: 'delivered', errorCode: null },
  ],
  // 30003 "Unreachable destination handset", 30008 "Unknown error": Twilio's usual codes for these.
  undelivered: [
    { status: 'sent', errorCode: null },
    { status: 'undelivered', errorCode: 30003 },
  ],
  failed: [{ status: 'failed', errorCode: 30008 }],
};

export async function runMessageLifecycle(
  message: MessageRecord,
  outcome: SmsOutcome,
  ctx: LifecycleContext,
): Promise<void> {
  for (const step of SMS_STEPS[outcome]) {
    await ctx.sleep(ctx.stepDelayMs);
    message.status = step.status;
    message.errorCode = step.errorCode;
    message.dateUpdated = ctx.now();
    ctx.changed('message', message.sid, step.status);
    if (!message.statusCallback) continue;
    const params: Record<string, string> = {
      AccountSid: message.accountSid,
      ApiVersion: API_VERSION,
      From: message.from,
      MessageSid: message.sid,
      MessageStatus: step.status,
      SmsSid: message.sid,
      SmsStatus: step.status,
      To: message.to,
    };
    if (step.errorCode !== null) params.ErrorCode = String(step.errorCode);
    await postCallback(ctx, message.statusCallback, params);
  }
}

/** `event` is the StatusCallbackEvent name; `callStatus` what Twilio reports as CallStatus for it. */
const CALL_STEPS: Record<CallOutcome, Array<{ event: string; callStatus: string }>> = {
  completed: [
    { event: 'initiated', callStatus: 'initiated' },
    { event: 'ringing', callStatus: 'ringing' },
    { event: 'answered', callStatus: 'in-progress' },
    { event: 'completed', callStatus: 'completed' },
  ],
  'no-answer': [
    { event: 'initiated', callStatus: 'initiated' },
    { event: 'ringing', callStatus: 'ringing' },
    { event: 'completed', callStatus: 'no-answer' },
  ],
  busy: [
    { event: 'initiated', callStatus: 'initiated' },
    { event: 'completed', callStatus: 'busy' },
  ],
  failed: [{ event: 'completed', callStatus: 'failed' }],
};

/** Seconds a simulated answered call lasts: long enough to hear the message twice. */
const ANSWERED_CALL_SECONDS = 12;

export async function runCallLifecycle(call: CallRecord, outcome: CallOutcome, ctx: LifecycleContext): Promise<void> {
  let sequence = 0;
  const answered = outcome === 'completed';
  for (const step of CALL_STEPS[outcome]) {
    const inProgress = call.status === 'in-progress' && step.event === 'completed';
    await ctx.sleep(inProgress ? (ctx.answeredCallMs ?? ctx.stepDelayMs) : ctx.stepDelayMs);
    // "initiated" is a callback status only; the resource itself stays queued until it rings.
    if (step.callStatus !== 'initiated') call.status = step.callStatus;
    if (step.event === 'completed') call.durationSeconds = answered ? ANSWERED_CALL_SECONDS : 0;
    call.dateUpdated = ctx.now();
    ctx.changed('call', call.sid, step.callStatus);
    // Twilio only sends the events asked for; without StatusCallbackEvent that is just "completed".
    if (!call.statusCallback || !call.statusCallbackEvents.includes(step.event)) continue;
    const params: Record<string, string> = {
      AccountSid: call.accountSid,
      ApiVersion: API_VERSION,
      CallSid: call.sid,
      CallStatus: step.callStatus,
      Called: call.to,
      Caller: call.from,
      CallbackSource: 'call-progress-events',
      Direction: 'outbound-api',
      From: call.from,
      SequenceNumber: String(sequence++),
      Timestamp: rfc2822(call.dateUpdated),
      To: call.to,
    };
    if (step.event === 'completed') {
      params.CallDuration = String(call.durationSeconds ?? 0);
      params.Duration = String(Math.ceil((call.durationSeconds ?? 0) / 60));
    }
    await postCallback(ctx, call.statusCallback, params);
  }
}
