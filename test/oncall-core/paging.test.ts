import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { optedOutNotice, planPage } from '../../src/core/oncall/paging.js';
import type { OnCallHolder, OnCallPerson } from '../../src/core/oncall/rotation.js';

const alice: OnCallPerson = { name: 'alice', slack: 'U0ALICE', phone: '+15550000101' };
const rotation: OnCallHolder = { kind: 'rotation', person: alice, shift: 0 };
const seniors: OnCallPerson[] = [
  { name: 'carol', slack: 'U0CAROL', phone: '+15550000103' },
  { name: '+15550000002', slack: null, phone: '+15550000002' },
  { name: 'dave', slack: 'U0DAVE', phone: null },
];
const none = new Set<string>();

describe('planPage', () => {
  it('sms and call go to whoever is on call; the notice mentions and DMs them', () => {
    assert.deepEqual(planPage(['slack', 'sms'], rotation, seniors, none), {
      phone: [{ method: 'sms', to: '+15550000101' }],
      mention: 'U0ALICE',
      channel: true,
    });
  });

  it('escalate calls every senior with a phone, by name or by number', () => {
    assert.deepEqual(planPage(['escalate'], rotation, seniors, none).phone, [
      { method: 'escalate', to: '+15550000103' },
      { method: 'escalate', to: '+15550000002' },
    ]);
  });

  it('an override holder is paged the same way; someone with no phone only gets Slack', () => {
    const override: OnCallHolder = {
      kind: 'override',
      person: { name: 'U0DAVE', slack: 'U0DAVE', phone: null },
      override: { slack: 'U0DAVE', startsAt: 0, endsAt: 1, by: 'U0CAROL' },
    };
    assert.deepEqual(planPage(['slack', 'sms', 'call'], override, [], none), {
      phone: [],
      mention: 'U0DAVE',
      channel: true,
    });
  });

  it('oncall.primary without a rotation pages every number and mentions nobody', () => {
    const primary: OnCallHolder = { kind: 'primary', phones: ['+15550000001', '+15550000009'] };
    const plan = planPage(['sms'], primary, [], none);
    assert.deepEqual(
      plan.phone.map((p) => p.to),
      ['+15550000001', '+15550000009'],
    );
    assert.equal(plan.mention, null);
  });

  it('a number that texted STOP is called instead of texted, and not called twice in one tier', () => {
    const out = new Set(['+15550000101']);
    assert.deepEqual(planPage(['sms'], rotation, [], out).phone, [
      { method: 'call', to: '+15550000101', insteadOfSms: true },
    ]);
    assert.deepEqual(planPage(['sms', 'call'], rotation, [], out).phone, [{ method: 'call', to: '+15550000101' }]);
  });

  it('the opt-out notice says how to fix it', () => {
    assert.match(optedOutNotice('<@U0ALICE>'), /text START/);
  });
});
