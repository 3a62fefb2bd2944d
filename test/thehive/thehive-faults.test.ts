import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import winston from 'winston';
import { TheHiveTicketing, type TheHiveTicketingOptions } from '../../src/adapters/thehive/thehive-client.js';
import { isSecOpsError } from '../../src/errors.js';
import { TheHiveSimulator } from '../../src/sandbox/thehive/thehive-simulator.js';

const API_KEY = 'test-hive-key';

/** A logger that keeps what it was told, to prove the key never reaches the logs. */
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

describe('TheHive failures', () => {
  let hive: TheHiveSimulator;
  let logLines: string[];
  let alertId: string;
  const client = (overrides: Partial<TheHiveTicketingOptions> = {}) =>
    new TheHiveTicketing({
      url: hive.url,
      apiKey: API_KEY,
      retries: 3,
      backoffMs: 1,
      timeoutMs: 1_000,
      logger: recordingLogger(logLines),
      ...overrides,
    });

  before(async () => {
    hive = await TheHiveSimulator.start({ apiKey: API_KEY, organisation: 'SOC' });
    alertId = String(hive.addAlert({ title: 'beacon', description: '', severity: 2 })._id);
  });
  beforeEach(() => {
    logLines = [];
    hive.faults({ slowMs: 0, failNext: 0, malformedNext: 0 });
  });
  after(() => hive.stop());

  test('X-Organisation is sent when configured, and its absence is refused as forbidden', async () => {
    assert.equal((await client({ organisation: 'SOC' }).getAlert(alertId))?.id, alertId);
    await assert.rejects(client().getAlert(alertId), (err) => isSecOpsError(err, 'forbidden'));
  });

  test('a wrong key is unauthorized, without retries and without logging the key', async () => {
    const before = hive.requestCount();
    await assert.rejects(
      client({ apiKey: 'wrong-key', organisation: 'SOC' }).listOpenAlerts(),
      (err) => isSecOpsError(err, 'unauthorized') && err.message === 'TheHive rejected THEHIVE_API_KEY',
    );
    assert.equal(hive.requestCount() - before, 1);
    assert.ok(!logLines.some((line) => line.includes('wrong-key') || line.includes(API_KEY)));
  });

  test('two 500s then success: the call succeeds after retrying', async () => {
    hive.faults({ failNext: 2 });
    const before = hive.requestCount();
    const alerts = await client({ organisation: 'SOC' }).listOpenAlerts();
    assert.deepEqual(
      alerts.map((a) => a.id),
      [alertId],
    );
    assert.equal(hive.requestCount() - before, 3);
    assert.equal(logLines.filter((line) => line.includes('retrying')).length, 2);
    assert.ok(!logLines.some((line) => line.includes(API_KEY)));
  });

  test('malformed JSON once is retried', async () => {
    hive.faults({ malformedNext: 1 });
    const before = hive.requestCount();
    assert.equal((await client({ organisation: 'SOC' }).getAlert(alertId))?.title, 'beacon');
    // the malformed answer and its retry; the alert has no observables to ask for
    assert.equal(hive.requestCount() - before, 2);
  });

  test('always 500: unavailable after the configured retries', async () => {
    hive.faults({ failNext: 100 });
    const before = hive.requestCount();
    await assert.rejects(client({ organisation: 'SOC', retries: 2 }).promote(alertId), (err) =>
      isSecOpsError(err, 'unavailable'),
    );
    assert.equal(hive.requestCount() - before, 3);
    assert.equal(hive.cases().length, 0);
  });

  test('slower than the time-out: timeout after retries', async () => {
    hive.faults({ slowMs: 300 });
    const started = performance.now();
    await assert.rejects(client({ organisation: 'SOC', timeoutMs: 50, retries: 1 }).getAlert(alertId), (err) =>
      isSecOpsError(err, 'timeout'),
    );
    assert.ok(performance.now() - started < 1_000);
  });

  test('404 is an answer, not a failure: no retry', async () => {
    const before = hive.requestCount();
    assert.equal(await client({ organisation: 'SOC' }).getAlert('~4'), null);
    assert.equal(hive.requestCount() - before, 1);
  });
});

test('a bad URL or empty key is a config error', () => {
  const logger = winston.createLogger({ silent: true });
  assert.throws(
    () => new TheHiveTicketing({ url: 'thehive.local', apiKey: 'k', logger }),
    (err) => isSecOpsError(err, 'config'),
  );
  assert.throws(
    () => new TheHiveTicketing({ url: 'http://127.0.0.1:9', apiKey: '', logger }),
    (err) => isSecOpsError(err, 'config'),
  );
});

test('an unreachable TheHive is unavailable', async () => {
  const hive = await TheHiveSimulator.start({ apiKey: API_KEY });
  const url = hive.url;
  await hive.stop();
  const client = new TheHiveTicketing({
    url,
    apiKey: API_KEY,
    retries: 1,
    backoffMs: 1,
    logger: winston.createLogger({ silent: true }),
  });
  await assert.rejects(client.listOpenAlerts(), (err) => isSecOpsError(err, 'unavailable'));
});
