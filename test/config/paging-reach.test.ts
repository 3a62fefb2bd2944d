import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Env, loadConfig } from '../../src/config/env.js';
import { defaultPolicy, loadPolicyFile } from '../../src/config/policy.js';
import { pagingWarnings } from '../../src/startup/paging-reach.js';

const base: Env = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_APP_TOKEN: 'xapp-1-A1-abc',
  SLACK_ESCALATION_CHANNEL: 'C0ESCAL',
};
const thehive: Env = { THEHIVE_URL: 'http://127.0.0.1:9/', THEHIVE_API_KEY: 'k' };
const twilio: Env = {
  TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 't',
  TWILIO_FROM_NUMBER: '+15550001111',
};

function policy(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'policy-')), 'policy.yaml');
  writeFileSync(file, text);
  return file;
}

describe('start-up warns when paging cannot reach anyone', () => {
  it('TheHive and Twilio configured, default tiers page, no on-call numbers: both warnings', () => {
    const warnings = pagingWarnings(loadConfig({ ...base, ...thehive, ...twilio }));
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(
      warnings[0]!,
      /^paging reaches no one: tiers of severity 1, severity 2, severity 3, severity 4, high-risk words send SMS or call, but oncall\.primary is empty \(POLICY_FILE is not set/,
    );
    assert.match(
      warnings[1]!,
      /^escalation reaches no one: tiers of severity 3, severity 4 escalate, but oncall\.seniors/,
    );
  });

  it('names the policy file; quiet once it has numbers, or when Twilio or TheHive is off', () => {
    const empty = policy('sla: { snooze: 10m }\n');
    assert.match(
      pagingWarnings(loadConfig({ ...base, ...thehive, ...twilio, POLICY_FILE: empty }), empty)[0]!,
      /in \/.*policy\.yaml/,
    );
    const staffed = policy('oncall: { primary: ["+15550000101"], seniors: ["+15550000102"] }\n');
    assert.deepEqual(pagingWarnings(loadConfig({ ...base, ...thehive, ...twilio, POLICY_FILE: staffed })), []);
    assert.deepEqual(pagingWarnings(loadConfig({ ...base, ...thehive })), []);
    assert.deepEqual(pagingWarnings(loadConfig({ ...base, ...twilio })), []);
  });

  it('a policy whose higher severity escalates less than a lower one is named', () => {
    const file = policy(
      [
        'oncall: { primary: ["+15550000101"], seniors: ["+15550000102"] }',
        'sla:',
        '  severities:',
        '    1: { tiers: [ {after: 30m, notify: [slack, escalate]} ] }',
      ].join('\n'),
    );
    const warnings = pagingWarnings(loadConfig({ ...base, ...thehive, ...twilio, POLICY_FILE: file }));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /severity 2 uses escalate never, severity 1 after 30m/);
  });
});

it('policy.example.yaml shows the built-in defaults, except its example on-call numbers', () => {
  const example = loadPolicyFile('policy.example.yaml');
  const defaults = defaultPolicy();
  // second_factor and reuse_verification are optional keys the example spells out; absent,
  // the code reads them as 'auto' and 0, so those are the defaults it must show.
  const effective = { ...defaults, confirm: { secondFactor: 'auto', reuseVerificationMs: 0, ...defaults.confirm } };
  assert.deepEqual({ ...example, oncall: defaults.oncall, onCallPolicy: defaults.onCallPolicy }, effective);
  assert.deepEqual(example.oncall, { primary: ['+15550000001'], seniors: ['+15550000002'] });
  assert.deepEqual(example.onCallPolicy, {
    ...defaults.onCallPolicy,
    primary: ['+15550000001'],
    seniors: [{ phone: '+15550000002' }],
  });
});
