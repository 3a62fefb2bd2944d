/** The operator settings this wave adds: LEASE_TTL_SECONDS and METRICS_TOKEN. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/config-error.js';
import { type Env, loadConfig, secretsOf } from '../../src/config/env.js';

const base: Env = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_APP_TOKEN: 'xapp-1-A1-abc',
  SLACK_ESCALATION_CHANNEL: 'C0ESCAL',
};

function fails(env: Env, message: string): void {
  assert.throws(
    () => loadConfig({ ...base, ...env }),
    (err: unknown) => err instanceof ConfigError && err.message === message,
  );
}

describe('LEASE_TTL_SECONDS and METRICS_TOKEN', () => {
  it('defaults: a 15 s lease, /metrics open', () => {
    const c = loadConfig(base);
    assert.equal(c.leaseTtlMs, 15_000);
    assert.equal(c.metricsToken, null);
  });

  it('LEASE_TTL_SECONDS is seconds between 3 and 300', () => {
    assert.equal(loadConfig({ ...base, LEASE_TTL_SECONDS: '60' }).leaseTtlMs, 60_000);
    const message = 'LEASE_TTL_SECONDS must be a number of seconds between 3 and 300';
    for (const bad of ['2', '301', 'ten', '-5']) fails({ LEASE_TTL_SECONDS: bad }, message);
  });

  it('METRICS_TOKEN needs 16 characters and is scrubbed from logs like every secret', () => {
    fails({ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN must be at least 16 characters');
    const c = loadConfig({ ...base, METRICS_TOKEN: 'metrics-token-0123456789' });
    assert.equal(c.metricsToken, 'metrics-token-0123456789');
    assert.ok(secretsOf(c).includes('metrics-token-0123456789'));
  });
});
