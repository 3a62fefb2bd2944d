import { twiml } from './twiml.js';

/** Read twice, as the first wave did: a half-awake listener gets a second chance. */
const GATHER_TIMEOUT_S = 6;

/**
 * A page call that can be answered: the message inside a one-digit DTMF `<Gather>` whose action
 * is our webhook, then once more, then goodbye. Twilio posts the digit to `actionUrl`; with no
 * digit it falls through to the next verb, so silence ends the call and the tier goes on.
 * The builder escapes the text, so alert titles cannot inject markup.
 */
export function buildGatherTwiml(say: string, actionUrl: string, menu: string): string {
  const response = new (twiml().VoiceResponse)();
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
