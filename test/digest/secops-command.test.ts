import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { NanitorMetrics } from '../../src/adapters/nanitor/nanitor-metrics.js';
import { DigestRepository, DigestService, type StoredDigest } from '../../src/digest/index.js';
import { NanitorSimulator } from '../../src/sandbox/nanitor/nanitor-simulator.js';
import { listAudit } from '../../src/store/audit.js';
import { type Harness, startHarness, testLogger } from '../helpers/bot-harness.js';

const TOKEN = 'nanitor-test-token-123';
/** Only fires on 29 February, so no scheduled or caught-up digest runs during these tests. */
const QUIET_SCHEDULE = '0 9 29 2 *';
const WAIT = { timeoutMs: 8000 };

/** The post reaches Slack a moment before its row is completed; wait for the row. */
async function lastStored(h: Harness): Promise<StoredDigest> {
  const repo = new DigestRepository(h.bot.deps.db);
  const deadline = Date.now() + WAIT.timeoutMs;
  for (;;) {
    const last = (await repo.list()).at(-1);
    if (last && last.status !== 'claimed') return last;
    if (Date.now() > deadline) throw new Error(`digest still ${last?.status ?? 'missing'}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const fromBot = (channel: string) => (m: { channel: string; bot_id?: string }) =>
  m.channel === channel && m.bot_id !== undefined;

describe('/secops status, help and usage (real Bolt, Nanitor simulator)', () => {
  let h: Harness;
  let nanitor: NanitorSimulator;
  before(async () => {
    nanitor = await NanitorSimulator.start({ apiToken: TOKEN, health: 0.97, p0: 0 });
    h = await startHarness({
      env: { NANITOR_BASE_URL: nanitor.baseUrl, NANITOR_API_TOKEN: TOKEN, DIGEST_SCHEDULE: QUIET_SCHEDULE },
    });
  });
  after(async () => {
    await h.stop();
    await nanitor.stop();
  });
  beforeEach(() => {
    nanitor.clearFaults();
    nanitor.set({ health: 0.97, p0: 0 });
  });

  const status = async (channel: string, user = 'U0CAROL') => {
    const mark = h.sim.mark();
    h.sim.slashCommand(user, channel, '/secops', 'status');
    return h.sim.waitForMessage(fromBot(channel), { since: mark, ...WAIT });
  };

  it('posts the digest in the channel where it was typed, stores it and audits who asked', async () => {
    const posted = await status('C0ALERTS');
    assert.match(posted.text, /^Daily SecOps Status — /);
    assert.match(posted.text, /✅ Health score: 97\.00%/);
    assert.match(posted.text, /✅ P0 issues: 0/);
    assert.ok(posted.blocks?.some((b) => b.type === 'header'));
    assert.equal(h.sim.messages('C0DIGEST').length, 0, 'the digest channel is for the schedule');
    const stored = await lastStored(h);
    assert.equal(stored.kind, 'on_demand');
    assert.equal(stored.slotAt, null);
    assert.equal(stored.requestedBy, 'U0CAROL');
    assert.equal(stored.channel, 'C0ALERTS');
    assert.equal(stored.ts, posted.ts);
    const audit = await listAudit(h.bot.deps.db, `digest:${stored.id}`);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.action, 'digest.posted');
    assert.equal(audit[0]!.actor, 'U0CAROL');
    assert.equal(audit[0]!.details.kind, 'on_demand');
  });

  it('compares with the last scheduled digest, not with a status asked for minutes earlier, and says so', async () => {
    const repo = new DigestRepository(h.bot.deps.db);
    const slot = new Date('2025-02-28T09:00:00Z');
    const id = await repo.claimSlot(slot, { late: false, now: slot, replica: 'test' });
    await repo.complete(id!, {
      status: 'posted',
      generatedAt: slot,
      health: 0.95,
      p0: 1,
      failures: [],
      channel: 'C0DIGEST',
      ts: '1.1',
    });
    await status('C0ALERTS');
    nanitor.set({ health: 0.9312, p0: 3 });
    const posted = await status('C0ALERTS');
    // Against the scheduled 95 % / 1, not the status just before it (97 % / 0).
    assert.match(posted.text, /⚠️ Health score: 93\.12% \(▼ 1\.88 pp\)/);
    assert.match(posted.text, /⚠️ P0 issues: 3 \(▲ 2\)/);
    assert.match(posted.text, /Trend vs the scheduled digest of 2025-02-28 09:00 UTC\./);
  });

  for (const [kind, expected] of [
    ['500', /Health score unavailable: Nanitor health_scores: HTTP 500/],
    ['malformed', /Health score unavailable: Nanitor health_scores: response is not valid JSON/],
    ['empty', /Health score unavailable: Nanitor health_scores: no items/],
  ] as const) {
    it(`health failing (${kind}) → a digest that says which metric and why`, async () => {
      nanitor.set({ p0: 12 });
      nanitor.fail('health', kind);
      const posted = await status('C0ESCAL');
      assert.match(posted.text, expected);
      assert.match(posted.text, /❌ P0 issues: 12/);
      assert.match(posted.text, /Nanitor could not be read for 1 metric/);
      assert.doesNotMatch(posted.text, /NaN/);
      const stored = await lastStored(h);
      assert.equal(stored.health, null);
      assert.equal(stored.p0, 12);
      assert.equal(stored.failures.length, 1);
    });
  }

  it('P0 count failing (empty: no total, no items) → says so', async () => {
    nanitor.fail('p0', 'empty');
    const posted = await status('C0ALERTS');
    assert.match(posted.text, /✅ Health score: 97\.00%/);
    assert.match(posted.text, /P0 issues unavailable: Nanitor issues: response has no total and no items list/);
  });

  it('both metrics failing → still a post, naming both', async () => {
    nanitor.fail('health', '500');
    nanitor.fail('p0', 'malformed');
    const posted = await status('C0ALERTS');
    assert.match(posted.text, /Health score unavailable: .*HTTP 500/);
    assert.match(posted.text, /P0 issues unavailable: .*not valid JSON/);
    assert.match(posted.text, /could not be read for 2 metrics/);
  });

  it('a Nanitor time-out is named in the digest (short client time-out, same service)', async () => {
    nanitor.fail('p0', 'timeout');
    const metrics = new NanitorMetrics({
      baseUrl: nanitor.baseUrl,
      apiToken: TOKEN,
      timeoutMs: 150,
      retries: 1,
      backoffMs: 10,
      logger: testLogger(),
    });
    const deps = h.bot.deps;
    const service = new DigestService(deps, metrics, () => [], new DigestRepository(deps.db));
    const mark = h.sim.mark();
    const result = await service.postOnDemand({
      userId: 'U0DAVE',
      channel: 'C0ESCAL',
      showEphemeral: async () => assert.fail('the bot is a member of C0ESCAL'),
    });
    assert.equal(result.shown, 'channel');
    const posted = await h.sim.waitForMessage(fromBot('C0ESCAL'), { since: mark, ...WAIT });
    assert.match(posted.text, /P0 issues unavailable: Nanitor issues: timed out after 150 ms/);
    assert.match(posted.text, /✅ Health score/);
  });

  it('one failing activity source does not stop the digest; the others are shown', async () => {
    const deps = h.bot.deps;
    const metrics = new NanitorMetrics({ baseUrl: nanitor.baseUrl, apiToken: TOKEN, logger: testLogger() });
    const sources = () => [
      { name: 'sla', activity: async () => Promise.reject(new Error('TheHive down')) },
      { name: 'confirm', activity: async () => ({ confirmations: { asked: 5, confirmed: 3, escalated: 2 } }) },
    ];
    const service = new DigestService(deps, metrics, sources, new DigestRepository(deps.db));
    const mark = h.sim.mark();
    await service.postOnDemand({ userId: 'U0DAVE', channel: 'C0ESCAL', showEphemeral: async () => {} });
    const posted = await h.sim.waitForMessage(fromBot('C0ESCAL'), { since: mark, ...WAIT });
    assert.match(posted.text, /Confirmations: 5 asked, 3 confirmed, 2 escalated/);
    assert.doesNotMatch(posted.text, /SLA/);
  });

  it('in a channel the bot is not in, shows the digest to the asker only', async () => {
    const mark = h.sim.mark();
    h.sim.slashCommand('U0CAROL', 'C0GENERAL', '/secops', 'status');
    const shown = await h.sim.waitForEphemeral((e) => e.user === 'U0CAROL' && /Daily SecOps Status/.test(e.text), {
      since: mark,
      ...WAIT,
    });
    assert.equal(shown.channel, 'C0GENERAL');
    assert.ok(shown.blocks?.length);
    assert.equal(h.sim.messages('C0GENERAL').filter((m) => m.bot_id).length, 0);
    const stored = await lastStored(h);
    assert.equal(stored.status, 'posted');
    assert.equal(stored.channel, null);
  });

  it('`/secops help` explains; unknown text and no text get the usage', async () => {
    for (const [text, expected] of [
      ['help', /`\/secops status` — post the Daily SecOps Status here/],
      ['HELP', /`\/secops status`/],
      ['reboot everything', /I do not know that one\. Usage: `\/secops status` or `\/secops help`/],
      ['', /^Usage: `\/secops status` or `\/secops help`/],
    ] as const) {
      const mark = h.sim.mark();
      h.sim.slashCommand('U0BOB', 'C0DIGEST', '/secops', text);
      const reply = await h.sim.waitForEphemeral((e) => e.user === 'U0BOB', { since: mark, ...WAIT });
      assert.match(reply.text, expected);
    }
  });
});

describe('/secops status without Nanitor', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  it('says plainly that Nanitor is not configured, and posts nothing', async () => {
    const mark = h.sim.mark();
    h.sim.slashCommand('U0CAROL', 'C0ALERTS', '/secops', 'status');
    const reply = await h.sim.waitForEphemeral((e) => e.user === 'U0CAROL', { since: mark, ...WAIT });
    assert.match(reply.text, /Nanitor is not configured \(NANITOR_BASE_URL/);
    assert.equal(h.sim.messages('C0ALERTS').filter((m) => m.bot_id).length, 0);
    assert.deepEqual(await new DigestRepository(h.bot.deps.db).list(), []);
  });
});
