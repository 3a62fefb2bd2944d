import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SlackSimulator } from '../../src/sandbox/slack/index.js';
import { type Harness, startHarness } from '../helpers/bot-harness.js';

function runMain(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function collect(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  return () => out;
}

describe('process lifecycle (node main.ts as a child process)', () => {
  let sim: SlackSimulator;
  let dir: string;
  before(async () => {
    sim = await SlackSimulator.start();
    dir = mkdtempSync(join(tmpdir(), 'lifecycle-'));
  });
  after(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a config error is one line on stderr, exit code 1, no stack trace', async () => {
    const child = runMain({ SLACK_APP_TOKEN: 'xapp-1', SLACK_ESCALATION_CHANNEL: 'C0ESCAL' });
    const output = collect(child);
    const [code] = await once(child, 'exit');
    assert.equal(code, 1);
    assert.equal(
      output().trim(),
      'config error: SLACK_BOT_TOKEN is required (the xoxb- bot token from OAuth & Permissions)',
    );
  });

  it('SIGTERM stops a running bot cleanly within 5 s', async () => {
    const child = runMain({
      SLACK_BOT_TOKEN: sim.botToken,
      SLACK_APP_TOKEN: sim.appToken,
      SLACK_API_URL: sim.apiUrl,
      SLACK_ESCALATION_CHANNEL: 'C0ESCAL',
      DATABASE_URL: `sqlite:${join(dir, 'bot.sqlite')}`,
      PORT: '0',
      LOG_LEVEL: 'info',
    });
    const output = collect(child);
    const deadline = Date.now() + 20_000;
    while (!output().includes('secops-bot started')) {
      assert.ok(Date.now() < deadline, `bot did not start: ${output()}`);
      assert.equal(child.exitCode, null, `bot exited: ${output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const mark = sim.mark();
    sim.sendDm('U0ALICE', 'hi');
    await sim.waitForMessage((m) => m.channel === sim.dmChannelFor('U0ALICE') && m.bot_id !== undefined, {
      since: mark,
      timeoutMs: 5000,
    });

    const t0 = Date.now();
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, output());
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
    assert.match(output(), /"message":"stopped"/);
    const lines = output().trim().split('\n');
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line: ${line}`);
    assert.equal(output().includes(sim.botToken), false, 'no token in logs');
  });
});

describe('a failing handler never takes the bot down', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  it('a Web API failure inside a handler is logged; the next DM is answered', async () => {
    h.sim.failNext('chat.postMessage', 1, { error: 'internal_error' });
    const env1 = h.sim.sendDm('U0BOB', 'hi');
    await h.sim.waitForAck(env1);
    await new Promise((r) => setTimeout(r, 200));
    const botReplies = () => h.sim.messages(h.sim.dmChannelFor('U0BOB')).filter((m) => m.bot_id !== undefined);
    assert.equal(botReplies().length, 0, 'the first reply really failed');
    const mark = h.sim.mark();
    h.sim.sendDm('U0BOB', 'hi');
    const reply = await h.sim.waitForMessage(
      (m) => m.channel === h.sim.dmChannelFor('U0BOB') && m.bot_id !== undefined,
      {
        since: mark,
        timeoutMs: 5000,
      },
    );
    assert.match(reply.text, /^Hi Bob!/);
    assert.equal(botReplies().length, 1);
  });
});
