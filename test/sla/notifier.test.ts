/**
 * The notifier and the monitor's poll against a real SQLite store and the real outbox, with
 * in-process TheHive, Twilio and Slack fakes: the cases that are hard to provoke through the
 * simulators (a Twilio timeout, a promotion between claim and send, racing notice posts, paging
 * shifts).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import winston from 'winston';
import type { PhonePort, PhoneSendResult, TicketAlert, TicketCase, TicketingPort } from '../../src/core/ports.js';
import { DEFAULT_SLA_POLICY } from '../../src/core/sla/policy.js';
import { SecOpsError } from '../../src/errors.js';
import { Outbox } from '../../src/outbox/outbox.js';
import type { Transport } from '../../src/outbox/transports.js';
import type { SlackPayload } from '../../src/outbox/types.js';
import { SlaMonitor } from '../../src/sla/monitor.js';
import { noticeBlocks, noticeText } from '../../src/sla/notice-blocks.js';
import { SlaNotifier } from '../../src/sla/notifier.js';
import { SlaRepository } from '../../src/sla/repository.js';
import type { Db } from '../../src/store/db.js';
import { openDatabase } from '../../src/store/db.js';
import type { LeaseKeeper } from '../../src/store/leases.js';
import { migrateLatest } from '../../src/store/migrate.js';
import { freshSqlite, type TestStore } from '../helpers/stores.js';

const PRIMARY = '+15550000001';
const logger = winston.createLogger({ silent: true });
const clock = { now: () => new Date() };

const hiveAlert = (id: string, over: Partial<TicketAlert> = {}): TicketAlert => ({
  id,
  title: `Alert ${id}`,
  description: 'd',
  severity: 2,
  createdAt: Date.now() - 60_000,
  state: 'open',
  caseId: null,
  observables: [],
  ...over,
});

class FakeHive implements TicketingPort {
  listed: TicketAlert[] = [];
  byId = new Map<string, TicketAlert | null | Error>();
  async listOpenAlerts() {
    return this.listed;
  }
  async getAlert(id: string) {
    const answer = this.byId.get(id);
    if (answer instanceof Error) throw answer;
    return answer ?? null;
  }
  async promote(): Promise<TicketCase> {
    return { id: '~c1', number: 1 };
  }
  alertUrl(id: string) {
    return `http://hive.test/alerts/${encodeURIComponent(id)}`;
  }
  caseUrl(c: TicketCase) {
    return `http://hive.test/cases/${encodeURIComponent(c.id)}`;
  }
}

class FakePhone implements PhonePort {
  sent: string[] = [];
  failWith: Error | null = null;
  async sendSms(to: string): Promise<PhoneSendResult> {
    this.sent.push(to);
    if (this.failWith) throw this.failWith;
    return { sid: `SM${this.sent.length}`, status: 'queued' };
  }
  async call(to: string): Promise<PhoneSendResult> {
    return this.sendSms(to);
  }
}

class FakeSlack implements Transport {
  posts: Array<{ text: string; thread_ts?: string }> = [];
  updates: SlackPayload[] = [];
  async send(row: { kind: string }, payload: SlackPayload) {
    // A slow Slack makes racing notice posts overlap.
    await new Promise((r) => setTimeout(r, 30));
    if (row.kind === 'slack_update') {
      this.updates.push(payload);
      return { channel: 'C0ALERTS', id: payload.ts ?? null };
    }
    this.posts.push({ text: payload.text, thread_ts: payload.thread_ts });
    return { channel: 'C0ALERTS', id: `1.${String(this.posts.length).padStart(6, '0')}` };
  }
}

describe('SLA notifier and poll (SQLite, fakes)', () => {
  const stores: TestStore[] = [];
  const dbs: Db[] = [];
  const outboxes: Outbox[] = [];
  after(async () => {
    for (const o of outboxes) await o.stop(0);
    for (const db of dbs) await db.destroy();
    for (const s of stores) await s.drop();
  });

  const setup = async () => {
    const store = await freshSqlite();
    stores.push(store);
    const db = openDatabase(store.url);
    dbs.push(db);
    await migrateLatest(db);
    const repo = new SlaRepository(db);
    const hive = new FakeHive();
    const phone = new FakePhone();
    const slack = new FakeSlack();
    const outbox = new Outbox({
      db,
      replicaId: 'test',
      clock,
      logger,
      slackSender: null,
      slackReader: null as never,
      slackTransport: slack as unknown as Transport,
      phone,
      tuning: { pollMs: 10, backoffMs: 1, maxBackoffMs: 5, slackPostIntervalMs: 0, slackUpdateIntervalMs: 0 },
    });
    outboxes.push(outbox);
    const notifier = new SlaNotifier({
      db,
      repo,
      outbox,
      ticketing: hive,
      phone,
      oncall: { primary: [PRIMARY], seniors: [] },
      policy: DEFAULT_SLA_POLICY,
      alertsChannel: 'C0ALERTS',
      clock,
      logger,
    });
    const fire = async (id: string, methods: string[]) => {
      await repo.alerts.insertAlerts([{ alert: hiveAlert(id), nextDue: Date.now() }], Date.now());
      const claimed = await repo.alerts.claimFire(
        id,
        {
          expectedTier: -1,
          expectedHighRisk: false,
          tier: 0,
          label: '2s tier (1 of 3)',
          highRisk: false,
          next: null,
          notifications: notifier.keysFor(0, methods),
        },
        Date.now(),
        (trx) => notifier.queue(trx, id, methods),
      );
      assert.ok(claimed);
    };
    /** Lets the outbox send what is queued, and waits until nothing is left. */
    const deliver = async () => {
      outbox.start();
      await outbox.drained();
    };
    return { db, repo, hive, phone, outbox: slack, notifier, fire, deliver };
  };

  const texts = (o: FakeSlack) => o.posts.map((p) => p.text);

  it('a Twilio timeout is not retried: recorded as unknown and told as maybe sent', async () => {
    const { repo, phone, outbox, fire, deliver } = await setup();
    await fire('~1', ['sms']);
    phone.failWith = new SecOpsError('timeout', 'Twilio send SMS timed out (5000 ms)');
    await deliver();
    assert.equal(phone.sent.length, 1, 'one try only: a retry could text twice');
    const [row] = await repo.notifications.forAlert('~1');
    assert.equal(row?.status, 'unknown');
    assert.ok(texts(outbox).some((t) => /SMS to …0001 timed out .*may or may not have been sent/.test(t)));
  });

  it('a non-retryable failure says it failed, not "after 3 attempts"', async () => {
    const { repo, phone, outbox, fire, deliver } = await setup();
    await fire('~2', ['sms']);
    phone.failWith = new SecOpsError('invalid_input', 'Twilio refused the number');
    await deliver();
    assert.equal(phone.sent.length, 1);
    assert.equal((await repo.notifications.forAlert('~2'))[0]?.status, 'failed');
    const reply = texts(outbox).find((t) => /SMS to …0001 failed/.test(t));
    assert.ok(reply);
    assert.doesNotMatch(reply, /attempts/);

    const retried = await setup();
    await retried.fire('~3', ['sms']);
    retried.phone.failWith = new SecOpsError('unavailable', 'Twilio answered 503');
    await retried.deliver();
    assert.equal(retried.phone.sent.length, 3);
    assert.ok(texts(retried.outbox).some((t) => /failed after 3 attempts/.test(t)));
  });

  it('claimed sends are cancelled when the alert was promoted or snoozed before sending', async () => {
    const { repo, phone, outbox, fire, deliver } = await setup();
    await fire('~4', ['slack', 'sms']);
    await repo.alerts.markPromoted('~4', { id: '~c4', number: 4 }, 'U0CAROL', Date.now());
    await deliver();
    assert.equal(phone.sent.length, 0);
    assert.equal(outbox.posts.length, 0);
    assert.deepEqual(
      (await repo.notifications.forAlert('~4')).map((n) => n.status),
      ['cancelled', 'cancelled'],
    );

    await fire('~5', ['sms']);
    assert.ok(await repo.alerts.snooze('~5', Date.now() + 60_000, Date.now()));
    await deliver();
    assert.equal(phone.sent.length, 0);
    assert.equal((await repo.notifications.forAlert('~5'))[0]?.status, 'cancelled');
  });

  it('racing thread replies post the notice once', async () => {
    const { outbox, notifier, fire, deliver } = await setup();
    await fire('~6', []);
    await Promise.all([
      notifier.threadReply('~6', 'one'),
      notifier.threadReply('~6', 'two'),
      notifier.threadReply('~6', 'three'),
    ]);
    await deliver();
    const notices = outbox.posts.filter((p) => !p.thread_ts);
    assert.equal(notices.length, 1);
    assert.equal(outbox.posts.filter((p) => p.thread_ts === '1.000001').length, 3);
  });

  it('the notice text escapes TheHive text; a promotion with no promoter says no "by"', async () => {
    const { repo, notifier } = await setup();
    await repo.alerts.insertAlerts(
      [{ alert: hiveAlert('~7', { title: '<!channel> *pwned* <http://evil|click>' }), nextDue: null }],
      Date.now(),
    );
    const open = await repo.alerts.get('~7');
    assert.ok(open);
    const text = noticeText(notifier.view(open, Date.now()));
    assert.doesNotMatch(text, /<!channel>|<http/);
    assert.match(text, /&lt;!channel&gt;/);
    assert.match(text, /TheHive alert ~7,/);
    // The paged person is mentioned; anything that is not a Slack user ID never becomes markup.
    const paged = notifier.view(open, Date.now(), null, ['U0ALICE', '!channel>', 'U0ALICE']);
    assert.match(noticeText(paged), /TheHive alert ~7,.* — on call: <@U0ALICE>$/);
    const pagedBlocks = JSON.stringify(noticeBlocks(paged));
    assert.match(pagedBlocks, /\*On call \(paged\):\* <@U0ALICE>"/);
    assert.doesNotMatch(pagedBlocks, /<@!channel|<!channel>/);

    await repo.alerts.markPromoted('~7', { id: '~c7', number: 7 }, null, Date.now());
    const promoted = await repo.alerts.get('~7');
    assert.ok(promoted);
    const blocks = JSON.stringify(noticeBlocks(notifier.view(promoted, Date.now())));
    assert.doesNotMatch(blocks, /<@/);
    assert.match(blocks, /Promoted to case #7\*/);
    await repo.alerts.markPromoted('~7', { id: '~c7', number: 7 }, 'U0CAROL', Date.now());
    const by = await repo.alerts.get('~7');
    assert.ok(by);
    assert.match(JSON.stringify(noticeBlocks(notifier.view(by, Date.now()))), /by <@U0CAROL>/);
  });

  it('an open alert missing from a listing is closed only when TheHive confirms it', async () => {
    const { db, repo, hive, notifier } = await setup();
    const lease = { isHeld: () => true, onChange: () => {} } as unknown as LeaseKeeper;
    const monitor = new SlaMonitor({
      db,
      repo,
      ticketing: hive,
      notifier,
      policy: DEFAULT_SLA_POLICY,
      lease,
      clock,
      logger,
      pollIntervalMs: 60_000,
    });
    hive.listed = [hiveAlert('~10'), hiveAlert('~11'), hiveAlert('~12'), hiveAlert('~13')];
    assert.equal((await monitor.poll()).added, 4);
    // Paging shifted: none of them is listed now, but TheHive still has ~10 open and cannot say about ~12.
    hive.listed = [];
    hive.byId.set('~10', hiveAlert('~10'));
    hive.byId.set('~11', hiveAlert('~11', { state: 'closed' }));
    hive.byId.set('~12', new SecOpsError('unavailable', 'TheHive answered 502'));
    const result = await monitor.poll();
    assert.equal(result.stopped, 2);
    assert.equal((await repo.alerts.get('~10'))?.state, 'open');
    assert.equal((await repo.alerts.get('~11'))?.state, 'closed');
    assert.equal((await repo.alerts.get('~12'))?.state, 'open');
    assert.equal((await repo.alerts.get('~13'))?.state, 'closed', '404 in TheHive');
  });
});
