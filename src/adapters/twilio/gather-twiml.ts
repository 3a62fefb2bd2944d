import { createRequire } from 'node:module';

// The SDK is required on first use, not at import: a bot without Twilio never loads it.
const require = createRequire(import.meta.url);
const sdk = () => require('twilio') as typeof import('twilio');

/** What a page call reads after the alert; the keypad webhook acts on these digits. */
export const KEYPAD_MENU = 'Press 1 to acknowledge. Press 2 to escalate to the seniors now. Press 9 to repeat.';

/** Read twice, as the first wave did: a half-awake listener gets a second chance. */
const GATHER_TIMEOUT_S = 6;

/**
 * A page call that can be answered: the message inside a one-digit DTMF `<Gather>` whose action
 * is our webhook, then once more, then goodbye. Twilio posts the digit to `actionUrl`; with no
 * digit it falls through to the next verb, so silence ends the call and the tier goes on.
 * The builder escapes the text, so alert titles cannot inject markup.
 */
export function buildGatherTwiml(say: string, actionUrl: string, menu: string): string {
  const response = new (sdk().twiml.VoiceResponse)();
  for (const text of [say, `Again. ${say}`]) {
    const gather = response.gather({
      input: ['dtmf'],
      numDigits: 1,
      timeout: GATHER_TIMEOUT_S,
      action: actionUrl,
      method: 'POST',
    });
    gather.say(`${text} ${menu}`);
  }
  response.say('No key was pressed. Goodbye.');
  return response.toString();
}
