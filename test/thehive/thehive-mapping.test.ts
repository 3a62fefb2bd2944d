import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import winston from 'winston';
import { TheHiveTicketing } from '../../src/adapters/thehive/thehive-client.js';
import { parseAlert, parseCase } from '../../src/adapters/thehive/thehive-mapping.js';

const good = {
  _id: '~1',
  _createdAt: 1_000,
  title: 'ok',
  description: 'fine',
  severity: 4,
  stage: 'InProgress',
  status: 'Triage',
  observableCount: 0,
};

test('parseAlert maps TheHive 5 stages and 4.1 statuses', () => {
  const state = (row: object) => {
    const parsed = parseAlert(row);
    return parsed.ok ? parsed.value.alert.state : parsed.reason;
  };
  assert.equal(state(good), 'open', 'custom status, open stage');
  assert.equal(state({ ...good, stage: 'New' }), 'open');
  assert.equal(state({ ...good, stage: 'Closed', status: 'FalsePositive' }), 'closed');
  assert.equal(state({ ...good, stage: 'Imported', caseId: '~9' }), 'imported');
  const v4 = { ...good, stage: undefined };
  assert.equal(state({ ...v4, status: 'New' }), 'open');
  assert.equal(state({ ...v4, status: 'Updated' }), 'open');
  assert.equal(state({ ...v4, status: 'Ignored' }), 'closed');
  assert.equal(state({ ...v4, status: 'Imported', case: '~7' }), 'imported');
  const legacy = parseAlert({ ...v4, status: 'Imported', case: '~7' });
  assert.equal(legacy.ok && legacy.value.alert.caseId, '~7');
});

test('parseAlert refuses rows it cannot trust', () => {
  for (const bad of [
    null,
    [],
    { ...good, _id: 5 },
    { ...good, title: undefined },
    { ...good, severity: 0 },
    { ...good, severity: 5 },
    { ...good, severity: '3' },
    { ...good, severity: 2.5 },
    { ...good, _createdAt: '2024-01-01' },
    { ...good, stage: 'Weird' },
  ]) {
    assert.equal(parseAlert(bad).ok, false, JSON.stringify(bad));
  }
});

test('parseCase needs an id and an integer number', () => {
  assert.deepEqual(parseCase({ _id: '~5', number: 12, title: 't' }), { ok: true, value: { id: '~5', number: 12 } });
  assert.equal(parseCase({ _id: '~5' }).ok, false);
  assert.equal(parseCase({ number: 3 }).ok, false);
});

test('listOpenAlerts skips malformed rows with a log line', async () => {
  const rows = [good, { ...good, _id: '~2', severity: 9 }, 'garbage', { ...good, _id: '~3', title: 'also ok' }];
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(rows));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const warnings: string[] = [];
  const logger = winston.createLogger({
    transports: [new winston.transports.Console({ silent: true })],
    format: winston.format.printf((info) => {
      if (info.level === 'warn') warnings.push(String(info.reason));
      return '';
    }),
  });
  try {
    const { port } = server.address() as AddressInfo;
    const client = new TheHiveTicketing({ url: `http://127.0.0.1:${port}`, apiKey: 'k', pageSize: 10, logger });
    const alerts = await client.listOpenAlerts();
    assert.deepEqual(
      alerts.map((a) => a.id),
      ['~1', '~3'],
    );
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, /severity 9/);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
