/**
 * Issue 10: answering a page. The real bot (createBot, real Bolt, real twilio) runs in-process
 * against the Slack, TheHive and Twilio simulators on a fresh SQLite store.
 *  1. keypress → Slack: a page call is answered with "1"; measured from the signed Gather POST
 *     to the acknowledgement line appearing in the alert's notice thread.
 *  2. 1,000 alerts acknowledged at once by SMS ("ack <id>" from the paged number, 100 in flight),
 *     each webhook then replayed: every alert acknowledged exactly once, every replay a no-op.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBot } from '../main.js';
import { loadConfig } from '../src/config/env.js';
import { silentLogger } from '../src/log.js';
import { SlackSimulator } from '../src/sandbox/slack/index.js';
import { TheHiveSimulator } from '../src/sandbox/thehive/thehive-simulator.js';
import { deliverWebhook, inboundSmsRequest, messagesOf } from '../src/sandbox/twilio/twilio-phone-side.js';
import { TwilioSimulator } from '../src/sandbox/twilio/twilio-simulator.js';
import { SlaRepository } from '../src/sla/repository.js';
import type { Db } from '../src/store/db.js';
import { summarize } from './stats.js';

const KEYPRESSES = 40;
const SMS_ACKS = 1000;
const IN_FLIGHT = 100;
const HIVE_KEY = 'bench-key';
const TWILIO = { accountSid: `AC${'0'.repeat(31)}2`, authToken: 'bench-twilio-token-oncall', from: '+15550009999' };
const ONCALL = '+15550000101';

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'oncall-bench-'));
  const slack = await SlackSimulator.start();
  const hive = await TheHiveSimulator.start({ apiKey: HIVE_KEY });
  const twilio = await TwilioSimulator.start({ ...TWILIO, lifecycle: false });
  const port = await freePort();
  const policy = join(dir, 'policy.yaml');
  writeFileSync(
    policy,
    `sla:\n  ack_timeout: 30m\n  severities:\n    3: { tiers: [ {after: 1s, notify: [slack, call]}, {after: 1h, notify: [slack, escalate]} ] }\n` +
      `oncall:\n  people:\n    alice: { slack: U0ALICE, phone: "${ONCALL}" }\n  primary: ["${ONCALL}"]\n` +
      // Every page is its own call and notice here: the figures are per keypress, not per storm summary.
      `delivery:\n  fold_notices_after: 100000\n  fold_pages_after: 100000\n`,
  );
  const config = loadConfig({
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_APP_TOKEN: slack.appToken,
    SLACK_API_URL: slack.apiUrl,
    SLACK_ESCALATION_CHANNEL: 'C0ESCAL',
    SLACK_ALERTS_CHANNEL: 'C0ALERTS',
    DATABASE_URL: `sqlite:${join(dir, 'bot.sqlite')}`,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    POLICY_FILE: policy,
    THEHIVE_URL: hive.url,
    THEHIVE_API_KEY: HIVE_KEY,
    THEHIVE_POLL_SECONDS: '1',
    TWILIO_ACCOUNT_SID: TWILIO.accountSid,
    TWILIO_AUTH_TOKEN: TWILIO.authToken,
    TWILIO_FROM_NUMBER: TWILIO.from,
    TWILIO_API_URL: twilio.url,
    LOG_LEVEL: 'error',
  });
  const bot = await createBot(config, {
    logger: silentLogger(),
    host: '127.0.0.1',
    slackRetry: { retries: 0 },
    perChannelIntervalMs: 0,
  });
  try {
    await keypressToSlack(slack, hive, twilio);
    await smsBurst(bot.deps.db, hive, port);
  } finally {
    await bot.stop();
    await twilio.stop();
    await hive.stop();
    await slack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function keypressToSlack(slack: SlackSimulator, hive: TheHiveSimulator, twilio: TwilioSimulator): Promise<void> {
  const ids = Array.from({ length: KEYPRESSES }, (_, i) =>
    String(hive.addAlert({ severity: 3, title: `Keypress bench ${i}`, description: 'bench' })._id),
  );
  const calls = await waitFor(() => {
    const made = twilio.calls().filter((c) => c.to === ONCALL);
    return made.length >= KEYPRESSES ? made : null;
  }, 60_000);
  // Notices first, so each acknowledgement lands in a thread rather than racing the notice post.
  await waitFor(
    () => (slack.messages('C0ALERTS').filter((m) => !m.thread_ts).length >= KEYPRESSES ? true : null),
    60_000,
  );
  const latencies: number[] = [];
  for (const call of calls) {
    const mark = slack.mark();
    const started = performance.now();
    await twilio.answerCall(call.sid, 'human', ['1']);
    await slack.waitForMessage((m) => m.thread_ts !== undefined && /Acknowledged by alice by phone/.test(m.text), {
      since: mark,
      timeoutMs: 10_000,
    });
    latencies.push(performance.now() - started);
  }
  console.log(`oncall: keypress "1" → acknowledgement in the notice thread, ${ids.length} alerts`);
  console.log(`  ${summarize(latencies)}`);
}

async function smsBurst(db: Db, hive: TheHiveSimulator, port: number): Promise<void> {
  const repo = new SlaRepository(db);
  const ids = Array.from({ length: SMS_ACKS }, (_, i) =>
    String(hive.addAlert({ severity: 2, title: `SMS bench ${i}`, description: 'bench' })._id),
  );
  await waitFor(async () => ((await repo.alerts.countOpen()) >= SMS_ACKS + KEYPRESSES ? true : null), 60_000);
  const now = Date.now();
  for (const id of ids) {
    await db('oncall_pages').insert({ alert_id: id, phone: ONCALL, method: 'sms', sid: null, paged_at: now });
  }
  const url = `http://127.0.0.1:${port}/twilio/sms`;
  const requests = ids.map((id) =>
    inboundSmsRequest(TWILIO.authToken, TWILIO.accountSid, url, ONCALL, TWILIO.from, `ack ${id}`),
  );
  const latencies: number[] = [];
  let acknowledged = 0;
  let failed = 0;
  const started = performance.now();
  await pool(requests, IN_FLIGHT, async (request) => {
    const t = performance.now();
    const reply = await deliverWebhook(request);
    latencies.push(performance.now() - t);
    if (reply.status === 200 && /^Acknowledged/.test(messagesOf(reply.body)[0] ?? '')) acknowledged++;
    else failed++;
  });
  const elapsed = performance.now() - started;
  let replayChanged = 0;
  await pool(requests, IN_FLIGHT, async (request) => {
    const reply = await deliverWebhook(request);
    if (reply.status !== 200 || !/^Acknowledged/.test(messagesOf(reply.body)[0] ?? '')) replayChanged++;
  });
  const acks = Number((await db('oncall_acks').count({ n: '*' }).first())?.n);
  const audits = Number(
    (
      await db('audit_log')
        .where({ action: 'oncall.acknowledged' })
        .whereIn(
          'subject',
          ids.map((id) => `hive:${id}`),
        )
        .count({ n: '*' })
        .first()
    )?.n,
  );
  console.log(
    `oncall: ${SMS_ACKS} alerts acknowledged at once by SMS (${IN_FLIGHT} in flight), then every webhook replayed`,
  );
  console.log(`  processed ${acknowledged}/${SMS_ACKS} in ${(elapsed / 1000).toFixed(2)} s, failed ${failed}`);
  console.log(`  per webhook: ${summarize(latencies)}`);
  console.log(
    `  acknowledgement rows ${acks - KEYPRESSES}, audit entries ${audits} (each must be ${SMS_ACKS}); replays answered differently: ${replayChanged}`,
  );
}

async function pool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function waitFor<T>(check: () => T | null | Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error('bench: timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
