/**
 * Start-up failures through the real `node --import tsx main.ts`: each one is a single line naming the
 * variable and the likely fix, with exit code 1 where it cannot heal; no stack traces, no secrets.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import knex from 'knex';
import { SlackSimulator } from '../../src/sandbox/slack/index.js';
import { storeKinds } from '../helpers/stores.js';

interface Run {
  child: ChildProcess;
  output(): string;
}

function runMain(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  return { child, output: () => out };
}

/** Runs main.ts until it exits; returns the exit code, the last line and everything it printed. */
async function runToExit(env: Record<string, string>): Promise<{ code: number; last: string; all: string }> {
  const run = runMain(env);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 30_000);
  const [code] = (await once(run.child, 'exit')) as [number];
  clearTimeout(timer);
  const lines = run.output().trim().split('\n');
  return { code, last: lines.at(-1) ?? '', all: run.output() };
}

function assertNoStack(all: string): void {
  assert.doesNotMatch(all, /\n\s+at /, `a stack trace was printed:\n${all}`);
  assert.doesNotMatch(all, /Acquire connection error/, all);
}

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

describe('start-up failures name their cause in one line', () => {
  let sim: SlackSimulator;
  let dir: string;
  let slackEnv: Record<string, string>;
  before(async () => {
    sim = await SlackSimulator.start();
    dir = mkdtempSync(join(tmpdir(), 'startup-'));
    slackEnv = {
      SLACK_BOT_TOKEN: sim.botToken,
      SLACK_APP_TOKEN: sim.appToken,
      SLACK_API_URL: sim.apiUrl,
      SLACK_ESCALATION_CHANNEL: 'C0ESCAL',
      DATABASE_URL: `sqlite:${join(dir, 'bot.sqlite')}`,
    };
  });
  after(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('MySQL unreachable: DATABASE_URL, host:port and "connection refused", exit 1', async () => {
    const port = await closedPort();
    const r = await runToExit({ ...slackEnv, DATABASE_URL: `mysql://bot:s3cret-pw@127.0.0.1:${port}/secops` });
    assert.equal(r.code, 1, r.all);
    assert.match(
      r.last,
      new RegExp(`^start-up failed: DATABASE_URL: cannot reach MySQL at 127\\.0\\.0\\.1:${port}: connection refused`),
    );
    assertNoStack(r.all);
    assert.equal(r.all.includes('s3cret-pw'), false, 'the password is never printed');
  });

  it('Slack refuses the bot token: the line names SLACK_BOT_TOKEN, exit 1', async () => {
    const r = await runToExit({ ...slackEnv, SLACK_BOT_TOKEN: 'xoxb-1111-revoked-token' });
    assert.equal(r.code, 1, r.all);
    assert.match(r.last, /^start-up failed: SLACK_BOT_TOKEN was refused by Slack \(invalid_auth\): /);
    assertNoStack(r.all);
    assert.equal(r.all.includes('xoxb-1111-revoked-token'), false);
  });

  it('Slack refuses the app-level token: the line names SLACK_APP_TOKEN, exit 1', async () => {
    const r = await runToExit({ ...slackEnv, SLACK_APP_TOKEN: 'xapp-1-A0-revoked-token' });
    assert.equal(r.code, 1, r.all);
    assert.match(r.last, /^start-up failed: SLACK_APP_TOKEN was refused by Slack \(invalid_auth\): /);
    assertNoStack(r.all);
  });

  it('the HTTP port is taken: PORT and the fix, exit 1', async () => {
    const taken = createServer();
    taken.listen(0);
    await once(taken, 'listening');
    const { port } = taken.address() as { port: number };
    try {
      const r = await runToExit({ ...slackEnv, PORT: String(port) });
      assert.equal(r.code, 1, r.all);
      assert.equal(
        r.last,
        `start-up failed: PORT ${port} is already in use: stop what listens there or choose another PORT`,
      );
      assertNoStack(r.all);
    } finally {
      taken.close();
    }
  });

  it('a placeholder from .env.example is refused as a placeholder', async () => {
    const r = await runToExit({ ...slackEnv, SLACK_BOT_TOKEN: 'xoxb-your-bot-token' });
    assert.equal(r.code, 1);
    assert.equal(
      r.all.trim(),
      "config error: SLACK_BOT_TOKEN is still the placeholder 'xoxb-your-bot-token' from .env.example: put your real value there",
    );
  });

  it('TheHive and Twilio configured but nobody on call: a warning at start, and the bot runs', async () => {
    const run = runMain({
      ...slackEnv,
      THEHIVE_URL: `http://127.0.0.1:${await closedPort()}`,
      THEHIVE_API_KEY: 'k',
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 't',
      TWILIO_FROM_NUMBER: '+15550001111',
      TWILIO_API_URL: `http://127.0.0.1:${await closedPort()}`,
    });
    try {
      const deadline = Date.now() + 20_000;
      while (!run.output().includes('secops-bot started')) {
        assert.ok(Date.now() < deadline, `bot did not start: ${run.output()}`);
        assert.equal(run.child.exitCode, null, run.output());
        await new Promise((r) => setTimeout(r, 50));
      }
      const warnings = run
        .output()
        .split('\n')
        .filter((l) => l.includes('reaches no one'))
        .map((l) => JSON.parse(l) as { level: string; message: string });
      assert.deepEqual(
        warnings.map((w) => [w.level, w.message.split(':')[0]]),
        [
          ['warn', 'paging reaches no one'],
          ['warn', 'escalation reaches no one'],
        ],
      );
      assert.match(warnings[0]!.message, /oncall\.primary is empty \(POLICY_FILE is not set/);
    } finally {
      run.child.kill('SIGKILL');
      await once(run.child, 'exit');
    }
  });

  it('Slack unreachable: a warning naming SLACK_API_URL and the cause, and the bot keeps trying', async () => {
    const port = await closedPort();
    const run = runMain({ ...slackEnv, SLACK_API_URL: `http://127.0.0.1:${port}/api/` });
    try {
      const deadline = Date.now() + 20_000;
      while (!/Slack is unreachable/.test(run.output())) {
        assert.ok(Date.now() < deadline, `no warning: ${run.output()}`);
        assert.equal(run.child.exitCode, null, `it gave up: ${run.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const line = run
        .output()
        .split('\n')
        .find((l) => l.includes('Slack is unreachable'))!;
      const { level, message } = JSON.parse(line) as { level: string; message: string };
      assert.equal(level, 'warn');
      assert.match(message, new RegExp(`SLACK_API_URL \\(http://127\\.0\\.0\\.1:${port}/api/\\): connection refused`));
      assert.match(message, /still trying/);
      assert.equal(run.child.exitCode, null);
    } finally {
      run.child.kill('SIGKILL');
      await once(run.child, 'exit');
    }
  });
});

const mysql = storeKinds().find((k) => k.kind === 'mysql')!;

mysql.describe('start-up failures on a real MariaDB', ({ it, before, after }) => {
  let sim: SlackSimulator;
  const user = `secops_pw_${randomBytes(4).toString('hex')}`;
  const server = new URL(process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/x');
  const admin = () =>
    knex({
      client: 'mysql2',
      connection: {
        host: server.hostname,
        port: Number(server.port || 3306),
        user: decodeURIComponent(server.username),
        password: decodeURIComponent(server.password),
      },
    });
  before(async () => {
    sim = await SlackSimulator.start();
    const db = admin();
    await db.raw(`CREATE USER '${user}'@'%' IDENTIFIED BY 'the-right-one'`);
    await db.destroy();
  });
  after(async () => {
    await sim.stop();
    const db = admin();
    await db.raw(`DROP USER IF EXISTS '${user}'@'%'`);
    await db.destroy();
  });
  const env = (databaseUrl: string) => ({
    SLACK_BOT_TOKEN: sim.botToken,
    SLACK_APP_TOKEN: sim.appToken,
    SLACK_API_URL: sim.apiUrl,
    SLACK_ESCALATION_CHANNEL: 'C0ESCAL',
    DATABASE_URL: databaseUrl,
  });

  it('a wrong password: access denied for that user, exit 1, the password never shown', async () => {
    const hostPort = `${server.hostname}:${server.port || 3306}`;
    const r = await runToExit(env(`mysql://${user}:wrong-password@${hostPort}/secops`));
    assert.equal(r.code, 1, r.all);
    assert.match(
      r.last,
      new RegExp(`^start-up failed: DATABASE_URL: MySQL at ${hostPort} refused user '${user}' \\(access denied\\)`),
    );
    assertNoStack(r.all);
    assert.equal(r.all.includes('wrong-password'), false);
  });

  it('an unknown database: says how to create it (utf8mb4), exit 1', async () => {
    const u = new URL(server.toString());
    u.pathname = `/secops_missing_${randomBytes(3).toString('hex')}`;
    const r = await runToExit(env(u.toString()));
    assert.equal(r.code, 1, r.all);
    assert.match(
      r.last,
      /^start-up failed: DATABASE_URL: database 'secops_missing_\w+' does not exist on .*CREATE DATABASE .* utf8mb4/,
    );
    assertNoStack(r.all);
  });
});
