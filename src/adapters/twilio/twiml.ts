import { createRequire } from 'node:module';

// Loaded on the first webhook, not at start: a bot without Twilio never pays for the SDK.
const require = createRequire(import.meta.url);

/** The twilio package's TwiML builders (VoiceResponse, MessagingResponse). */
export function twiml(): typeof import('twilio').twiml {
  return (require('twilio') as typeof import('twilio')).twiml;
}

/** What the keypad does, said after the message. */
export const KEYPAD_MENU = 'Press 1 to acknowledge. Press 2 to escalate to the seniors now. Press 9 to repeat.';
