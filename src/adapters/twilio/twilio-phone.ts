import twilio from 'twilio';
import type { Logger } from 'winston';
import type { PhonePort, PhoneSendResult } from '../../core/ports.js';
import { SecOpsError } from '../../errors.js';
import { ApiUrlRequestClient } from './api-url-request-client.js';
import { buildGatherTwiml, KEYPAD_MENU } from './gather-twiml.js';
import { maskNumber, requireE164 } from './phone-numbers.js';
import { translateTwilioError } from './twilio-errors.js';

export interface TwilioPhoneOptions {
  accountSid: string;
  authToken: string;
  fromNumber: string;
  /** Twilio REST base; every request goes here (the sandbox points it at the simulator). */
  apiUrl?: string;
  /** Where Twilio POSTs message and call status changes. */
  statusCallbackUrl?: string;
  logger: Logger;
  /** Per-request timeout; twilio's own default is 30 s, too long for an escalation step. */
  timeoutMs?: number;
  /**
   * PUBLIC_URL/twilio/voice/gather: when set, every call is answerable (press 1, 2, 9) and asks
   * for answering-machine detection, so a voicemail can never acknowledge.
   */
  gatherUrl?: string;
}

/** What the keypad does, said after the message. */
export { KEYPAD_MENU };

/** Every call progress event, so the SLA service can tell "answered" from "rang out". */
const CALL_EVENTS = ['initiated', 'ringing', 'answered', 'completed'];

/** Pause between the two readings, so a half-awake listener gets a second chance. */
const PAUSE_BETWEEN_READINGS_S = 2;

/**
 * The message spoken on a call: the text twice with a pause. The TwiML builder
 * escapes the text, so alert titles with `<` or `&` cannot break or inject markup.
 */
export function buildSpokenTwiml(say: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(say);
  response.pause({ length: PAUSE_BETWEEN_READINGS_S });
  response.say(say);
  return response.toString();
}

/**
 * PhonePort over the real twilio package. It never retries: the SLA service
 * decides whether and when to try again, and the request client is built with
 * autoRetry off so the library does not retry 429s behind our back either.
 */
export class TwilioPhone implements PhonePort {
  private readonly client: twilio.Twilio;
  private readonly fromNumber: string;
  private readonly statusCallbackUrl: string | undefined;
  private readonly gatherUrl: string | undefined;
  private readonly logger: Logger;

  constructor(options: TwilioPhoneOptions) {
    if (!options.accountSid.startsWith('AC')) {
      throw new SecOpsError('config', 'TWILIO_ACCOUNT_SID must start with AC');
    }
    if (!options.authToken) {
      throw new SecOpsError('config', 'TWILIO_AUTH_TOKEN is empty');
    }
    try {
      this.fromNumber = requireE164(options.fromNumber, 'TWILIO_FROM_NUMBER');
    } catch {
      throw new SecOpsError('config', 'TWILIO_FROM_NUMBER is not an E.164 phone number');
    }
    this.statusCallbackUrl = options.statusCallbackUrl;
    this.gatherUrl = options.gatherUrl;
    this.logger = options.logger.child({ component: 'twilio' });
    this.client = twilio(options.accountSid, options.authToken, {
      httpClient: new ApiUrlRequestClient(options.apiUrl ?? 'https://api.twilio.com', options.timeoutMs ?? 10_000),
      // Pinned so TWILIO_LOG_LEVEL=debug in the environment cannot make the
      // library console.log request details outside our logger.
      logLevel: 'info',
    });
  }

  async sendSms(to: string, body: string): Promise<PhoneSendResult> {
    requireE164(to, 'recipient');
    if (body.trim() === '') throw new SecOpsError('invalid_input', 'SMS body is empty');
    const log = this.logger.child({ to: maskNumber(to) });
    try {
      const message = await this.client.messages.create({
        to,
        from: this.fromNumber,
        body,
        ...(this.statusCallbackUrl ? { statusCallback: this.statusCallbackUrl } : {}),
      });
      log.info('sms queued', { sid: message.sid, status: message.status });
      return { sid: message.sid, status: message.status };
    } catch (err) {
      const failure = translateTwilioError(err, 'SMS');
      log.warn('sms failed', { code: failure.code, error: failure.message });
      throw failure;
    }
  }

  async call(to: string, say: string): Promise<PhoneSendResult> {
    requireE164(to, 'recipient');
    if (say.trim() === '') throw new SecOpsError('invalid_input', 'call text is empty');
    const log = this.logger.child({ to: maskNumber(to) });
    try {
      const call = await this.client.calls.create({
        to,
        from: this.fromNumber,
        ...(this.gatherUrl
          ? { twiml: buildGatherTwiml(say, this.gatherUrl, KEYPAD_MENU), machineDetection: 'Enable' }
          : { twiml: buildSpokenTwiml(say) }),
        ...(this.statusCallbackUrl
          ? { statusCallback: this.statusCallbackUrl, statusCallbackEvent: CALL_EVENTS, statusCallbackMethod: 'POST' }
          : {}),
      });
      log.info('call queued', { sid: call.sid, status: call.status });
      return { sid: call.sid, status: call.status };
    } catch (err) {
      const failure = translateTwilioError(err, 'call');
      log.warn('call failed', { code: failure.code, error: failure.message });
      throw failure;
    }
  }
}
