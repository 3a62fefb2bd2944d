/**
 * Twilio's wire shapes for the 2010-04-01 REST API, as the real API sends
 * them, so the real twilio client parses what it would parse in production.
 */
import { randomBytes } from 'node:crypto';

export const API_VERSION = '2010-04-01';
export const E164 = /^\+[1-9]\d{6,14}$/;

export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

export function twilioError(status: number, code: number, message: string): TwilioErrorBody {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** A 34-character resource sid: two-letter prefix and 32 hex digits. */
export function newSid(prefix: 'SM' | 'CA' | 'PN'): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

/** RFC 2822 in GMT, the way Twilio writes `date_created`: `Tue, 01 Jul 2025 12:00:00 +0000`. */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

export interface BasicCredentials {
  username: string;
  password: string;
}

export function parseBasicAuth(header: string | undefined): BasicCredentials | null {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return XML_ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

/** What a callee would hear: the text of each `<Say>` verb, unescaped. */
export function spokenTextOf(twiml: string): string[] {
  return [...twiml.matchAll(/<Say\b[^>]*>([\s\S]*?)<\/Say>/g)].map((match) => decodeXmlText(match[1]!));
}

export interface MessageRecord {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  body: string;
  statusCallback: string | null;
  status: string;
  errorCode: number | null;
  dateCreated: Date;
  dateUpdated: Date;
}

export interface CallRecord {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  twiml: string | null;
  url: string | null;
  /** Text of each `<Say>` in the TwiML, as the callee would hear it. */
  spokenText: string[];
  statusCallback: string | null;
  statusCallbackEvents: string[];
  /** `MachineDetection` as requested (Enable, DetectMessageEnd), null when not asked for */
  machineDetection: string | null;
  status: string;
  durationSeconds: number | null;
  dateCreated: Date;
  dateUpdated: Date;
}

function resourceUri(accountSid: string, collection: 'Messages' | 'Calls', sid: string, suffix = '.json'): string {
  return `/${API_VERSION}/Accounts/${accountSid}/${collection}/${sid}${suffix}`;
}

export function messageJson(message: MessageRecord): Record<string, unknown> {
  const segments = Math.max(1, Math.ceil(message.body.length / 160));
  const sent = message.status === 'sent' || message.status === 'delivered' || message.status === 'undelivered';
  return {
    account_sid: message.accountSid,
    api_version: API_VERSION,
    body: message.body,
    date_created: rfc2822(message.dateCreated),
    date_sent: sent ? rfc2822(message.dateUpdated) : null,
    date_updated: rfc2822(message.dateUpdated),
    direction: 'outbound-api',
    error_code: message.errorCode,
    error_message: null,
    from: message.from,
    messaging_service_sid: null,
    num_media: '0',
    num_segments: String(segments),
    price: null,
    price_unit: 'USD',
    sid: message.sid,
    status: message.status,
    subresource_uris: { media: resourceUri(message.accountSid, 'Messages', message.sid, '/Media.json') },
    to: message.to,
    uri: resourceUri(message.accountSid, 'Messages', message.sid),
  };
}

export function callJson(call: CallRecord): Record<string, unknown> {
  const subresource = (name: string) => resourceUri(call.accountSid, 'Calls', call.sid, `/${name}.json`);
  return {
    account_sid: call.accountSid,
    annotation: null,
    answered_by: null,
    api_version: API_VERSION,
    caller_name: null,
    date_created: rfc2822(call.dateCreated),
    date_updated: rfc2822(call.dateUpdated),
    direction: 'outbound-api',
    duration: call.durationSeconds === null ? null : String(call.durationSeconds),
    end_time: null,
    forwarded_from: null,
    from: call.from,
    from_formatted: call.from,
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: null,
    price: null,
    price_unit: 'USD',
    queue_time: '0',
    sid: call.sid,
    start_time: null,
    status: call.status,
    subresource_uris: {
      notifications: subresource('Notifications'),
      recordings: subresource('Recordings'),
      events: subresource('Events'),
    },
    to: call.to,
    to_formatted: call.to,
    trunk_sid: null,
    uri: resourceUri(call.accountSid, 'Calls', call.sid),
  };
}
