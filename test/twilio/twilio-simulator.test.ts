import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TwilioSimulator } from '../../src/sandbox/twilio/twilio-simulator.js';

const ACCOUNT_SID = `AC${'b2'.repeat(16)}`;
const AUTH_TOKEN = 'simulator-wire-token';

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

describe('TwilioSimulator wire protocol', () => {
  let simulator: TwilioSimulator;
  const messagesPath = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
  const callsPath = `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`;

  before(async () => {
    simulator = await TwilioSimulator.start({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, lifecycle: false });
  });
  after(() => simulator.stop());

  async function post(path: string, form: Record<string, string>, auth = basic(ACCOUNT_SID, AUTH_TOKEN)) {
    const response = await fetch(`${simulator.url}${path}`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  }

  it('answers wrong credentials with 401 and Twilio’s 20003 body', async () => {
    const { status, headers, body } = await post(messagesPath, { To: '+15550000001' }, basic(ACCOUNT_SID, 'nope'));
    assert.equal(status, 401);
    assert.match(headers.get('www-authenticate') ?? '', /^Basic/);
    assert.deepEqual(body, {
      code: 20003,
      message: 'Authenticate',
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
    });
  });

  it('answers another account in the path with 404 / 20404', async () => {
    const other = `AC${'c3'.repeat(16)}`;
    const { status, body } = await post(`/2010-04-01/Accounts/${other}/Messages.json`, { To: '+15550000001' });
    assert.equal(status, 404);
    assert.equal(body.code, 20404);
  });

  it('answers missing or bad parameters with Twilio’s 400 codes', async () => {
    const cases: Array<[string, Record<string, string>, number]> = [
      [messagesPath, { From: '+15550001000', Body: 'x' }, 21604],
      [messagesPath, { To: '5550000001', From: '+15550001000', Body: 'x' }, 21211],
      [messagesPath, { To: '+15550000001', From: '+15550001000' }, 21602],
      [messagesPath, { To: '+15550000001', Body: 'x' }, 21603],
      [callsPath, { From: '+15550001000', Twiml: '<Response/>' }, 21201],
      [callsPath, { To: '+15550000001', From: '+15550001000' }, 21205],
    ];
    for (const [path, form, code] of cases) {
      const { status, body } = await post(path, form);
      assert.equal(status, 400, JSON.stringify(form));
      assert.equal(body.code, code, JSON.stringify(form));
      assert.equal(body.status, 400);
      assert.equal(body.more_info, `https://www.twilio.com/docs/errors/${code}`);
    }
    assert.equal(simulator.messages().length + simulator.calls().length, 0);
  });

  it('creates a message as a 201 Twilio resource that GET returns again', async () => {
    const { status, body } = await post(messagesPath, { To: '+15550000001', From: '+15550001000', Body: 'hi' });
    assert.equal(status, 201);
    assert.match(String(body.sid), /^SM[0-9a-f]{32}$/);
    assert.equal(String(body.sid).length, 34);
    assert.equal(body.account_sid, ACCOUNT_SID);
    assert.equal(body.status, 'queued');
    assert.match(String(body.date_created), /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    assert.equal(body.uri, `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${body.sid}.json`);

    const fetched = await fetch(`${simulator.url}${body.uri}`, {
      headers: { Authorization: basic(ACCOUNT_SID, AUTH_TOKEN) },
    });
    assert.equal(fetched.status, 200);
    assert.deepEqual(await fetched.json(), body);

    const missing = await fetch(`${simulator.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/CA${'0'.repeat(32)}.json`, {
      headers: { Authorization: basic(ACCOUNT_SID, AUTH_TOKEN) },
    });
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { code: number }).code, 20404);
  });

  it('records a call with its TwiML and the spoken text, and notifies listeners', async () => {
    const seen: string[] = [];
    simulator.on('call', (call) => seen.push(call.sid));
    const twiml = '<?xml version="1.0"?><Response><Say voice="alice">R&amp;D &lt;prod&gt;</Say></Response>';
    const { status, body } = await post(callsPath, { To: '+15550000001', From: '+15550001000', Twiml: twiml });
    assert.equal(status, 201);
    assert.match(String(body.sid), /^CA[0-9a-f]{32}$/);
    const recorded = simulator.calls().find((call) => call.sid === body.sid);
    assert.equal(recorded?.twiml, twiml);
    assert.deepEqual(recorded?.spokenText, ['R&D <prod>']);
    assert.deepEqual(seen, [body.sid]);
  });

  it('fails the next n requests with Twilio-shaped bodies, then recovers', async () => {
    simulator.failNext(2, { status: 503 });
    const form = { To: '+15550000001', From: '+15550001000', Body: 'x' };
    for (let i = 0; i < 2; i++) {
      const { status, body } = await post(messagesPath, form);
      assert.equal(status, 503);
      assert.deepEqual(body, {
        code: 20503,
        message: 'Service Unavailable',
        more_info: 'https://www.twilio.com/docs/errors/20503',
        status: 503,
      });
    }
    assert.equal((await post(messagesPath, form)).status, 201);
  });
});
