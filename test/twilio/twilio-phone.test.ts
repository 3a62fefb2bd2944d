import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import winston from 'winston';
import { ApiUrlRequestClient } from '../../src/adapters/twilio/api-url-request-client.js';
import { maskNumber } from '../../src/adapters/twilio/phone-numbers.js';
import { TwilioPhone, type TwilioPhoneOptions } from '../../src/adapters/twilio/twilio-phone.js';
import { isSecOpsError, type SecOpsError } from '../../src/errors.js';
import { TwilioSimulator } from '../../src/sandbox/twilio/twilio-simulator.js';

const ACCOUNT_SID = `AC${'a1'.repeat(16)}`;
const AUTH_TOKEN = 'simulated-auth-token-0123456789';
const FROM = '+15550001000';
const ONCALL = '+15550000001';

const silent = winston.createLogger({ silent: true });

function phoneFor(simulator: TwilioSimulator, overrides: Partial<TwilioPhoneOptions> = {}): TwilioPhone {
  return new TwilioPhone({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    fromNumber: FROM,
    apiUrl: simulator.url,
    logger: silent,
    ...overrides,
  });
}

async function rejectsWith(promise: Promise<unknown>, code: SecOpsError['code']): Promise<SecOpsError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isSecOpsError(err), `expected SecOpsError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.ok(!err.message.includes(AUTH_TOKEN), 'auth token leaked into the error message');
    return err;
  }
  assert.fail(`expected a ${code} error`);
}

describe('TwilioPhone against the Twilio simulator', () => {
  let simulator: TwilioSimulator;

  before(async () => {
    simulator = await TwilioSimulator.start({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, lifecycle: false });
  });
  after(() => simulator.stop());
  beforeEach(() => simulator.configure({ lifecycle: false }));

  it('sends an SMS that the simulator records with to, from and body', async () => {
    const result = await phoneFor(simulator).sendSms(ONCALL, 'SLA breached: alert ~123');
    assert.match(result.sid, /^SM[0-9a-f]{32}$/);
    assert.equal(result.status, 'queued');
    const recorded = simulator.messages().find((message) => message.sid === result.sid);
    assert.ok(recorded);
    assert.deepEqual([recorded.to, recorded.from, recorded.body], [ONCALL, FROM, 'SLA breached: alert ~123']);
    assert.equal(recorded.statusCallback, null);
  });

  it('places a call whose TwiML says the text twice, escaped', async () => {
    const title = 'Alert <script> & "quotes" for R&D';
    const result = await phoneFor(simulator).call(ONCALL, title);
    assert.match(result.sid, /^CA[0-9a-f]{32}$/);
    const recorded = simulator.calls().find((call) => call.sid === result.sid);
    assert.ok(recorded?.twiml);
    assert.deepEqual(recorded.spokenText, [title, title]);
    assert.ok(recorded.twiml.includes('&lt;script&gt; &amp; "quotes" for R&amp;D'), recorded.twiml);
    assert.ok(!recorded.twiml.includes('<script>'));
    assert.match(recorded.twiml, /<Say>.*<\/Say><Pause length="2"\/><Say>.*<\/Say>/);
    assert.equal(recorded.url, null, 'no Twimlet or other remote TwiML URL');
  });

  it('passes the status callback URL and asks for every call progress event', async () => {
    const phone = phoneFor(simulator, { statusCallbackUrl: 'http://127.0.0.1:9/twilio/status' });
    const sms = await phone.sendSms(ONCALL, 'hello');
    const call = await phone.call(ONCALL, 'hello');
    assert.equal(
      simulator.messages().find((m) => m.sid === sms.sid)?.statusCallback,
      'http://127.0.0.1:9/twilio/status',
    );
    const recordedCall = simulator.calls().find((c) => c.sid === call.sid);
    assert.equal(recordedCall?.statusCallback, 'http://127.0.0.1:9/twilio/status');
    assert.deepEqual(recordedCall?.statusCallbackEvents, ['initiated', 'ringing', 'answered', 'completed']);
  });

  it('maps a wrong auth token to unauthorized', async () => {
    const err = await rejectsWith(
      phoneFor(simulator, { authToken: 'wrong-token' }).sendSms(ONCALL, 'x'),
      'unauthorized',
    );
    assert.match(err.message, /HTTP 401, error 20003: Authenticate/);
    assert.ok(!err.message.includes('wrong-token'));
  });

  it('maps 500 and 503 to unavailable, once each, without retrying', async () => {
    const before = simulator.requests().length;
    simulator.failNext(1, { status: 500 });
    const err = await rejectsWith(phoneFor(simulator).sendSms(ONCALL, 'x'), 'unavailable');
    assert.match(err.message, /HTTP 500, error 20500/);
    simulator.failNext(1, { status: 503 });
    await rejectsWith(phoneFor(simulator).call(ONCALL, 'x'), 'unavailable');
    assert.equal(simulator.requests().length - before, 2);
  });

  it('maps 429 to rate_limited and does not let the client retry it', async () => {
    const before = simulator.requests().length;
    simulator.failNext(1, { status: 429 });
    const err = await rejectsWith(phoneFor(simulator).sendSms(ONCALL, 'x'), 'rate_limited');
    assert.match(err.message, /error 20429/);
    assert.equal(simulator.requests().length - before, 1);
  });

  it('maps other Twilio 4xx to invalid_input, keeping the code but masking the number', async () => {
    simulator.failNext(1, {
      status: 400,
      code: 21211,
      message: `The 'To' number ${ONCALL} is not a valid phone number.`,
    });
    const err = await rejectsWith(phoneFor(simulator).sendSms(ONCALL, 'x'), 'invalid_input');
    assert.match(err.message, /HTTP 400, error 21211/);
    assert.ok(!err.message.includes(ONCALL), err.message);
    assert.ok(err.message.includes('…0001'));
    const tooLong = await rejectsWith(phoneFor(simulator).sendSms(ONCALL, 'x'.repeat(1601)), 'invalid_input');
    assert.match(tooLong.message, /error 21617/);
  });

  it('maps 403 to forbidden', async () => {
    simulator.failNext(1, { status: 403 });
    await rejectsWith(phoneFor(simulator).call(ONCALL, 'x'), 'forbidden');
  });

  it('rejects numbers that are not E.164 before sending anything', async () => {
    const before = simulator.requests().length;
    for (const bad of ['5550000001', '+0155500001', '+1 555 000 0001', '+123', '']) {
      await rejectsWith(phoneFor(simulator).sendSms(bad, 'x'), 'invalid_input');
      await rejectsWith(phoneFor(simulator).call(bad, 'x'), 'invalid_input');
    }
    assert.equal(simulator.requests().length, before);
  });

  it('refuses a misconfigured account sid or from number', () => {
    assert.throws(
      () => phoneFor(simulator, { accountSid: 'SKabc' }),
      (err) => isSecOpsError(err, 'config'),
    );
    assert.throws(
      () => phoneFor(simulator, { fromNumber: '555-1000' }),
      (err) => isSecOpsError(err, 'config'),
    );
  });

  it('logs masked numbers only', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = winston.createLogger({ transports: [new winston.transports.Stream({ stream: sink })] });
    const phone = phoneFor(simulator, { logger });
    await phone.sendSms(ONCALL, 'x');
    simulator.failNext(1, { status: 500 });
    await rejectsWith(phone.call(ONCALL, 'x'), 'unavailable');
    const log = lines.join('');
    assert.ok(log.includes('…0001'), log);
    assert.ok(!log.includes(ONCALL) && !log.includes(AUTH_TOKEN), log);
  });
});

describe('TwilioPhone transport failures', () => {
  it('maps an unreachable API to unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const phone = new TwilioPhone({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      fromNumber: FROM,
      apiUrl: `http://127.0.0.1:${port}`,
      logger: silent,
    });
    const err = await rejectsWith(phone.sendSms(ONCALL, 'x'), 'unavailable');
    assert.match(err.message, /ECONNREFUSED/);
    assert.equal(err.cause, undefined, 'axios errors carry the auth header and must not be attached');
  });

  it('maps a hanging API to timeout', async () => {
    const hanging = createServer(() => {
      // never answers
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const { port } = hanging.address() as AddressInfo;
    const phone = new TwilioPhone({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      fromNumber: FROM,
      apiUrl: `http://127.0.0.1:${port}`,
      logger: silent,
      timeoutMs: 100,
    });
    try {
      await rejectsWith(phone.call(ONCALL, 'x'), 'timeout');
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });
});

describe('ApiUrlRequestClient.rewrite', () => {
  it('moves Twilio API hosts (edge/region included) onto apiUrl, keeping path and query', () => {
    const client = new ApiUrlRequestClient('http://127.0.0.1:4010/twilio/', 1000);
    assert.equal(
      client.rewrite('https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?PageSize=5'),
      'http://127.0.0.1:4010/twilio/2010-04-01/Accounts/AC1/Messages.json?PageSize=5',
    );
    assert.equal(
      client.rewrite('https://api.sydney.au1.twilio.com/2010-04-01/Accounts/AC1/Calls.json'),
      'http://127.0.0.1:4010/twilio/2010-04-01/Accounts/AC1/Calls.json',
    );
    assert.throws(
      () => client.rewrite('https://example.com/x'),
      (err) => isSecOpsError(err, 'config'),
    );
  });
});

describe('maskNumber', () => {
  it('keeps only the last four digits', () => {
    assert.equal(maskNumber('+15550000001'), '…0001');
    assert.equal(maskNumber('+12'), '…');
  });
});
