/**
 * Faults in the Universal Prompt path (issues 12 §5 and 16 §2): every Duo call is bounded, a Duo
 * outage is 2fa_unavailable, a second load of the same link shares the first's outcome, Duo's
 * error text is capped, and the authorize URL's signed request never reaches a log line.
 */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DuoSecondFactor } from '../../src/adapters/duo/duo-second-factor.js';
import { redactString, silentLogger } from '../../src/log.js';
import {
  escalationsFor,
  finishDuo,
  getAlert,
  raise,
  useRig,
  waitForEscalation,
  waitForStatus,
  yesAndLink,
} from '../confirm/helpers.js';

describe('Duo calls are bounded', () => {
  let port = 0;
  const sockets: Socket[] = [];
  const silent = createServer((s) => sockets.push(s));
  before(async () => {
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    port = (silent.address() as { port: number }).port;
  });
  after(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });

  it('a Duo that accepts and never answers: health check false and exchange unavailable, within the bound', async () => {
    const duo = new DuoSecondFactor({
      clientId: 'DIAAAAAAAAAAAAAAAAAA',
      clientSecret: 's'.repeat(40),
      apiHost: `127.0.0.1:${port}`,
      redirectUrl: 'http://127.0.0.1/duo/callback',
      logger: silentLogger(),
      timeoutMs: 300,
    });
    const started = Date.now();
    assert.equal(await duo.healthy(), false);
    const outcome = await duo.verify('some-code', 'alice');
    assert.ok(Date.now() - started < 5000, 'both calls ended near their 300 ms bound');
    assert.equal(outcome.ok, false);
    assert.equal(outcome.ok ? '' : outcome.reason, 'unavailable');
  });
});

describe('Universal Prompt callback faults', () => {
  const rig = useRig({ policy: '  timeout: 1h\n  second_factor: prompt\n' });
  const h = () => rig.h;

  it("a second load of the link during a slow exchange shares the first one's outcome", async () => {
    const id = await raise(h(), 'U0ALICE');
    const link = await yesAndLink(h(), 'U0ALICE', id);
    const redirect = new URL(rig.duo!.decide(rig.duo!.approveUrlFor(link), 'allow'));
    const url = `${h().url}${redirect.pathname}${redirect.search}`;
    rig.duo!.setTokenDelay(400);
    try {
      const first = fetch(url);
      await new Promise((r) => setTimeout(r, 100));
      const second = await fetch(url);
      const firstRes = await first;
      assert.equal(firstRes.status, 200);
      assert.equal(second.status, 200);
      assert.match(await second.text(), /Verified/);
    } finally {
      rig.duo!.setTokenDelay(0);
    }
    assert.equal((await waitForStatus(h(), id, 'confirmed')).status, 'confirmed');
    assert.equal(escalationsFor(h(), id).length, 0);
  });

  it("Duo's long error_description (12 KB here; 40 KB was seen) is cut before it is stored", async () => {
    const id = await raise(h(), 'U0BOB');
    const link = await yesAndLink(h(), 'U0BOB', id);
    const state = new URL(rig.duo!.decide(rig.duo!.approveUrlFor(link), 'deny')).searchParams.get('state')!;
    const q = new URLSearchParams({ state, error: 'access_denied', error_description: 'x'.repeat(12_000) });
    const res = await fetch(`${h().url}/duo/callback?${q}`);
    assert.equal(res.status, 403);
    const alert = await waitForStatus(h(), id, 'escalated');
    assert.ok((alert.detail ?? '').length < 500, `detail is ${alert.detail?.length} chars`);
    await waitForEscalation(h(), id);
  });

  it('a Duo outage during the callback is 2fa_unavailable, said as such', async () => {
    const id = await raise(h(), 'U0CAROL');
    const link = await yesAndLink(h(), 'U0CAROL', id);
    const redirect = new URL(rig.duo!.decide(rig.duo!.approveUrlFor(link), 'allow'));
    // The same bot, restarted against a Duo host that refuses connections.
    await h().restart({ DUO_API_HOST: '127.0.0.1:1' });
    try {
      const res = await fetch(`${h().url}${redirect.pathname}${redirect.search}`);
      assert.equal(res.status, 403);
      assert.match(await res.text(), /Duo could not be reached/);
      const alert = await waitForStatus(h(), id, 'escalated');
      assert.equal(alert.reason, '2fa_unavailable');
      assert.match(alert.detail ?? '', /Duo could not be reached/);
      assert.match(
        JSON.stringify((await waitForEscalation(h(), id)).blocks),
        /could not be verified \(Duo unavailable\)/,
      );
    } finally {
      await h().restart({ DUO_API_HOST: rig.duo!.apiHost });
    }
    assert.ok((await getAlert(h(), id)).history.length > 0);
  });

  it('after a deny, the "Verify with Duo" button is replaced by what happened (issue 15 §4)', async () => {
    const id = await raise(h(), 'U0DAVE');
    const link = await yesAndLink(h(), 'U0DAVE', id);
    const page = await finishDuo(h(), rig.duo!, link, 'deny');
    assert.equal(page.status, 403);
    await waitForStatus(h(), id, 'escalated');
    const dm = h().sim.dmChannelFor('U0DAVE');
    const linkMessages = () =>
      h()
        .sim.messages(dm)
        .filter((m) => JSON.stringify(m.blocks ?? []).includes(link));
    for (let i = 0; i < 100 && linkMessages().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(linkMessages().length, 0, 'no message still carries the Duo link');
    assert.ok(
      h()
        .sim.messages(dm)
        .some((m) => m.text.includes('This Duo link no longer works') && m.text.includes(`alert #${id}`)),
    );
  });

  it("the authorize URL's signed request (with the single-use state) is redacted from logs", async () => {
    const duo = new DuoSecondFactor({
      clientId: 'DIAAAAAAAAAAAAAAAAAA',
      clientSecret: 's'.repeat(40),
      apiHost: rig.duo!.apiHost,
      redirectUrl: 'http://127.0.0.1/duo/callback',
      logger: silentLogger(),
      caFile: rig.duo!.caFile,
    });
    const url = await duo.authUrl('alice', 'S'.repeat(32));
    const jwt = new URL(url).searchParams.get('request')!;
    assert.ok(jwt.length > 50);
    const line = redactString(JSON.stringify({ blocks: [{ url }] }));
    assert.ok(!line.includes(jwt), line);
    assert.match(line, /request=\[REDACTED\]/);
  });
});
