import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import twilio from 'twilio';
import { buildGatherTwiml } from '../../src/adapters/twilio/gather-twiml.js';
import { isUnsubscribedRecipient, translateTwilioError } from '../../src/adapters/twilio/twilio-errors.js';
import { KEYPAD_MENU } from '../../src/adapters/twilio/twiml.js';
import { gatherActionOf, inboundSmsRequest, signRequest } from '../../src/sandbox/twilio/twilio-phone-side.js';
import { spokenTextOf } from '../../src/sandbox/twilio/twilio-wire.js';

const TOKEN = 'auth-token-for-signatures-0123';

describe('page call TwiML', () => {
  const twiml = buildGatherTwiml(
    'Alert <b>"x" & y</b>',
    'https://bot.example.com/twilio/voice/gather?a=1&b=2',
    KEYPAD_MENU,
  );

  it('is two one-digit DTMF Gathers posting to the action, then goodbye', () => {
    assert.equal(
      twiml.match(/<Gather input="dtmf" numDigits="1" timeout="6" action="[^"]+" method="POST">/g)?.length,
      2,
    );
    assert.equal(gatherActionOf(twiml), 'https://bot.example.com/twilio/voice/gather?a=1&b=2');
    assert.match(twiml, /<Say>No key was pressed\. Goodbye\.<\/Say><\/Response>$/);
  });

  it('escapes alert text, so a title cannot inject TwiML', () => {
    assert.ok(!twiml.includes('<b>'));
    assert.equal(spokenTextOf(twiml)[0], `Alert <b>"x" & y</b> ${KEYPAD_MENU}`);
  });
});

describe('webhook signatures made by the simulator', () => {
  it('the real twilio.validateRequest accepts them, with a query string too; a changed parameter fails', () => {
    const url = 'http://127.0.0.1:3000/twilio/voice/gather?attempt=2';
    const signed = signRequest(TOKEN, url, { CallSid: 'CA1', Digits: '1' });
    assert.equal(twilio.validateRequest(TOKEN, signed.signature, url, signed.params), true);
    assert.equal(twilio.validateRequest(TOKEN, signed.signature, url, { ...signed.params, Digits: '2' }), false);
    assert.equal(twilio.validateRequest('another-token-000000000000', signed.signature, url, signed.params), false);
  });

  it("an inbound SMS carries Twilio's fields and validates", () => {
    const r = inboundSmsRequest(
      TOKEN,
      `AC${'1'.repeat(32)}`,
      'http://127.0.0.1:3000/twilio/sms',
      '+15550000101',
      '+15559990000',
      'ack',
    );
    for (const field of ['MessageSid', 'SmsSid', 'AccountSid', 'From', 'To', 'Body', 'NumMedia'])
      assert.ok(r.params[field], field);
    assert.match(r.params.MessageSid!, /^SM[0-9a-f]{32}$/);
    assert.equal(twilio.validateRequest(TOKEN, r.signature, r.url, r.params), true);
  });
});

describe('21610 classification', () => {
  it('a 400 with Twilio code 21610 is an unsubscribed recipient; other codes are not', () => {
    const rest = (code: number) =>
      Object.assign(new Error('Attempt to send to unsubscribed recipient'), { status: 400, code });
    assert.equal(isUnsubscribedRecipient(translateTwilioError(rest(21610), 'SMS')), true);
    assert.equal(isUnsubscribedRecipient(translateTwilioError(rest(21211), 'SMS')), false);
    assert.equal(isUnsubscribedRecipient(new Error('x')), false);
  });
});
