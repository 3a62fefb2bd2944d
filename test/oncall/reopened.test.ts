import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SlaRepository } from '../../src/sla/repository.js';
import { listAudit } from '../../src/store/audit.js';
import { eventually, PRIMARY } from '../sla/sla-helpers.js';
import { type OnCallRig, startOnCallRig } from './oncall-helpers.js';

describe('an alert reopened in TheHive after the bot saw it closed (issue 10 item 10)', () => {
  let rig: OnCallRig;
  before(async () => {
    rig = await startOnCallRig();
  });
  after(async () => rig.stop());

  it('is tracked again and its ladder goes on', async () => {
    const repo = new SlaRepository(rig.h.bot.deps.db);
    const id = String(rig.sims.hive.addAlert({ severity: 2, title: 'reopened later', description: 'x' })._id);
    const smsTo = () => rig.sims.twilio.messages().filter((m) => m.to === PRIMARY && m.body.includes(`alert ${id}:`));
    await eventually(() => smsTo().length === 1, 8000, 'the first page');
    rig.sims.hive.closeAlert(id);
    await eventually(async () => (await repo.alerts.get(id))?.state === 'closed', 8000, 'seen closed');

    rig.sims.hive.reopenAlert(id);
    await eventually(async () => (await repo.alerts.get(id))?.state === 'open', 8000, 'tracked again');
    const audit = await listAudit(rig.h.bot.deps.db, `hive:${id}`);
    assert.equal(audit.filter((a) => a.action === 'sla.reopened').length, 1);
    const tracked = await repo.alerts.get(id);
    assert.equal(tracked?.firedTier, 0, 'the tier already sent is remembered, not sent again');
    assert.ok(tracked?.nextDue !== null, 'the next tier is scheduled again');
    assert.equal(smsTo().length, 1);
  });
});
