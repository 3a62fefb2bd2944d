import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import winston from 'winston';
import { TheHiveTicketing } from '../../src/adapters/thehive/thehive-client.js';
import { TheHiveSimulator, type TheHiveVariant } from '../../src/sandbox/thehive/thehive-simulator.js';

const logger = winston.createLogger({ silent: true });
const API_KEY = 'test-hive-key';
const T0 = Date.UTC(2024, 0, 1);

for (const variant of [5, 4] as TheHiveVariant[]) {
  describe(`listOpenAlerts on TheHive ${variant}`, () => {
    let hive: TheHiveSimulator;
    before(async () => {
      hive = await TheHiveSimulator.start({ apiKey: API_KEY, variant });
    });
    after(() => hive.stop());

    test('pages through every open alert and leaves out closed and imported ones', async () => {
      // Created newest first so that only the client's sort request puts them in order.
      const added = Array.from({ length: 20 }, (_, i) =>
        hive.addAlert({
          title: `alert ${i}`,
          description: `desc ${i}`,
          severity: (i % 4) + 1,
          createdAt: T0 + (20 - i) * 1_000,
          observables: i === 3 ? ['evil.example.com', { dataType: 'ip', data: '203.0.113.9' }] : [],
        }),
      );
      const closedId = String(added[5]!._id);
      const importedId = String(added[6]!._id);
      hive.closeAlert(closedId);
      const client = new TheHiveTicketing({ url: hive.url, apiKey: API_KEY, pageSize: 7, backoffMs: 1, logger });
      await client.promote(importedId);

      const before = hive.requestCount();
      const alerts = await client.listOpenAlerts();
      const ids = alerts.map((a) => a.id);

      assert.equal(alerts.length, 18);
      assert.equal(new Set(ids).size, 18);
      assert.ok(!ids.includes(closedId) && !ids.includes(importedId));
      assert.deepEqual(
        alerts.map((a) => a.createdAt),
        alerts.map((a) => a.createdAt).toSorted((a, b) => a - b),
      );
      assert.ok(alerts.every((a) => a.state === 'open' && a.caseId === null));
      assert.ok(
        alerts.some((a) => a.severity === 4),
        'critical alerts are kept',
      );
      const withObservables = alerts.find((a) => a.title === 'alert 3');
      assert.deepEqual(withObservables?.observables, ['evil.example.com', '203.0.113.9']);
      const plain = alerts.find((a) => a.title === 'alert 0');
      assert.deepEqual(plain, {
        id: String(added[0]!._id),
        title: 'alert 0',
        description: 'desc 0',
        severity: 1,
        createdAt: T0 + 20_000,
        state: 'open',
        caseId: null,
        observables: [],
      });
      // 3 pages (7 + 7 + 4 open alerts) plus one observables query; a 4.1 server costs one refused query more.
      const pageQueries = variant === 5 ? 3 : 4;
      assert.equal(hive.requestCount() - before, pageQueries + 1);
    });

    test('a second poll reuses the observables of unchanged alerts', async () => {
      const client = new TheHiveTicketing({ url: hive.url, apiKey: API_KEY, pageSize: 7, backoffMs: 1, logger });
      await client.listOpenAlerts();
      const before = hive.requestCount();
      const again = await client.listOpenAlerts();
      assert.equal(hive.requestCount() - before, 3, 'only the three pages');
      assert.deepEqual(again.find((a) => a.title === 'alert 3')?.observables, ['evil.example.com', '203.0.113.9']);
    });
  });
}

test('an exactly full last page ends with an empty page', async () => {
  const hive = await TheHiveSimulator.start({ apiKey: API_KEY });
  try {
    for (let i = 0; i < 10; i++) hive.addAlert({ title: `a${i}`, description: '', severity: 2, createdAt: T0 + i });
    const client = new TheHiveTicketing({ url: hive.url, apiKey: API_KEY, pageSize: 5, logger });
    assert.equal((await client.listOpenAlerts()).length, 10);
    assert.equal(hive.requestCount(), 3);
  } finally {
    await hive.stop();
  }
});

test('10,000 open alerts are listed in a few seconds', async () => {
  const hive = await TheHiveSimulator.start({ apiKey: API_KEY });
  try {
    for (let i = 0; i < 10_000; i++) {
      hive.addAlert({ title: `bulk ${i}`, description: 'bulk', severity: (i % 4) + 1, createdAt: T0 + i });
    }
    const client = new TheHiveTicketing({ url: hive.url, apiKey: API_KEY, logger });
    const started = performance.now();
    const alerts = await client.listOpenAlerts();
    const elapsed = performance.now() - started;
    assert.equal(alerts.length, 10_000);
    assert.equal(alerts[9_999]!.title, 'bulk 9999');
    assert.ok(elapsed < 5_000, `took ${Math.round(elapsed)} ms`);
  } finally {
    await hive.stop();
  }
});
