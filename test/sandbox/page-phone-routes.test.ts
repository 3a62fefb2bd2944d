/**
 * The page server's phone routes (/api/phone/keys, /api/phone/text) driven over HTTP with bad input:
 * each is refused with a 4xx that says why, and nothing reaches the Twilio simulator or the webhook
 * it would post to. A recorder stands in for the bot, so every request that got through is seen.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import twilioLib from 'twilio';
import winston from 'winston';
import { defaultPolicy } from '../../src/config/policy.js';
import { DuoSimulator } from '../../src/sandbox/duo/duo-simulator.js';
import { NanitorSimulator } from '../../src/sandbox/nanitor/nanitor-simulator.js';
import { type PageServer, startPageServer } from '../../src/sandbox/page/page-server.js';
import { readBody } from '../../src/sandbox/read-body.js';
import { SlackSimulator } from '../../src/sandbox/slack/index.js';
import { TheHiveSimulator } from '../../src/sandbox/thehive/thehive-simulator.js';
import { TwilioSimulator } from '../../src/sandbox/twilio/twilio-simulator.js';

const ACCOUNT_SID = `AC${'b2'.repeat(16)}`;
const AUTH_TOKEN = 'page-routes-auth-token';
const BOT_NUMBER = '+15550009999';
const CAROL = '+15550000001';
const silent = winston.createLogger({ silent: true });

interface Webhook {
  path: string;
  params: URLSearchParams;
  /** whether X-Twilio-Signature is valid for the URL and form, as the bot checks it */
  signed: boolean;
}

describe('sandbox page phone routes refuse bad input', () => {
  let slack: SlackSimulator;
  let duo: DuoSimulator;
  let twilio: TwilioSimulator;
  let thehive: TheHiveSimulator;
  let nanitor: NanitorSimulator;
  let page: PageServer;
  let bot: Server;
  let botUrl: string;
  const webhooks: Webhook[] = [];

  before(async () => {
    // The bot's side: a key is acknowledged with a goodbye (no further <Gather>), a text gets a reply.
    bot = createServer((req, res) => {
      void readBody(req, 64 * 1024).then((raw) => {
        const path = new URL(req.url ?? '/', 'http://bot.local').pathname;
        const params = new URLSearchParams(raw.toString('utf8'));
        const signature = String(req.headers['x-twilio-signature'] ?? '');
        const signed = twilioLib.validateRequest(AUTH_TOKEN, signature, `${botUrl}${path}`, Object.fromEntries(params));
        webhooks.push({ path, params, signed });
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(
          path === '/gather'
            ? '<Response><Say>Acknowledged. Goodbye.</Say><Hangup/></Response>'
            : '<Response><Message>Got it</Message></Response>',
        );
      });
    });
    await new Promise<void>((resolve) => bot.listen(0, '127.0.0.1', resolve));
    botUrl = `http://127.0.0.1:${(bot.address() as AddressInfo).port}`;
    slack = await SlackSimulator.start({ logger: silent });
    duo = await DuoSimulator.start({ clientId: 'DIPAGEROUTES00000000', clientSecret: 'x'.repeat(40) });
    twilio = await TwilioSimulator.start({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, lifecycle: false });
    twilio.setMessagingWebhook(`${botUrl}/sms`);
    thehive = await TheHiveSimulator.start({ apiKey: 'page-routes-thehive-key' });
    nanitor = await NanitorSimulator.start({ apiToken: 'page-routes-nanitor-token', health: 0.9, p0: 0 });
    page = await startPageServer({
      world: { slack, duo, twilio, thehive, nanitor },
      botUrl,
      policy: defaultPolicy(),
      port: 0,
      host: '127.0.0.1',
      logger: silent,
      botNumber: BOT_NUMBER,
    });
  });
  after(async () => {
    await page?.close();
    await Promise.all([slack?.stop(), duo?.stop(), twilio?.stop(), thehive?.stop(), nanitor?.stop()]);
    await new Promise<void>((resolve) => (bot ? bot.close(() => resolve()) : resolve()));
  });
  beforeEach(() => {
    webhooks.length = 0;
  });

  /** A call as the bot places it: the message inside a one-digit `<Gather>` posting to the bot. */
  const placeCall = async (outcome?: 'no-answer'): Promise<string> => {
    if (outcome) twilio.configure({ lifecycle: true, stepDelayMs: 1, callOutcome: outcome });
    const res = await fetch(`${twilio.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        To: CAROL,
        From: BOT_NUMBER,
        Twiml: `<Response><Gather numDigits="1" action="${botUrl}/gather"><Say>Press 1.</Say></Gather></Response>`,
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const { sid } = (await res.json()) as { sid: string };
    if (outcome) {
      await twilio.idle();
      twilio.configure({ lifecycle: false });
    }
    return sid;
  };

  const post = async (path: string, body: unknown, contentType = 'application/json') => {
    const res = await fetch(new URL(path, page.url), {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { error?: string } & Record<string, unknown> };
  };

  /** Refused with `status` and a message matching `error`; no key, text or webhook got through. */
  const refused = async (path: string, body: unknown, status: number, error: RegExp, contentType?: string) => {
    const [presses, texts] = [twilio.keyPresses().length, twilio.texts().length];
    const reply = await post(path, body, contentType);
    assert.equal(reply.status, status, `${JSON.stringify(body)} → ${JSON.stringify(reply.body)}`);
    assert.match(reply.body.error ?? '', error);
    assert.equal(twilio.keyPresses().length, presses, 'a key press reached the simulator');
    assert.equal(twilio.texts().length, texts, 'a text reached the simulator');
    assert.deepEqual(webhooks, [], 'a webhook reached the bot');
  };

  it('a key pressed on a live call is posted, signed, to its <Gather> and what the bot said comes back', async () => {
    const sid = await placeCall();
    const reply = await post('/api/phone/keys', { sid, keys: '1' });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual(reply.body, { heard: ['Acknowledged. Goodbye.'], httpStatus: 200 });
    assert.equal(webhooks.length, 1);
    assert.equal(webhooks[0]!.path, '/gather');
    assert.equal(webhooks[0]!.signed, true);
    assert.equal(webhooks[0]!.params.get('Digits'), '1');
    assert.equal(webhooks[0]!.params.get('CallSid'), sid);
    assert.deepEqual(
      twilio.keyPresses().map((p) => [p.callSid, p.keys]),
      [[sid, '1']],
    );
  });

  it('an unknown call id is 404', async () => {
    await refused('/api/phone/keys', { sid: `CA${'0'.repeat(32)}`, keys: '1' }, 404, /no such call/);
    await refused('/api/phone/keys', { sid: '', keys: '1' }, 404, /no such call/);
    await refused('/api/phone/keys', { sid: 'CA'.repeat(40), keys: '1' }, 400, /sid is longer than 64/);
    await refused('/api/phone/keys', { keys: '1' }, 400, /sid is required/);
  });

  it('keys other than 0-9, * and # are 400', async () => {
    const sid = await placeCall();
    for (const keys of ['a', '', ' 1', '１', '٣', '1;2', '+', '12345']) {
      await refused('/api/phone/keys', { sid, keys }, 400, /keys are digits, \* or #|keys is longer than 4/);
    }
    await refused('/api/phone/keys', { sid, keys: 1 }, 400, /keys is required/);
    await refused('/api/phone/keys', { sid, keys: ['1'] }, 400, /keys is required/);
    await refused('/api/phone/keys', { sid }, 400, /keys is required/);
  });

  it('a call that has ended is 409', async () => {
    const sid = await placeCall('no-answer');
    assert.equal(twilio.calls().find((c) => c.sid === sid)?.status, 'no-answer');
    await refused('/api/phone/keys', { sid, keys: '1' }, 409, /this call has ended \(no-answer\)/);
  });

  it("after the bot's answer ended the TwiML (no <Gather>), a further key is 409", async () => {
    const sid = await placeCall();
    assert.equal((await post('/api/phone/keys', { sid, keys: '1' })).status, 200);
    webhooks.length = 0;
    await refused('/api/phone/keys', { sid, keys: '2' }, 409, /hung up/);
  });

  it("a text from a person's phone reaches the Messaging webhook, signed, and the bot's reply is logged", async () => {
    const reply = await post('/api/phone/text', { from: CAROL, body: 'ack' });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual(reply.body, { httpStatus: 200 });
    assert.equal(webhooks.length, 1);
    assert.equal(webhooks[0]!.signed, true);
    assert.deepEqual(
      [
        webhooks[0]!.path,
        webhooks[0]!.params.get('From'),
        webhooks[0]!.params.get('To'),
        webhooks[0]!.params.get('Body'),
      ],
      ['/sms', CAROL, BOT_NUMBER, 'ack'],
    );
    assert.deepEqual(
      twilio
        .texts()
        .slice(-2)
        .map((t) => [t.direction, t.from, t.body]),
      [
        ['inbound', CAROL, 'ack'],
        ['reply', BOT_NUMBER, 'Got it'],
      ],
    );
  });

  it('an empty, blank or over-long SMS body is 400', async () => {
    await refused('/api/phone/text', { from: CAROL, body: '' }, 400, /type a reply/);
    await refused('/api/phone/text', { from: CAROL, body: ' \n\t ' }, 400, /type a reply/);
    await refused('/api/phone/text', { from: CAROL, body: 'x'.repeat(1601) }, 400, /body is longer than 1600/);
    await refused('/api/phone/text', { from: CAROL }, 400, /body is required/);
    await refused('/api/phone/text', { from: CAROL, body: 7 }, 400, /body is required/);
  });

  it("a from that is not an E.164 number, or is the bot's own, is 400", async () => {
    for (const from of ['15550000001', '+0155500000', '+1555', '+1555000000a', '+1 555 000 0001', '', 'carol']) {
      await refused('/api/phone/text', { from, body: 'ack' }, 400, /from is an E\.164 number/);
    }
    await refused('/api/phone/text', { from: `+1${'5'.repeat(20)}`, body: 'ack' }, 400, /from is longer than 16/);
    await refused('/api/phone/text', { from: BOT_NUMBER, body: 'ack' }, 400, /bot's own number/);
    await refused('/api/phone/text', { body: 'ack' }, 400, /from is required/);
  });

  it('a method other than POST is 405 with Allow: POST', async () => {
    for (const path of ['/api/phone/keys', '/api/phone/text']) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await fetch(new URL(path, page.url), { method });
        assert.equal(res.status, 405, `${method} ${path}`);
        assert.equal(res.headers.get('allow'), 'POST');
        assert.match(((await res.json()) as { error: string }).error, /takes POST only/);
      }
    }
    assert.deepEqual(webhooks, []);
  });

  it('a body that is not a JSON object is 415, 400 or 413', async () => {
    const sid = await placeCall();
    const keys = JSON.stringify({ sid, keys: '1' });
    await refused('/api/phone/keys', keys, 415, /send application\/json/, 'text/plain');
    await refused(
      '/api/phone/keys',
      `sid=${sid}&keys=1`,
      415,
      /send application\/json/,
      'application/x-www-form-urlencoded',
    );
    await refused('/api/phone/keys', keys, 415, /send application\/json/, 'application/json-patch+json');
    await refused('/api/phone/keys', '{"sid":', 400, /not valid JSON/);
    await refused('/api/phone/keys', [sid, '1'], 400, /send a JSON object/);
    await refused('/api/phone/text', { from: CAROL, body: 'x'.repeat(70_000) }, 413, /larger than 64 KiB/);
    // The charset parameter is fine: it is still JSON.
    assert.equal((await post('/api/phone/keys', { sid, keys: '1' }, 'application/json; charset=utf-8')).status, 200);
  });
});
