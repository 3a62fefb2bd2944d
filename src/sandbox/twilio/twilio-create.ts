/**
 * Validation and record creation for POST Messages.json / Calls.json, with the
 * error codes Twilio answers for each missing or malformed parameter.
 */
import {
  type CallRecord,
  E164,
  type MessageRecord,
  newSid,
  spokenTextOf,
  type TwilioErrorBody,
  twilioError,
} from './twilio-wire.js';

export type FormParams = URLSearchParams;

export type Created<T> = { ok: true; record: T } | { ok: false; error: TwilioErrorBody };

const MAX_BODY_CHARS = 1600;
const MAX_TWIML_CHARS = 4000;

function invalid(code: number, message: string): { ok: false; error: TwilioErrorBody } {
  return { ok: false, error: twilioError(400, code, message) };
}

function param(form: FormParams, name: string): string | null {
  const value = form.get(name);
  return value === null || value === '' ? null : value;
}

export function createMessage(form: FormParams, accountSid: string, now: Date): Created<MessageRecord> {
  const to = param(form, 'To');
  const from = param(form, 'From');
  const body = param(form, 'Body');
  if (to === null) return invalid(21604, "A 'To' phone number is required.");
  if (!E164.test(to)) return invalid(21211, `The 'To' number ${to} is not a valid phone number.`);
  if (from === null) return invalid(21603, "A 'From' phone number is required.");
  if (!E164.test(from)) return invalid(21212, `The 'From' number ${from} is not a valid phone number.`);
  if (body === null) return invalid(21602, 'Message body is required.');
  if (body.length > MAX_BODY_CHARS) {
    return invalid(21617, 'The concatenated message body exceeds the 1600 character limit.');
  }
  return {
    ok: true,
    record: {
      sid: newSid('SM'),
      accountSid,
      to,
      from,
      body,
      statusCallback: param(form, 'StatusCallback'),
      status: 'queued',
      errorCode: null,
      dateCreated: now,
      dateUpdated: now,
    },
  };
}

export function createCall(form: FormParams, accountSid: string, now: Date): Created<CallRecord> {
  const to = param(form, 'To');
  const from = param(form, 'From');
  const twiml = param(form, 'Twiml');
  const url = param(form, 'Url');
  if (to === null) return invalid(21201, "No 'To' number is specified");
  if (!E164.test(to)) return invalid(21211, `The 'To' number ${to} is not a valid phone number.`);
  if (from === null) return invalid(21213, "No 'From' number is specified");
  if (!E164.test(from)) return invalid(21212, `The 'From' number ${from} is not a valid phone number.`);
  if (twiml === null && url === null && param(form, 'ApplicationSid') === null) {
    return invalid(21205, "Either a 'Url', 'ApplicationSid' or 'Twiml' parameter is required");
  }
  if (twiml !== null && twiml.length > MAX_TWIML_CHARS) {
    return invalid(21220, 'Twiml parameter exceeds the 4000 character limit');
  }
  const statusCallback = param(form, 'StatusCallback');
  const requestedEvents = form.getAll('StatusCallbackEvent').flatMap((event) => event.split(/[\s,]+/));
  return {
    ok: true,
    record: {
      sid: newSid('CA'),
      accountSid,
      to,
      from,
      twiml,
      url,
      spokenText: twiml === null ? [] : spokenTextOf(twiml),
      statusCallback,
      statusCallbackEvents: requestedEvents.length > 0 ? requestedEvents.filter(Boolean) : ['completed'],
      machineDetection: param(form, 'MachineDetection'),
      status: 'queued',
      durationSeconds: null,
      dateCreated: now,
      dateUpdated: now,
    },
  };
}
