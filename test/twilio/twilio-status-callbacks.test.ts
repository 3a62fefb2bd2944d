import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import winston from 'winston';
import { TwilioPhone } from '../../src/adapters/twilio/twilio-phone.js';
import { validateTwilioSignature } from '../../src/adapters/twilio/webhook-signature.js';
import { readBody } from '../../src/sandbox/read-body.js';
import { TwilioSimulator } from '../../src/sandbox/twilio/twilio-simulator.js';

const ACCOUNT_SID = `AC${'d4'.repeat(16)}`;
const AUTH_TOKEN = 'callback-signing-token';
const ONCALL = '+15550000001';

interface ReceivedCallback {
  url: string;
  params: Record<string, string>;
  signature: string | undefined;
}

/** Stands in for the bot's POST /twilio/status route. */
async function startReceiver(): Promise<{ server: Server; url: string; received: ReceivedCallback[] }> {
  const received: ReceivedCallback[] = [];
  const server = createServer(async (req, res) => {
    const body = await readBody(req, 64 * 1024);
    const { port } = server.address() as AddressInfo;
    received.push({
      url: `http://127.0.0.1:${port}${req.url}`,
      params: Object.fromEntries(new URLSearchParams(body.toString('utf8'))),
      signature: req.headers['x-twilio-signature'] as string | undefined,
    });
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/twilio/status?kind=escalation`, received };
}

describe('Twilio status callbacks', () => {
  let simulator: TwilioSimulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let phone: TwilioPhone;

  before(async () => {
    simulator = await TwilioSimulator.start({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, stepDelayMs: 5 });
    receiver = await startReceiver();
    phone = new TwilioPhone({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      fromNumber: '+15550001000',
      apiUrl: simulator.url,
      statusCallbackUrl: receiver.url,
      logger: winston.createLogger({ silent: true }),
    });
  });
  after(async () => {
    await simulator.stop();
    await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
  });
  beforeEach(() => {
    receiver.received.length = 0;
    simulator.configure({ lifecycle: true, smsOutcome: 'delivered', callOutcome: 'completed' });
  });

  it('POSTs signed sent/delivered callbacks for an SMS, and a tampered param fails validation', async () => {
    const { sid } = await phone.sendSms(ONCALL, 'SLA breached');
    await simulator.idle();
    assert.deepEqual(
      receiver.received.map((callback) => callback.params.MessageStatus),
      ['sent', 'delivered'],
    );
    for (const callback of receiver.received) {
      assert.equal(callback.params.MessageSid, sid);
      assert.equal(callback.params.AccountSid, ACCOUNT_SID);
      assert.equal(callback.params.To, ONCALL);
      assert.equal(callback.params.From, '+15550001000');
      assert.ok(validateTwilioSignature(AUTH_TOKEN, callback.url, callback.params, callback.signature));
    }
    const delivered = receiver.received[1]!;
    const tampered = { ...delivered.params, MessageStatus: 'failed' };
    assert.equal(validateTwilioSignature(AUTH_TOKEN, delivered.url, tampered, delivered.signature), false);
    assert.equal(validateTwilioSignature('another-token', delivered.url, delivered.params, delivered.signature), false);
    assert.equal(validateTwilioSignature(AUTH_TOKEN, delivered.url, delivered.params, undefined), false);

    const resource = simulator.messages().find((message) => message.sid === sid);
    assert.equal(resource?.status, 'delivered');
    assert.ok(simulator.callbackDeliveries().every((delivery) => delivery.httpStatus === 204));
  });

  it('POSTs initiated/ringing/in-progress/completed for an answered call', async () => {
    const { sid } = await phone.call(ONCALL, 'Critical alert');
    await simulator.idle();
    const statuses = receiver.received.map((callback) => callback.params.CallStatus);
    assert.deepEqual(statuses, ['initiated', 'ringing', 'in-progress', 'completed']);
    assert.ok(receiver.received.every((callback) => callback.params.CallSid === sid));
    assert.ok(receiver.received.every((c) => validateTwilioSignature(AUTH_TOKEN, c.url, c.params, c.signature)));
    assert.equal(simulator.calls().find((call) => call.sid === sid)?.status, 'completed');
  });

  it('reports an unanswered call as no-answer', async () => {
    simulator.configure({ callOutcome: 'no-answer' });
    await phone.call(ONCALL, 'Critical alert');
    await simulator.idle();
    const statuses = receiver.received.map((callback) => callback.params.CallStatus);
    assert.deepEqual(statuses, ['initiated', 'ringing', 'no-answer']);
    assert.equal(receiver.received.at(-1)?.params.CallDuration, '0');
  });

  it('sends nothing when the lifecycle is disabled', async () => {
    simulator.configure({ lifecycle: false });
    const { sid } = await phone.sendSms(ONCALL, 'quiet');
    await simulator.idle();
    assert.equal(receiver.received.length, 0);
    assert.equal(simulator.messages().find((message) => message.sid === sid)?.status, 'queued');
  });
});
