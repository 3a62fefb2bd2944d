/**
 * DuoSecondFactor on the real @duosecurity/duo_universal client, against the
 * Duo simulator over TLS (trusted through DUO_CA_FILE).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import winston from 'winston';
import { DuoSecondFactor, type DuoSecondFactorOptions } from '../../src/adapters/duo/duo-second-factor.js';
import { isSecOpsError } from '../../src/errors.js';
import { DuoSimulator, type PendingPrompt } from '../../src/sandbox/duo/duo-simulator.js';

const clientId = 'DIAAAAAAAAAAAAAAAAAA';
const clientSecret = 's'.repeat(40);
const redirectUrl = 'http://127.0.0.1:3000/duo/callback';
const logger = winston.createLogger({ silent: true });
const CODE_TTL_MS = 30_000;

let clockShiftMs = 0;
let sim: DuoSimulator;

function adapter(overrides: Partial<DuoSecondFactorOptions> = {}): DuoSecondFactor {
  return new DuoSecondFactor({
    clientId,
    clientSecret,
    apiHost: sim.apiHost,
    redirectUrl,
    caFile: sim.caFile,
    logger,
    ...overrides,
  });
}

const newState = () => randomBytes(16).toString('hex');

/** Runs the prompt as a browser would up to Duo's redirect, returning the code from it. */
async function promptAndDecide(
  duo: DuoSecondFactor,
  username: string,
  decision: 'allow' | 'deny',
  asUser?: string,
): Promise<string> {
  const state = newState();
  const promptId = sim.approveUrlFor(await duo.authUrl(username, state));
  const redirect = new URL(sim.decide(promptId, decision, { asUser }));
  assert.equal(`${redirect.origin}${redirect.pathname}`, redirectUrl);
  assert.equal(redirect.searchParams.get('state'), state);
  const code = redirect.searchParams.get('duo_code');
  assert.ok(code, 'redirect carries duo_code');
  return code;
}

describe('DuoSecondFactor against the Duo simulator', () => {
  before(async () => {
    sim = await DuoSimulator.start({
      clientId,
      clientSecret,
      codeTtlMs: CODE_TTL_MS,
      now: () => Date.now() + clockShiftMs,
    });
  });
  after(() => sim.stop());

  it('reports healthy, and unhealthy while Duo answers FAIL', async () => {
    const duo = adapter();
    assert.equal(await duo.healthy(), true);
    sim.setHealthy(false);
    try {
      assert.equal(await duo.healthy(), false);
    } finally {
      sim.setHealthy(true);
    }
    assert.equal(await duo.healthy(), true);
  });

  it('builds an auth URL the simulator accepts as a prompt for that user', async () => {
    const seen: PendingPrompt[] = [];
    const listener = (p: PendingPrompt) => seen.push(p);
    sim.on('prompt', listener);
    const state = newState();
    const id = sim.approveUrlFor(await adapter().authUrl('alice', state));
    sim.off('prompt', listener);
    const prompt = sim.pending().find((p) => p.id === id);
    assert.ok(prompt);
    assert.equal(prompt.username, 'alice');
    assert.equal(prompt.state, state);
    assert.equal(prompt.redirectUri, redirectUrl);
    assert.deepEqual(
      seen.map((p) => p.id),
      [id],
    );
  });

  it('verifies an approved prompt for the same user', async () => {
    const duo = adapter();
    const code = await promptAndDecide(duo, 'alice', 'allow');
    assert.deepEqual(await duo.verify(code, 'alice'), { ok: true, username: 'alice' });
  });

  it('reports a denied prompt as denied, although the token itself is valid', async () => {
    const duo = adapter();
    const outcome = await duo.verify(await promptAndDecide(duo, 'bob', 'deny'), 'bob');
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.reason, 'denied');
  });

  it('reports a token for another user as wrong_user', async () => {
    const duo = adapter();
    const outcome = await duo.verify(await promptAndDecide(duo, 'carol', 'allow', 'mallory'), 'carol');
    assert.equal(!outcome.ok && outcome.reason, 'wrong_user');
  });

  it('reports a code verified for a different user than prompted as wrong_user', async () => {
    const duo = adapter();
    const outcome = await duo.verify(await promptAndDecide(duo, 'dave', 'allow'), 'erin');
    assert.equal(!outcome.ok && outcome.reason, 'wrong_user');
  });

  it('refuses a replayed code', async () => {
    const duo = adapter();
    const code = await promptAndDecide(duo, 'frank', 'allow');
    assert.equal((await duo.verify(code, 'frank')).ok, true);
    const replay = await duo.verify(code, 'frank');
    assert.equal(replay.ok, false);
    assert.equal(!replay.ok && replay.reason, 'error');
    assert.match(!replay.ok ? replay.detail : '', /invalid_grant/);
  });

  it('refuses an unknown code and an expired code', async () => {
    const duo = adapter();
    const unknown = await duo.verify('DCnot-a-code-duo-ever-issued', 'grace');
    assert.equal(!unknown.ok && unknown.reason, 'error');
    assert.match(!unknown.ok ? unknown.detail : '', /invalid_grant/);

    const code = await promptAndDecide(duo, 'grace', 'allow');
    clockShiftMs = CODE_TTL_MS + 1_000;
    try {
      const expired = await duo.verify(code, 'grace');
      assert.equal(!expired.ok && expired.reason, 'error');
      assert.match(!expired.ok ? expired.detail : '', /expired/);
    } finally {
      clockShiftMs = 0;
    }
  });

  it('refuses a code issued for another redirect URI', async () => {
    const code = await promptAndDecide(adapter(), 'heidi', 'allow');
    const other = adapter({ redirectUrl: 'http://127.0.0.1:3999/duo/callback' });
    const outcome = await other.verify(code, 'heidi');
    assert.equal(!outcome.ok && outcome.reason, 'error');
  });

  it('is unhealthy and cannot verify with a wrong client secret', async () => {
    const code = await promptAndDecide(adapter(), 'ivan', 'allow');
    const wrong = adapter({ clientSecret: 'x'.repeat(40) });
    assert.equal(await wrong.healthy(), false);
    const outcome = await wrong.verify(code, 'ivan');
    assert.equal(!outcome.ok && outcome.reason, 'error');
    assert.match(!outcome.ok ? outcome.detail : '', /invalid_client/);
  });

  it("keeps Duo's CA pinning when no CA file is configured", async () => {
    const pinned = adapter({ caFile: undefined });
    assert.equal(await pinned.healthy(), false);
    const code = await promptAndDecide(adapter(), 'judy', 'allow');
    const outcome = await pinned.verify(code, 'judy');
    assert.equal(!outcome.ok && outcome.reason, 'error');
    assert.match(!outcome.ok ? outcome.detail : '', /certificate|self.signed|verify/i);
    // The TLS refusal happened before any HTTP request: the code is still redeemable.
    assert.equal((await adapter().verify(code, 'judy')).ok, true);
  });

  it('rejects bad configuration with errors naming the variable', () => {
    assert.throws(
      () => adapter({ clientId: 'short' }),
      (err) => isSecOpsError(err, 'config') && /DUO_CLIENT_ID/.test(err.message),
    );
    assert.throws(
      () => adapter({ clientSecret: 'short' }),
      (err) => isSecOpsError(err, 'config') && /DUO_CLIENT_SECRET/.test(err.message),
    );
    assert.throws(
      () => adapter({ caFile: '/nonexistent/duo-ca.pem' }),
      (err) => isSecOpsError(err, 'config') && /DUO_CA_FILE/.test(err.message),
    );
  });

  it('rejects a state the Duo client would not send', async () => {
    await assert.rejects(adapter().authUrl('alice', 'too-short'), (err) => isSecOpsError(err, 'invalid_input'));
  });
});
