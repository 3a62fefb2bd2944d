/**
 * The Duo simulator's wire protocol as a browser and a raw client see it:
 * the HTML prompt and its form, Duo's error shapes, and the checks on client
 * assertions that the real client always passes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import winston from 'winston';
import { DuoSecondFactor } from '../../src/adapters/duo/duo-second-factor.js';
import { DuoSimulator } from '../../src/sandbox/duo/duo-simulator.js';
import { signHs512 } from '../../src/sandbox/duo/hs512-jwt.js';

const clientId = 'DIBBBBBBBBBBBBBBBBBB';
const clientSecret = 't'.repeat(40);
const redirectUrl = 'http://127.0.0.1:3000/duo/callback';

let sim: DuoSimulator;
let duo: DuoSecondFactor;

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** HTTPS to the simulator trusting only its test CA, as a browser with that CA installed would. */
function send(method: 'GET' | 'POST', url: string, form?: Record<string, string>): Promise<RawResponse> {
  const body = form === undefined ? undefined : new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: sim.caPem,
        headers: body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function assertion(audiencePath: string, overrides: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return signHs512(
    {
      iss: clientId,
      sub: clientId,
      aud: `${sim.baseUrl}${audiencePath}`,
      jti: randomBytes(18).toString('hex'),
      iat: now,
      exp: now + 300,
      ...overrides,
    },
    clientSecret,
  );
}

describe('Duo simulator protocol', () => {
  before(async () => {
    sim = await DuoSimulator.start({ clientId, clientSecret });
    duo = new DuoSecondFactor({
      clientId,
      clientSecret,
      apiHost: sim.apiHost,
      redirectUrl,
      caFile: sim.caFile,
      logger: winston.createLogger({ silent: true }),
    });
  });
  after(() => sim.stop());

  it('serves an escaped prompt page whose Approve button redirects back with state and duo_code', async () => {
    const username = '<script>alert("x")</script>&co';
    const state = randomBytes(16).toString('hex');
    const page = await send('GET', await duo.authUrl(username, state));
    assert.equal(page.status, 200);
    assert.ok(!page.body.includes('<script>'), 'username must be escaped');
    assert.ok(page.body.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;co'));

    const action = /<form method="post" action="([^"]+)"/.exec(page.body)?.[1];
    assert.ok(action, 'page has a form');
    const decided = await send('POST', new URL(action, sim.baseUrl).toString(), { decision: 'allow' });
    assert.equal(decided.status, 302);
    const location = new URL(String(decided.headers.location));
    assert.equal(`${location.origin}${location.pathname}`, redirectUrl);
    assert.equal(location.searchParams.get('state'), state);
    const code = location.searchParams.get('duo_code') ?? '';
    assert.deepEqual(await duo.verify(code, username), { ok: true, username });

    const again = await send('POST', new URL(action, sim.baseUrl).toString(), { decision: 'allow' });
    assert.equal(again.status, 404, 'a prompt can be answered once');
  });

  it('refuses an authorize request whose request JWT was not signed with the client secret', async () => {
    const url = new URL(await duo.authUrl('alice', randomBytes(16).toString('hex')));
    const [header, payload] = (url.searchParams.get('request') ?? '').split('.');
    url.searchParams.set('request', `${header}.${payload}.${Buffer.from('forged').toString('base64url')}`);
    const res = await send('GET', url.toString());
    assert.equal(res.status, 400);
    assert.match(res.body, /signature/);
    assert.throws(() => sim.approveUrlFor(url.toString()), /signature/);
  });

  it("answers health checks with Duo's OK and FAIL shapes", async () => {
    const ok = await send('POST', `${sim.baseUrl}/oauth/v1/health_check`, {
      client_id: clientId,
      client_assertion: assertion('/oauth/v1/health_check'),
    });
    assert.equal(ok.status, 200);
    const okBody = JSON.parse(ok.body);
    assert.equal(okBody.stat, 'OK');
    assert.equal(typeof okBody.response.timestamp, 'number');

    const wrongAudience = await send('POST', `${sim.baseUrl}/oauth/v1/health_check`, {
      client_id: clientId,
      client_assertion: assertion('/oauth/v1/token'),
    });
    assert.equal(wrongAudience.status, 400);
    const failBody = JSON.parse(wrongAudience.body);
    assert.equal(failBody.stat, 'FAIL');
    assert.equal(failBody.code, 40002);
    assert.equal(failBody.message, 'invalid_client');
  });

  it('refuses a replayed or expired client assertion at the token endpoint', async () => {
    const promptId = sim.approveUrlFor(await duo.authUrl('bob', randomBytes(16).toString('hex')));
    const code = new URL(sim.decide(promptId, 'allow')).searchParams.get('duo_code') ?? '';
    const form = (clientAssertion: string) => ({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUrl,
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
    });
    const expired = assertion('/oauth/v1/token', { exp: Math.floor(Date.now() / 1000) - 120 });
    const expiredRes = await send('POST', `${sim.baseUrl}/oauth/v1/token`, form(expired));
    assert.equal(expiredRes.status, 400);
    assert.deepEqual(JSON.parse(expiredRes.body), { error: 'invalid_client', error_description: 'token has expired' });

    const once = assertion('/oauth/v1/token');
    const first = await send('POST', `${sim.baseUrl}/oauth/v1/token`, form(once));
    assert.equal(first.status, 200);
    assert.equal(JSON.parse(first.body).token_type, 'Bearer');
    const replayed = await send('POST', `${sim.baseUrl}/oauth/v1/token`, form(once));
    assert.equal(replayed.status, 400);
    assert.equal(JSON.parse(replayed.body).error, 'invalid_client');
  });

  it('expires prompts nobody answered', async () => {
    let now = Date.now();
    const shortLived = await DuoSimulator.start({ clientId, clientSecret, promptTtlMs: 1_000, now: () => now });
    try {
      const client = new DuoSecondFactor({
        clientId,
        clientSecret,
        apiHost: shortLived.apiHost,
        redirectUrl,
        caFile: shortLived.caFile,
        logger: winston.createLogger({ silent: true }),
      });
      const id = shortLived.approveUrlFor(await client.authUrl('carol', randomBytes(16).toString('hex')));
      assert.equal(shortLived.pending().length, 1);
      now += 1_001;
      assert.equal(shortLived.pending().length, 0);
      assert.throws(() => shortLived.decide(id, 'allow'), /no pending prompt/);
    } finally {
      await shortLived.stop();
    }
  });
});
