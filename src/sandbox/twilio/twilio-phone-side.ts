/**
 * The people's side of the Twilio simulator: someone (or a voicemail) answers a call and presses
 * keys, someone texts our number. Each webhook is signed exactly as Twilio signs it
 * (X-Twilio-Signature over the URL and the sorted form parameters), so the bot's real
 * `twilio.validateRequest` accepts it.
 */
import twilio from 'twilio';
import { type CallRecord, decodeXmlText, newSid, spokenTextOf } from './twilio-wire.js';

export interface SignedRequest {
  url: string;
  params: Record<string, string>;
  signature: string;
}

export interface WebhookReply {
  request: SignedRequest;
  status: number;
  body: string;
}

export type Answerer = 'human' | 'machine';

/** A text a person sent to our number, or the bot's `<Message>` answer to it (Twilio sends that back). */
export interface PhoneText {
  sid: string;
  from: string;
  to: string;
  body: string;
  direction: 'inbound' | 'reply';
  at: Date;
}

/** Keys a person pressed on a call, and what the bot said back. */
export interface KeyPress {
  callSid: string;
  keys: string;
  heard: string[];
  /** the bot's HTTP answer to the last key's webhook */
  httpStatus: number | null;
  at: Date;
}

export interface CallTranscript {
  /** every webhook the call made (a key press each) and what the bot answered */
  replies: WebhookReply[];
  /** everything the callee heard, in order */
  heard: string[];
}

/** Twilio's AMD result when a voicemail picks up and its greeting ends with a beep. */
const MACHINE_ANSWER = 'machine_end_beep';

export function signRequest(authToken: string, url: string, params: Record<string, string>): SignedRequest {
  return { url, params, signature: twilio.getExpectedTwilioSignature(authToken, url, params) };
}

/** POSTs a signed webhook the way Twilio does; also used to replay one exactly. */
export async function deliverWebhook(request: SignedRequest, signature = request.signature): Promise<WebhookReply> {
  const response = await fetch(request.url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      ...(signature ? { 'X-Twilio-Signature': signature } : {}),
      'User-Agent': 'TwilioProxy/1.1',
    },
    body: new URLSearchParams(request.params).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  return { request, status: response.status, body: await response.text() };
}

/** The first `<Gather>`'s action URL in a TwiML document, decoded; null when there is none. */
export function gatherActionOf(twiml: string): string | null {
  const m = /<Gather\b[^>]*\baction="([^"]*)"/.exec(twiml);
  return m ? decodeXmlText(m[1]!) : null;
}

/**
 * Plays a call: the callee hears the TwiML and presses `keys` one at a time; each key is posted
 * to the current `<Gather>` action and the answer becomes the next TwiML. A machine never
 * presses keys of its own, but a greeting's tones may: `keys` lets a test try exactly that.
 */
export async function answerCall(
  call: CallRecord,
  authToken: string,
  answerer: Answerer,
  keys: string[],
): Promise<CallTranscript> {
  let twiml = call.twiml ?? '';
  const transcript: CallTranscript = { replies: [], heard: [...spokenTextOf(twiml)] };
  for (const key of keys) {
    const action = gatherActionOf(twiml);
    if (action === null) break;
    const params: Record<string, string> = {
      AccountSid: call.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: call.sid,
      CallStatus: 'in-progress',
      Direction: 'outbound-api',
      From: call.from,
      To: call.to,
      Digits: key,
      FinishedOnKey: '',
      msg: 'Gather End',
    };
    if (call.machineDetection) params.AnsweredBy = answerer === 'human' ? 'human' : MACHINE_ANSWER;
    const reply = await deliverWebhook(signRequest(authToken, action, params));
    transcript.replies.push(reply);
    if (reply.status !== 200) break;
    twiml = reply.body;
    transcript.heard.push(...spokenTextOf(twiml));
  }
  return transcript;
}

/** A text from `from` to our number, posted to the number's Messaging webhook. */
export function inboundSmsRequest(
  authToken: string,
  accountSid: string,
  webhookUrl: string,
  from: string,
  to: string,
  body: string,
): SignedRequest {
  const sid = newSid('SM');
  return signRequest(authToken, webhookUrl, {
    ToCountry: 'US',
    SmsMessageSid: sid,
    NumMedia: '0',
    SmsSid: sid,
    SmsStatus: 'received',
    Body: body,
    To: to,
    NumSegments: '1',
    MessageSid: sid,
    AccountSid: accountSid,
    From: from,
    ApiVersion: '2010-04-01',
  });
}

/** The `<Message>` texts of a messaging TwiML reply. */
export function messagesOf(twiml: string): string[] {
  return [...twiml.matchAll(/<Message\b[^>]*>([\s\S]*?)<\/Message>/g)].map((m) => decodeXmlText(m[1]!));
}
