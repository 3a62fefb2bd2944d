import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import winston from 'winston';
import { NanitorMetrics } from '../../src/adapters/nanitor/nanitor-metrics.js';

/**
 * A server even sparser than the simulator: no total, no pages, and a fixed page
 * size that ignores per_page. The client must still count every P0 item.
 */
describe('NanitorMetrics counting P0 items without total or pages', () => {
  const ISSUES = 73;
  const SERVER_PAGE_SIZE = 25;
  const seenPages: number[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const page = Number(url.searchParams.get('page') ?? '1');
    seenPages.push(page);
    const start = (page - 1) * SERVER_PAGE_SIZE;
    const count = Math.max(0, Math.min(SERVER_PAGE_SIZE, ISSUES - start));
    const items = Array.from({ length: count }, (_, index) => ({ id: start + index + 1 }));
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ page, items }));
  });
  let baseUrl = '';

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/system_api`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('walks pages until an empty one', async () => {
    const metrics = new NanitorMetrics({ baseUrl, apiToken: 't', logger: winston.createLogger({ silent: true }) });
    assert.equal(await metrics.p0Count(), ISSUES);
    // the first probe, then pages 1..3 of 25, 25 and 23 items, then the empty page 4
    assert.deepEqual(seenPages, [1, 1, 2, 3, 4]);
  });
});
