/**
 * What an inbound SMS asks for. People type on phones at night: case, spaces and a trailing
 * full stop do not matter; anything unrecognised is answered with the help text.
 */
export type SmsCommand =
  | { kind: 'ack'; alertId: string | null }
  | { kind: 'escalate'; alertId: string | null }
  | { kind: 'help' };

/** TheHive ids (`~40968`) and the like; never more than the store keeps. */
const ALERT_ID = /^~?[A-Za-z0-9_-]{1,64}$/;

/** No command is longer than "ack" and an id; a longer text is never one (and is not scanned). */
const MAX_COMMAND_LENGTH = 100;

export function parseSmsReply(body: string): SmsCommand {
  const text = body.trim();
  if (text.length > MAX_COMMAND_LENGTH) return { kind: 'help' };
  // A loop, not /[.!]+$/: the engine retries that pattern from every "!" of a long run.
  let end = text.length;
  while (end > 0 && (text[end - 1] === '.' || text[end - 1] === '!')) end--;
  const words = text.slice(0, end).split(/\s+/).filter(Boolean);
  const [verb = '', arg, ...rest] = words;
  if (rest.length > 0) return { kind: 'help' };
  const v = verb.toLowerCase();
  const id = arg === undefined ? null : ALERT_ID.test(arg) ? arg : undefined;
  if (id === undefined) return { kind: 'help' };
  if (v === '1' || v === 'ack') return { kind: 'ack', alertId: id };
  if (v === '2' || v === 'esc') return { kind: 'escalate', alertId: id };
  return { kind: 'help' };
}

/** Appended to every page SMS so the person knows they can answer. */
export const SMS_REPLY_HINT = 'Reply 1 or ACK to acknowledge, 2 or ESC to escalate.';

export const SMS_HELP =
  'SecOps bot: reply 1 or ACK to acknowledge the latest alert paged to you, ACK <alert id> for another, 2 or ESC to escalate to the seniors.';

/** Keypad digits of the voice menu. */
export type KeypressCommand = 'ack' | 'escalate' | 'repeat' | 'unknown';

export function parseKeypress(digits: string | undefined): KeypressCommand {
  if (digits === '1') return 'ack';
  if (digits === '2') return 'escalate';
  if (digits === '9') return 'repeat';
  return 'unknown';
}
