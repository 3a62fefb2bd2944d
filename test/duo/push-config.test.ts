/** DUO_AUTH_API_*, DUO_USERNAME_FROM and the confirm.second_factor / reuse_verification policy keys. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Env, loadConfig, secretsOf } from '../../src/config/env.js';
import { loadPolicyFile } from '../../src/config/policy.js';
import { duoUsernameFor } from '../../src/confirm/duo-username.js';

const base: Env = {
  SLACK_BOT_TOKEN: 'xoxb-1',
  SLACK_APP_TOKEN: 'xapp-1',
  SLACK_ESCALATION_CHANNEL: 'C0ESCAL',
};
const ikey = 'DIAUTHAPIIKEY0000001';
const skey = 'a'.repeat(40);

describe('Duo Auth API configuration', () => {
  it('is off without keys; the host defaults to DUO_API_HOST; the secret key is scrubbed from logs', () => {
    assert.equal(loadConfig(base).duoAuthApi, null);
    const c = loadConfig({
      ...base,
      DUO_CLIENT_ID: 'DIAAAAAAAAAAAAAAAAAA',
      DUO_CLIENT_SECRET: 's'.repeat(40),
      DUO_API_HOST: 'api-abc.duosecurity.com',
      DUO_AUTH_API_IKEY: ikey,
      DUO_AUTH_API_SKEY: skey,
    });
    assert.deepEqual(c.duoAuthApi, { ikey, skey, host: 'api-abc.duosecurity.com', caFile: null });
    assert.ok(secretsOf(c).includes(skey));
    const own = loadConfig({
      ...base,
      DUO_AUTH_API_IKEY: ikey,
      DUO_AUTH_API_SKEY: skey,
      DUO_AUTH_API_HOST: 'api-x.duosecurity.com',
    });
    assert.equal(own.duoAuthApi?.host, 'api-x.duosecurity.com');
  });

  for (const [env, message] of [
    [{ DUO_AUTH_API_IKEY: ikey }, /DUO_AUTH_API_SKEY is required/],
    [{ DUO_AUTH_API_IKEY: 'short', DUO_AUTH_API_SKEY: skey, DUO_AUTH_API_HOST: 'h' }, /DUO_AUTH_API_IKEY must be 20/],
    [{ DUO_AUTH_API_IKEY: ikey, DUO_AUTH_API_SKEY: 'x', DUO_AUTH_API_HOST: 'h' }, /DUO_AUTH_API_SKEY must be 40/],
    [{ DUO_AUTH_API_IKEY: ikey, DUO_AUTH_API_SKEY: skey }, /DUO_AUTH_API_HOST \(or DUO_API_HOST\) is required/],
    [
      { DUO_AUTH_API_IKEY: ikey, DUO_AUTH_API_SKEY: skey, DUO_AUTH_API_HOST: 'https://x/' },
      /DUO_AUTH_API_HOST must be a host/,
    ],
    [{ DUO_USERNAME_FROM: 'upn' }, /DUO_USERNAME_FROM must be one of email_local, email, slack_username/],
  ] as const) {
    it(`refuses ${JSON.stringify(env)} naming the variable`, () => {
      assert.throws(() => loadConfig({ ...base, ...env }), message);
    });
  }

  it('DUO_USERNAME_FROM picks the Duo username for both paths', () => {
    assert.equal(loadConfig(base).duoUsernameFrom, 'email_local');
    assert.equal(duoUsernameFor('alice.a@example.com', 'email_local', 'alice'), 'alice.a');
    assert.equal(duoUsernameFor('alice.a@example.com', 'email', 'alice'), 'alice.a@example.com');
    assert.equal(duoUsernameFor('alice.a@example.com', 'slack_username', 'alice'), 'alice');
    assert.equal(duoUsernameFor(null, 'email'), null);
    assert.equal(duoUsernameFor('x@example.com', 'slack_username', ''), null);
  });
});

describe('confirm.second_factor and confirm.reuse_verification', () => {
  const policy = (yaml: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'push-policy-')), 'policy.yaml');
    writeFileSync(file, yaml);
    return loadPolicyFile(file);
  };
  it('defaults to auto and off; accepts push, prompt and up to 1h', () => {
    assert.equal(policy('confirm:\n  timeout: 1h\n').confirm.secondFactor ?? 'auto', 'auto');
    assert.equal(policy('confirm:\n  timeout: 1h\n').confirm.reuseVerificationMs ?? 0, 0);
    const p = policy('confirm:\n  second_factor: prompt\n  reuse_verification: 1h\n');
    assert.equal(p.confirm.secondFactor, 'prompt');
    assert.equal(p.confirm.reuseVerificationMs, 3_600_000);
    assert.equal(policy('confirm:\n  reuse_verification: off\n').confirm.reuseVerificationMs, 0);
  });
  it('refuses other values, naming the path', () => {
    assert.throws(
      () => policy('confirm:\n  second_factor: sms\n'),
      /confirm\.second_factor: must be one of auto, push, prompt/,
    );
    assert.throws(
      () => policy('confirm:\n  reuse_verification: 2h\n'),
      /confirm\.reuse_verification: must be a duration of at most 1h/,
    );
  });
});
