import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import winston from 'winston';
import { DigestRepository, type StoredDigest } from '../../src/digest/index.js';
import { NanitorSimulator } from '../../src/sandbox/nanitor/nanitor-simulator.js';
import { SlackSimulator } from '../../src/sandbox/slack/index.js';
import { listAudit } from '../../src/store/audit.js';
import { type Harness, startHarness } from '../helpers/bot-harness.js';
import { freshSqlite, storeKinds } from '../helpers/stores.js';

const TOKEN = 'nanitor-test-token-123';
const EVERY_SECOND = '* * * * * *';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fromBot = (channel: string) => (m: { channel: string; bot_id?: string }) =>
  m.channel === channel && m.bot_id !== undefined;

async function scheduled(h: Harness): Promise<StoredDigest[]> {
  return (await new DigestRepository(h.bot.deps.db).list()).filter((d) => d.kind === 'scheduled');
}

/** The first scheduled row that matches, once it exists (posts reach Slack just before their row completes). */
async function waitForRow(h: Harness, match: (row: StoredDigest) => boolean, timeoutMs = 5000): Promise<StoredDigest> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = (await scheduled(h)).find(match);
    if (row) return row;
    if (Date.now() > deadline) throw new Error('no matching stored digest in time');
    await sleep(25);
  }
}

describe('scheduled digest, one bot', () => {
  let h: Harness;
  let nanitor: NanitorSimulator;
  before(async () => {
    nanitor = await NanitorSimulator.start({ apiToken: TOKEN, health: 0.97, p0: 0 });
    h = await startHarness({
      env: { NANITOR_BASE_URL: nanitor.baseUrl, NANITOR_API_TOKEN: TOKEN, DIGEST_SCHEDULE: EVERY_SECOND },
    });
  });
  after(async () => {
    await h.stop();
    await nanitor.stop();
  });

  it('posts to the digest channel on schedule; the first has no trend, a later one the change since', async () => {
    const first = await h.sim.waitForMessage(fromBot('C0DIGEST'), { since: 0, timeoutMs: 5000 });
    assert.match(first.text, /Daily SecOps Status/);
    assert.match(first.text, /✅ Health score: 97\.00%/);
    assert.doesNotMatch(first.text, /Trend vs|▲|▼/);
    // Health only: a digest already in flight could read one new value and one old one.
    nanitor.set({ health: 0.9 });
    const firstAfter = await waitForRow(h, (r) => r.status === 'posted' && r.health === 0.9);
    const changed = h.sim.messages('C0DIGEST').find((m) => m.ts === firstAfter.ts);
    assert.ok(changed, 'the stored digest is the one in Slack');
    assert.match(changed.text, /⚠️ Health score: 90\.00% \(▼ 7\.00 pp\)/);
    assert.match(changed.text, /✅ P0 issues: 0 \(no change\)/);
    assert.match(changed.text, /Trend vs the scheduled digest of /);
    const rows = await scheduled(h);
    assert.ok(rows.length >= 2);
    assert.equal(new Set(rows.map((r) => r.slotAt?.getTime())).size, rows.length, 'one row per slot');
    assert.ok(rows.every((r) => r.slotAt !== null && r.slotAt.getMilliseconds() === 0));
  });
});

for (const kind of storeKinds()) {
  for (const splitBrain of [false, true]) {
    const what = splitBrain ? 'both believing they hold the lease' : 'one lease holder';
    kind.describe(`two bot processes on one ${kind.kind} database, ${what}`, ({ it }) => {
      it('post exactly once per per-second slot', async () => {
        const sim = await SlackSimulator.start();
        const store = await kind.create();
        const nanitor = await NanitorSimulator.start({ apiToken: TOKEN });
        const env = { NANITOR_BASE_URL: nanitor.baseUrl, NANITOR_API_TOKEN: TOKEN, DIGEST_SCHEDULE: EVERY_SECOND };
        // The same replica id makes both acquire the lease, so only the slot claim keeps them apart.
        const replica = (n: number) => (splitBrain ? 'replica-shared' : `replica-${n}`);
        const a = await startHarness({ sim, store, env, botOptions: { replicaId: replica(1) } });
        const b = await startHarness({ sim, store, env, botOptions: { replicaId: replica(2) } });
        try {
          await sleep(200);
          const holders = [a, b].filter((x) => x.bot.deps.lease.isHeld()).length;
          assert.equal(holders, splitBrain ? 2 : 1);
          await sleep(3500);
        } finally {
          await a.stop();
          await b.stop();
        }
        const reader = await startHarness({ sim, store, env: { DIGEST_SCHEDULE: '0 9 29 2 *' } });
        try {
          // A slot queued just before the stop is posted (and recorded) by the next sender.
          await reader.bot.deps.outbox.drained();
          const rows = await scheduled(reader);
          const posts = sim.messages('C0DIGEST').filter((m) => m.bot_id);
          assert.ok(rows.length >= 3, `only ${rows.length} slots in 3.7 s`);
          assert.equal(new Set(rows.map((r) => r.slotAt?.getTime())).size, rows.length);
          assert.ok(rows.every((r) => r.status === 'posted'));
          assert.equal(posts.length, rows.length, 'one Slack post per claimed slot');
          assert.deepEqual(posts.map((p) => p.ts).sort(), rows.map((r) => r.ts).sort());
        } finally {
          await reader.stop();
          await nanitor.stop();
          await sim.stop();
          await store.drop();
        }
      });
    });
  }
}

describe('a slot queued while Slack is away', () => {
  it('is posted once by the next bot after a stop, and its row records the post', async () => {
    const sim = await SlackSimulator.start();
    const store = await freshSqlite();
    const nanitor = await NanitorSimulator.start({ apiToken: TOKEN });
    const env = { NANITOR_BASE_URL: nanitor.baseUrl, NANITOR_API_TOKEN: TOKEN, DIGEST_SCHEDULE: EVERY_SECOND };
    const a = await startHarness({ sim, store, env });
    let waiting: StoredDigest;
    try {
      await sim.setDown(true);
      waiting = await waitForRow(a, (r) => r.status === 'claimed');
    } finally {
      await a.stop();
    }
    await sim.setDown(false);
    const b = await startHarness({ sim, store, env: { DIGEST_SCHEDULE: '0 9 29 2 *' } });
    try {
      const stopped = await scheduled(b);
      assert.ok(
        stopped.every((r) => r.status !== 'failed'),
        'a stop does not give up a queued slot',
      );
      await b.bot.deps.outbox.drained();
      const rows = await scheduled(b);
      const posts = sim.messages('C0DIGEST').filter((m) => m.bot_id);
      assert.ok(rows.some((r) => r.id === waiting.id));
      assert.deepEqual(
        rows.map((r) => r.status),
        rows.map(() => 'posted'),
      );
      assert.deepEqual(posts.map((p) => p.ts).sort(), rows.map((r) => r.ts).sort(), 'one post per slot, each recorded');
      for (const row of rows) {
        const audit = await listAudit(b.bot.deps.db, `digest:${row.id}`);
        assert.deepEqual(
          audit.map((e) => [e.action, e.details.ts, e.details.slot]),
          [['digest.posted', row.ts, row.slotAt?.getTime()]],
        );
      }
    } finally {
      await b.stop();
      await nanitor.stop();
      await sim.stop();
      await store.drop();
    }
  });
});

describe('a slot missed while the bot was down', () => {
  it('is posted late once after a restart within the grace period, and skipped beyond it', async () => {
    let now = new Date('2028-02-29T08:00:00Z');
    const clock = { now: () => new Date(now) };
    const logLines: string[] = [];
    const logger = winston.createLogger({
      level: 'info',
      format: winston.format.json(),
      transports: [
        new winston.transports.Stream({
          stream: new Writable({
            write(chunk, _encoding, done) {
              logLines.push(String(chunk));
              done();
            },
          }),
        }),
      ],
    });
    const nanitor = await NanitorSimulator.start({ apiToken: TOKEN });
    const store = await freshSqlite();
    // 09:00 on 29 February only, so the real clock never fires it during the test.
    const env = { NANITOR_BASE_URL: nanitor.baseUrl, NANITOR_API_TOKEN: TOKEN, DIGEST_SCHEDULE: '0 9 29 2 *' };
    const h = await startHarness({ store, env, botOptions: { clock, logger } });
    try {
      // A fresh install has no schedule history: it must not post the 2024 slot late.
      assert.equal(h.sim.messages('C0DIGEST').filter((m) => m.bot_id).length, 0);
      assert.equal((await scheduled(h)).length, 0);
      // From here on the bot has run the schedule before (a slot it posted in 2027).
      await new DigestRepository(h.bot.deps.db).claimSlot(new Date('2027-02-28T09:00:00Z'), {
        late: false,
        now: new Date('2027-02-28T09:00:00Z'),
        replica: 'earlier-run',
      });
      // Each restart's stop() waits for the previous start's catch-up to finish.
      now = new Date('2028-02-29T11:00:00Z');
      await h.restart();
      now = new Date('2028-02-29T11:30:00Z');
      await h.restart();
      // In New York the same rule means 14:00 UTC: the zone is honoured.
      now = new Date('2028-02-29T15:00:00Z');
      await h.restart({ TZ: 'America/New_York' });
      now = new Date('2032-02-29T12:00:00.001Z');
      await h.restart({ TZ: 'UTC' });
      await h.restart();

      const rows = (await scheduled(h)).filter((r) => r.slotAt?.getUTCFullYear() !== 2027);
      assert.deepEqual(
        rows.map((r) => [r.slotAt?.toISOString(), r.late, r.status]),
        [
          ['2028-02-29T09:00:00.000Z', true, 'posted'],
          ['2028-02-29T14:00:00.000Z', true, 'posted'],
        ],
      );
      const posts = h.sim.messages('C0DIGEST').filter((m) => m.bot_id);
      assert.equal(posts.length, 2);
      for (const post of posts) assert.match(post.text, /^Daily SecOps Status \(posted late\)/);
      const skipped = logLines.filter((l) => l.includes('too old to post late'));
      assert.equal(
        skipped.some((l) => l.includes('2024-02-29T09:00:00.000Z')),
        false,
        'a fresh install does not consider 2024 missed at all',
      );
      assert.ok(
        skipped.some((l) => l.includes('2032-02-29T09:00:00.000Z')),
        '3 h and 1 ms late is skipped',
      );
    } finally {
      await h.stop();
      await nanitor.stop();
      await store.drop();
    }
  });
});
