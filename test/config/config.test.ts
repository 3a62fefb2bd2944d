import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/config-error.js';
import { type Env, loadConfig } from '../../src/config/env.js';

const base: Env = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_APP_TOKEN: 'xapp-1-A1-abc',
  SLACK_ESCALATION_CHANNEL: 'C0ESCAL',
};

function fails(env: Env, pattern: RegExp): void {
  assert.throws(
    () => loadConfig(env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.match(err.message, pattern);
      assert.equal(err.message.includes('\n'), false, 'one line');
      return true;
    },
  );
}

function policyFile(text: string, ext = 'yaml'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'policy-')), `policy.${ext}`);
  writeFileSync(file, text);
  return file;
}

describe('config from the environment', () => {
  it('minimal valid environment gets the documented defaults', () => {
    const c = loadConfig(base);
    assert.equal(c.slack.apiUrl, 'https://slack.com/api/');
    assert.equal(c.slack.alertsChannel, 'C0ESCAL');
    assert.equal(c.slack.digestChannel, 'C0ESCAL');
    assert.equal(c.slack.responders, null);
    assert.equal(c.databaseUrl, 'sqlite:./data/secops-bot.sqlite');
    assert.equal(c.port, 3000);
    assert.equal(c.publicUrl, 'http://localhost:3000');
    assert.equal(c.apiToken, null);
    assert.equal(c.thehive, null);
    assert.equal(c.nanitor, null);
    assert.equal(c.twilio, null);
    assert.equal(c.duo, null);
    assert.equal(c.digest.schedule, '0 9 * * *');
    assert.equal(c.logLevel, 'info');
    assert.equal(c.policy.confirm.timeoutMs, 2 * 3600_000);
    assert.equal(c.policy.sla.snoozeMs, 30 * 60_000);
  });

  for (const name of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_ESCALATION_CHANNEL']) {
    it(`missing ${name} names it`, () => fails({ ...base, [name]: undefined }, new RegExp(`^${name} is required`)));
    it(`blank ${name} counts as missing`, () => fails({ ...base, [name]: '  ' }, new RegExp(`^${name} is required`)));
  }

  it('token prefixes are checked without echoing the token', () => {
    fails(
      { ...base, SLACK_BOT_TOKEN: 'xoxp-secret-user-token' },
      /^SLACK_BOT_TOKEN must be a bot token starting with xoxb-$/,
    );
    fails({ ...base, SLACK_APP_TOKEN: 'xoxb-1' }, /^SLACK_APP_TOKEN must be an app-level token/);
  });

  it('bad URLs name their variable', () => {
    fails({ ...base, SLACK_API_URL: 'not a url' }, /^SLACK_API_URL must be an http\(s\) URL/);
    fails({ ...base, PUBLIC_URL: 'ftp://x' }, /^PUBLIC_URL must be an http\(s\) URL/);
    fails({ ...base, THEHIVE_URL: 'hive.local', THEHIVE_API_KEY: 'k' }, /^THEHIVE_URL must be an http\(s\) URL/);
    fails({ ...base, DATABASE_URL: 'postgres://x/y' }, /^DATABASE_URL must be mysql:/);
  });

  it('bad ports', () => {
    fails({ ...base, PORT: 'eighty' }, /^PORT must be a port number/);
    fails({ ...base, PORT: '70000' }, /^PORT must be a port number/);
    fails({ ...base, PORT: '-1' }, /^PORT must be a port number/);
    assert.equal(loadConfig({ ...base, PORT: '0' }).port, 0);
  });

  it('bad cron and time zone', () => {
    fails(
      { ...base, DIGEST_SCHEDULE: 'every morning' },
      /^DIGEST_SCHEDULE: 'every morning' is not a valid cron expression/,
    );
    fails({ ...base, DIGEST_SCHEDULE: '61 9 * * *' }, /^DIGEST_SCHEDULE/);
    fails({ ...base, TZ: 'Mars/Olympus' }, /^TZ: unknown time zone/);
    assert.equal(loadConfig({ ...base, DIGEST_SCHEDULE: '*/5 * * * * *', TZ: 'Europe/Oslo' }).digest.tz, 'Europe/Oslo');
  });

  it('channels must be IDs, not names', () => {
    fails(
      { ...base, SLACK_ESCALATION_CHANNEL: '#security' },
      /^SLACK_ESCALATION_CHANNEL: '#security' is not a Slack channel ID/,
    );
    fails({ ...base, SLACK_ALERTS_CHANNEL: 'alerts' }, /^SLACK_ALERTS_CHANNEL/);
  });

  it('integrations need all their variables', () => {
    fails({ ...base, THEHIVE_URL: 'http://hive' }, /^THEHIVE_API_KEY is required when THEHIVE_URL is set/);
    fails({ ...base, NANITOR_BASE_URL: 'http://n/system_api' }, /^NANITOR_API_TOKEN is required/);
    fails({ ...base, TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}` }, /^TWILIO_AUTH_TOKEN is required when any of/);
    fails(
      { ...base, TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM_NUMBER: '+15550001111' },
      /^TWILIO_ACCOUNT_SID must look like/,
    );
    fails({ ...base, DUO_CLIENT_ID: 'x' }, /^DUO_CLIENT_SECRET is required/);
    fails(
      { ...base, DUO_CLIENT_ID: 'short', DUO_CLIENT_SECRET: 's'.repeat(40), DUO_API_HOST: 'api-x.duosecurity.com' },
      /^DUO_CLIENT_ID must be 20/,
    );
    fails(
      { ...base, THEHIVE_URL: 'http://hive', THEHIVE_API_KEY: 'k', THEHIVE_POLL_SECONDS: '0' },
      /^THEHIVE_POLL_SECONDS/,
    );
    fails({ ...base, API_TOKEN: 'short' }, /^API_TOKEN must be at least 16/);
    fails({ ...base, LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/);
    fails({ ...base, SLACK_RESPONDERS: 'U0CAROL,carol' }, /^SLACK_RESPONDERS: 'carol' is not a Slack user ID/);
  });

  it('full environment parses', () => {
    const c = loadConfig({
      ...base,
      SLACK_ALERTS_CHANNEL: 'C0ALERTS',
      SLACK_RESPONDERS: 'U0CAROL, U0DAVE',
      THEHIVE_URL: 'https://hive.example.com/',
      THEHIVE_API_KEY: 'hive-key',
      THEHIVE_POLL_SECONDS: '15',
      TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'tok',
      TWILIO_FROM_NUMBER: '+15550001111',
      DUO_CLIENT_ID: 'D'.repeat(20),
      DUO_CLIENT_SECRET: 's'.repeat(40),
      DUO_API_HOST: 'api-12345678.duosecurity.com',
    });
    assert.equal(c.slack.digestChannel, 'C0ALERTS');
    assert.deepEqual(c.slack.responders, ['U0CAROL', 'U0DAVE']);
    assert.equal(c.thehive?.url, 'https://hive.example.com');
    assert.equal(c.thehive?.pollIntervalMs, 15_000);
    assert.equal(c.twilio?.apiUrl, 'https://api.twilio.com');
    assert.equal(c.duo?.caFile, null);
  });

  it('base URLs lose trailing slashes; the Slack API base keeps exactly one', () => {
    const c = loadConfig({
      ...base,
      SLACK_API_URL: 'http://127.0.0.1:9/api',
      PUBLIC_URL: 'https://bot.example.com//',
      NANITOR_BASE_URL: 'https://x.nanitor.net/system_api/',
      NANITOR_API_TOKEN: 'n',
    });
    assert.equal(c.slack.apiUrl, 'http://127.0.0.1:9/api/');
    assert.equal(c.publicUrl, 'https://bot.example.com');
    assert.equal(c.nanitor?.baseUrl, 'https://x.nanitor.net/system_api');
    assert.equal(
      loadConfig({ ...base, SLACK_API_URL: 'http://127.0.0.1:9/api//' }).slack.apiUrl,
      'http://127.0.0.1:9/api/',
    );
  });

  it("without THEHIVE_POLL_SECONDS the policy's sla.poll_interval is the poll interval, as written", () => {
    const hive = { ...base, THEHIVE_URL: 'http://hive', THEHIVE_API_KEY: 'k' };
    assert.equal(loadConfig(hive).thehive?.pollIntervalMs, 60_000);
    const fast = policyFile('sla:\n  poll_interval: 500ms\n');
    assert.equal(loadConfig({ ...hive, POLICY_FILE: fast }).thehive?.pollIntervalMs, 500);
    assert.equal(loadConfig({ ...hive, POLICY_FILE: fast, THEHIVE_POLL_SECONDS: '2' }).thehive?.pollIntervalMs, 2000);
  });
});

describe('policy file', () => {
  it('overlays only the keys it names', () => {
    const file = policyFile(
      'confirm:\n  timeout: 45s\nsla:\n  snooze: 5m\n  severities:\n    2:\n      tiers: [{after: 1m, notify: [sms]}, {after: 2m, notify: [slack, call]}]\noncall:\n  primary: ["+15550000001"]\ndigest:\n  p0: { fail_above: 3 }\n',
    );
    const c = loadConfig({ ...base, POLICY_FILE: file });
    assert.equal(c.policy.confirm.timeoutMs, 45_000);
    assert.equal(c.policy.sla.snoozeMs, 300_000);
    assert.deepEqual(c.policy.sla.severities[2].tiers, [
      { afterMs: 60_000, notify: ['sms'] },
      { afterMs: 120_000, notify: ['slack', 'call'] },
    ]);
    assert.equal(c.policy.sla.severities[1].tiers.length, 3, 'other severities keep defaults');
    assert.deepEqual(c.policy.oncall.primary, ['+15550000001']);
    assert.equal(c.policy.digest.p0.failAbove, 3);
    assert.equal(c.policy.digest.p0.warnAbove, 0);
  });

  it('JSON works too', () => {
    const c = loadConfig({ ...base, POLICY_FILE: policyFile('{"sla":{"max_age":"2d"}}', 'json') });
    assert.equal(c.policy.sla.maxAgeMs, 2 * 86_400_000);
  });

  it('unknown keys and bad values name their path', () => {
    const cases: [string, RegExp][] = [
      ['confirm:\n  timout: 2h\n', /confirm\.timout: unknown key/],
      ['confirm:\n  timeout: soon\n', /confirm\.timeout: /],
      ['sla:\n  severities:\n    5: {enabled: true}\n', /sla\.severities\.5: unknown key/],
      [
        'sla:\n  severities:\n    1:\n      tiers: [{after: 1m, notify: [fax]}]\n',
        /sla\.severities\.1\.tiers\[0\]\.notify\[0\]: unknown method 'fax'/,
      ],
      [
        'sla:\n  severities:\n    1:\n      tiers: [{notify: [sms]}]\n',
        /sla\.severities\.1\.tiers\[0\]\.after: is required/,
      ],
      ['oncall:\n  primary: ["555-1234"]\n', /oncall\.primary\[0\]: must be an E\.164 number/],
      ['digest:\n  health: {warn_below: "high"}\n', /digest\.health\.warn_below: must be a number/],
      ['sla:\n  high_risk: {severities: [7]}\n', /sla\.high_risk\.severities\[0\]: must be 1, 2, 3 or 4/],
      ['- just\n- a list\n', /policy: must be a mapping/],
      ['confirm: [\n', /is not valid YAML/],
    ];
    for (const [text, pattern] of cases) fails({ ...base, POLICY_FILE: policyFile(text) }, pattern);
    fails(
      { ...base, POLICY_FILE: '/nonexistent/policy.yaml' },
      /^POLICY_FILE: cannot read \/nonexistent\/policy\.yaml: ENOENT/,
    );
  });

  it('cross-field problems from the core validators are reported', () => {
    fails(
      { ...base, POLICY_FILE: policyFile('oncall:\n  primary: ["+15550000001", "+15550000001"]\n') },
      /oncall\.primary\[1\] repeats primary\[0\]/,
    );
    fails(
      { ...base, POLICY_FILE: policyFile('digest:\n  health: {warn_below: 0.5, fail_below: 0.9}\n') },
      /digest|health/,
    );
    fails({ ...base, POLICY_FILE: policyFile('confirm:\n  business_hours: {tz: Mars/Base}\n') }, /Mars\/Base/);
  });
});
