/**
 * Issue 16 §2: a TheHive that ignores the page step cannot make a poll loop forever, and vendor
 * text (error messages, malformed fields) reaches logs and replies cut to a sentence.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import winston from 'winston';
import { TheHiveTicketing } from '../../src/adapters/thehive/thehive-client.js';
import { theHiveMessage } from '../../src/adapters/thehive/thehive-http.js';
import { TheHiveSimulator } from '../../src/sandbox/thehive/thehive-simulator.js';

const API_KEY = 'test-hive-key';

function recordingLogger(lines: string[]) {
  return winston.createLogger({
    level: 'debug',
    transports: [new winston.transports.Console({ silent: true })],
    format: winston.format.printf((info) => {
      lines.push(JSON.stringify(info));
      return '';
    }),
  });
}

/** `work`, or a failure once `ms` pass: a loop that never ends must fail the test, not hang it. */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

describe('TheHive that ignores the page step', () => {
  let hive: TheHiveSimulator;
  before(async () => {
    hive = await TheHiveSimulator.start({ apiKey: API_KEY });
  });
  after(() => hive.stop());

  test('exactly one full page of open alerts: listed once, in a bounded number of queries', async () => {
    for (let i = 0; i < 500; i++) hive.addAlert({ title: `a${i}`, description: '', severity: 2 });
    hive.faults({ ignorePageStep: true });
    const lines: string[] = [];
    const client = new TheHiveTicketing({ url: hive.url, apiKey: API_KEY, logger: recordingLogger(lines) });
    const before = hive.requestCount();
    const alerts = await within(5000, client.listOpenAlerts());
    assert.equal(alerts.length, 500);
    // Two list queries (the page and its repeat); observables are not fetched for alerts without any.
    assert.ok(hive.requestCount() - before <= 3, `${hive.requestCount() - before} requests`);
    assert.ok(lines.some((l) => l.includes('ignores the page step')));
  });

  test('with the page step honoured again, the same alerts list normally', async () => {
    hive.faults({ ignorePageStep: false });
    const client = new TheHiveTicketing({ url: hive.url, apiKey: API_KEY, pageSize: 120, logger: recordingLogger([]) });
    assert.equal((await client.listOpenAlerts()).length, 500);
  });
});

describe('vendor text is cut before it is logged or shown', () => {
  test('a 40 KB TheHive error message becomes a sentence', () => {
    const text = theHiveMessage({ type: 'AuthorizationError', message: 'x'.repeat(40_000) });
    assert.ok(text.startsWith('AuthorizationError: xxx'));
    assert.ok(text.length < 400, `${text.length}`);
    assert.match(text, /more characters\]$/);
  });

  test('a malformed 40 KB severity is logged as a short line and the alert skipped', async () => {
    // The simulator refuses to store such an alert, so a bare server stands in for a TheHive that sends one.
    const rows = [
      { _id: '~1', title: 'bad', severity: 'S'.repeat(40_000), _createdAt: 1, stage: 'New' },
      { _id: '~2', title: 'good', severity: 2, _createdAt: 2, stage: 'New', observableCount: 0 },
    ];
    const server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rows)),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const lines: string[] = [];
      const client = new TheHiveTicketing({
        url: `http://127.0.0.1:${port}`,
        apiKey: API_KEY,
        logger: recordingLogger(lines),
      });
      const alerts = await client.listOpenAlerts();
      assert.deepEqual(
        alerts.map((a) => a.title),
        ['good'],
      );
      const skipped = lines.filter((l) => l.includes('Skipping malformed'));
      assert.equal(skipped.length, 1);
      assert.ok(skipped[0]!.length < 1000, `${skipped[0]!.length} characters`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
