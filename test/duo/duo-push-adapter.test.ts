/**
 * The Auth API adapter (real duo_sig signing, our transport) against the simulator, which checks
 * every signature from Duo's documented canonical forms: each preauth outcome, a push answered
 * each way, Verified Push, 429s, refused keys, a badly signed request, and a call that never ends.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DuoPush } from '../../src/adapters/duo/duo-push.js';
import { isSecOpsError } from '../../src/errors.js';
import { DuoSimulator } from '../../src/sandbox/duo/duo-simulator.js';

const ikey = 'DIPUSHTESTIKEY000001';
const skey = 'p'.repeat(40);
let sim: DuoSimulator;

const info = {
  type: 'Security check',
  details: { alert: 'New admin grant', reason: 'role change', from: 'secops-bot' },
};
const client = (over: Partial<ConstructorParameters<typeof DuoPush>[0]> = {}) =>
  new DuoPush({ ikey, skey, host: sim.apiHost, caFile: sim.caFile, timeoutMs: 2000, statusTimeoutMs: 2000, ...over });

before(async () => {
  sim = await DuoSimulator.start({
    clientId: 'DIAAAAAAAAAAAAAAAAAA',
    clientSecret: 's'.repeat(40),
    authApi: { ikey, skey, pushTimeoutMs: 400, longPollMs: 200 },
  });
});
after(() => sim.stop());

describe('Duo Auth API adapter against the simulator', () => {
  for (const version of [2, 5] as const) {
    it(`signs with canonical v${version}: check, preauth, push, status`, async () => {
      const duo = client({ signatureVersion: version });
      assert.deepEqual(await duo.check(), { ok: true });
      const pre = await duo.preauth(`v${version}user`);
      assert.equal(pre.kind, 'push');
      if (pre.kind !== 'push') return;
      assert.equal(pre.device.name, `iPhone (v${version}user)`);
      assert.equal(pre.verification, null);
      const { txid } = await duo.push(`v${version}user`, pre.device, info, null);
      const pushed = sim.authApi!.pending().find((p) => p.txid === txid)!;
      assert.deepEqual(pushed.info, info.details);
      assert.equal(pushed.type, 'Security check');
      sim.authApi!.answer(txid, 'approve');
      assert.equal((await duo.status(txid)).result, 'allow');
      const seen = sim.authApi!.requests.filter((r) => r.signed && r.version === version);
      assert.ok(seen.length >= 4, `the simulator verified v${version} signatures`);
      duo.close();
    });
  }

  it('maps every preauth result', async () => {
    const duo = client();
    const api = sim.authApi!;
    api.setPreauth('enrolling', { result: 'enroll' });
    api.setPreauth('bypassed', { result: 'allow' });
    api.setPreauth('locked', { result: 'deny' });
    api.setPreauth('smsonly', { result: 'auth', device: 'sms_only' });
    assert.equal((await duo.preauth('enrolling')).kind, 'enroll');
    assert.deepEqual(await duo.preauth('bypassed'), { kind: 'bypass', detail: 'Allowing unknown user' });
    assert.equal((await duo.preauth('locked')).kind, 'deny');
    assert.equal((await duo.preauth('smsonly')).kind, 'no_push_device');
    duo.close();
  });

  it("deny, fraud and time-out come back as deny with Duo's status", async () => {
    const duo = client();
    const pre = await duo.preauth('someone');
    assert.equal(pre.kind, 'push');
    if (pre.kind !== 'push') return;
    const a = await duo.push('someone', pre.device, info, null);
    const b = await duo.push('someone', pre.device, info, null);
    const c = await duo.push('someone', pre.device, info, null);
    sim.authApi!.answer(a.txid, 'deny');
    sim.authApi!.answer(b.txid, 'fraud');
    assert.deepEqual([(await duo.status(a.txid)).status, (await duo.status(b.txid)).status], ['deny', 'fraud']);
    // Nobody answers c: the long poll waits, then Duo times the push out.
    let s = await duo.status(c.txid);
    while (s.result === 'waiting') s = await duo.status(c.txid);
    assert.deepEqual([s.result, s.status], ['deny', 'timeout']);
    duo.close();
  });

  it('Verified Push: preauth gives the code, and only the typed code approves', async () => {
    const duo = client();
    sim.authApi!.setPreauth('verified', { result: 'auth', verifiedPush: true });
    const pre = await duo.preauth('verified');
    assert.equal(pre.kind, 'push');
    if (pre.kind !== 'push' || !pre.verification) return assert.fail('expected a verification code');
    assert.match(pre.verification.code, /^\d{3}$/);
    const { txid } = await duo.push('verified', pre.device, info, pre.verification.txid);
    sim.authApi!.answer(txid, 'approve', pre.verification.code);
    assert.equal((await duo.status(txid)).result, 'allow');
    // Without the preauth txid Duo refuses the push.
    await assert.rejects(duo.push('verified', pre.device, info, null), (e) => isSecOpsError(e, 'bad_response'));
    duo.close();
  });

  it("wrong keys: check says so; a tampered signature is refused with Duo's error shape", async () => {
    const wrongSecret = client({ skey: 'x'.repeat(40) });
    const r = await wrongSecret.check();
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.detail, /refused the Auth API keys.*40103/);
    wrongSecret.close();
    const wrongIkey = client({ ikey: 'DIWRONG0000000000000' });
    const r2 = await wrongIkey.check();
    assert.match(r2.ok ? '' : r2.detail, /40102/);
    wrongIkey.close();

    const raw = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `https://${sim.apiHost}/auth/v2/preauth`,
        {
          method: 'POST',
          ca: sim.caPem,
          headers: {
            date: new Date().toUTCString(),
            authorization: `Basic ${Buffer.from(`${ikey}:${'0'.repeat(128)}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
        },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end('username=alice');
    });
    assert.equal(raw.status, 401);
    assert.deepEqual(JSON.parse(raw.body), {
      stat: 'FAIL',
      code: 40103,
      message: 'Invalid signature in request credentials',
    });
  });

  it('a 429 comes back at once as rate_limited', async () => {
    const duo = client();
    sim.authApi!.rateLimitNext(1);
    await assert.rejects(duo.preauth('alice'), (e) => isSecOpsError(e, 'rate_limited'));
    assert.equal((await duo.preauth('alice')).kind, 'push');
    duo.close();
  });

  it('a Duo that never answers is a time-out, not a hang', async () => {
    const sockets: import('node:net').Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const duo = client({ host: `127.0.0.1:${port}`, timeoutMs: 200 });
    const started = Date.now();
    const r = await duo.check();
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.detail, /no answer within 200 ms/);
    assert.ok(Date.now() - started < 5000);
    duo.close();
    for (const s of sockets) s.destroy();
    silent.close();
  });
});
