/**
 * Twilio webhooks of the on-call loop: `POST /twilio/voice/gather` (a key pressed during a page
 * call) and `POST /twilio/sms` (a text to TWILIO_FROM_NUMBER). Each request is signature-checked
 * against PUBLIC_URL + path (403, nothing changed, when it does not match) and answered once: a
 * replay gets the first answer back and changes nothing.
 */

import type { Logger } from 'winston';
import { buildGatherTwiml } from '../adapters/twilio/gather-twiml.js';
import { maskNumber } from '../adapters/twilio/phone-numbers.js';
import { type SignedWebhookReader, signedWebhookReader } from '../adapters/twilio/signed-webhook.js';
import { KEYPAD_MENU, twiml } from '../adapters/twilio/twiml.js';
import { parseKeypress, parseSmsReply, SMS_HELP } from '../core/oncall/sms-reply.js';
import type { Clock } from '../core/ports.js';
import { isE164 } from '../core/sla/policy.js';
import type { HttpRequest, HttpResponse, HttpServer } from '../http/server.js';
import type { OnCallRecords } from './oncall-records.js';
import type { OnCallService } from './oncall-service.js';
import type { SlaLookup } from './sla-lookup.js';
import { TWILIO_GATHER_PATH, TWILIO_SMS_PATH } from './twilio-paths.js';
import { escalateAnswer, pageMessage, smsAckAnswer, spokenAckAnswer } from './wording.js';

export { TWILIO_GATHER_PATH, TWILIO_SMS_PATH };

export interface OnCallTwilioDeps {
  service: OnCallService;
  lookup: SlaLookup;
  records: OnCallRecords;
  /** null while Twilio is not configured: every webhook is refused */
  authToken: string | null;
  publicUrl: string;
  /** numbers in the policy (people, primary, seniors): they may text ACK <id> before any page */
  knownNumbers: () => Set<string>;
  /** a number we page texted STOP: said once in the alerts channel */
  reportOptOut: (phone: string) => Promise<void>;
  clock: Clock;
  logger: Logger;
}

type Answer = (params: Record<string, string>) => Promise<string>;

const XML = { 'content-type': 'text/xml; charset=utf-8' };

export function registerOnCallTwilioRoutes(http: HttpServer, d: OnCallTwilioDeps): void {
  const read = signedWebhookReader({ ...d, component: 'oncall' });
  http.route('POST', TWILIO_GATHER_PATH, (req) => handle(req, TWILIO_GATHER_PATH, d, read, (p) => gatherAnswer(p, d)));
  http.route('POST', TWILIO_SMS_PATH, (req) => handle(req, TWILIO_SMS_PATH, d, read, (p) => smsAnswer(p, d)));
}

async function handle(
  req: HttpRequest,
  path: string,
  d: OnCallTwilioDeps,
  read: SignedWebhookReader,
  answer: Answer,
): Promise<HttpResponse> {
  const signed = await read(req, path);
  if (!signed) return { status: 403, body: { error: 'invalid signature' } };
  const { params, url } = signed;
  const seen = await d.records.claimWebhook(path, url, params, d.clock.now().getTime());
  if (seen !== null) {
    d.logger.info('Twilio webhook replayed; answered as before, nothing changed', { component: 'oncall', path });
    return { status: 200, headers: XML, body: seen || emptyResponse() };
  }
  let twiml: string;
  try {
    twiml = await answer(params);
  } catch (err) {
    await d.records.releaseWebhook(url, params).catch(() => {});
    throw err;
  }
  await d.records.storeWebhookAnswer(url, params, twiml);
  return { status: 200, headers: XML, body: twiml };
}

function emptyResponse(): string {
  return new (twiml().MessagingResponse)().toString();
}

function say(text: string): string {
  const r = new (twiml().VoiceResponse)();
  r.say(text);
  r.hangup();
  return r.toString();
}

async function gatherAnswer(p: Record<string, string>, d: OnCallTwilioDeps): Promise<string> {
  const log = d.logger.child({ component: 'oncall', call: p.CallSid });
  // Answering-machine detection: a voicemail greeting's tones must never count as a person.
  const answeredBy = p.AnsweredBy ?? '';
  if (answeredBy.startsWith('machine') || answeredBy === 'fax') {
    log.info('page call answered by a machine; keypress ignored', { answeredBy });
    const r = new (twiml().VoiceResponse)();
    r.hangup();
    return r.toString();
  }
  const target = p.CallSid ? await d.lookup.callTarget(p.CallSid) : null;
  if (!target) return say('This call is not about an alert the bot tracks. Goodbye.');
  const actor = { phone: target.phone };
  const command = parseKeypress(p.Digits);
  log.info('keypress on a page call', { alert: target.alertId, command, to: maskNumber(target.phone) });
  if (command === 'ack') {
    return say(
      spokenAckAnswer(target.alertId, await d.service.acknowledge(target.alertId, actor, 'phone'), d.service.tz),
    );
  }
  if (command === 'escalate') {
    return say(escalateAnswer(target.alertId, await d.service.escalate(target.alertId, actor, 'phone'), true));
  }
  const alert = await d.lookup.alert(target.alertId);
  if (!alert) return say('This alert is no longer tracked. Goodbye.');
  const lead = command === 'repeat' ? '' : 'That key does nothing. ';
  return buildGatherTwiml(`${lead}${pageMessage(alert)}`, `${d.publicUrl}${TWILIO_GATHER_PATH}`, KEYPAD_MENU);
}

async function smsAnswer(p: Record<string, string>, d: OnCallTwilioDeps): Promise<string> {
  const from = p.From ?? '';
  const body = (p.Body ?? '').trim();
  const reply = (text: string) => {
    const r = new (twiml().MessagingResponse)();
    r.message(text);
    return r.toString();
  };
  if (!isE164(from)) return reply(SMS_HELP);
  const now = d.clock.now().getTime();
  // Twilio answers STOP/START itself; we only remember whether SMS can reach the number.
  const keyword = body.toUpperCase();
  if (['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'].includes(keyword)) {
    const first = await d.records.markOptedOut(from, now);
    if (first && (d.knownNumbers().has(from) || (await d.lookup.latestPagedAlert(from)) !== null)) {
      await d.reportOptOut(from).catch((err: unknown) => d.logger.warn('could not report an opt-out', { err }));
    }
    return emptyResponse();
  }
  if (['START', 'YES', 'UNSTOP'].includes(keyword)) {
    await d.records.clearOptOut(from);
    return emptyResponse();
  }
  const command = parseSmsReply(body);
  if (command.kind === 'help') return reply(SMS_HELP);
  const latest = await d.lookup.latestPagedAlert(from);
  if (latest === null && !d.knownNumbers().has(from)) {
    // Someone the bot never paged learns nothing about any alert.
    return reply('This number has not been paged by the SecOps bot, so there is nothing to acknowledge.');
  }
  const alertId = command.alertId ?? latest;
  if (alertId === null) return reply(`No alert has been paged to this number yet. ${SMS_HELP}`);
  const actor = { phone: from };
  if (command.kind === 'ack') {
    return reply(smsAckAnswer(alertId, await d.service.acknowledge(alertId, actor, 'sms'), d.service.tz));
  }
  return reply(escalateAnswer(alertId, await d.service.escalate(alertId, actor, 'sms'), false));
}
