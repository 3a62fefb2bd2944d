import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { NanitorSimulator, type NanitorSimulatorState } from '../../src/sandbox/nanitor/nanitor-simulator.js';

const TOKEN = 'sim-token';

describe('NanitorSimulator wire protocol', () => {
  let sim: NanitorSimulator;
  const get = (path: string, token: string | null = TOKEN) =>
    fetch(`${sim.baseUrl}/${path}`, { headers: token === null ? {} : { Authorization: `Bearer ${token}` } });

  before(async () => {
    sim = await NanitorSimulator.start({ apiToken: TOKEN, health: 0.91, p0: 120 });
  });
  after(() => sim.stop());
  beforeEach(() => sim.clearFaults());

  it('serves under /system_api on 127.0.0.1', () => {
    assert.match(sim.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/system_api$/);
  });

  it('answers 401 with a JSON error without the right Bearer token', async () => {
    for (const token of [null, 'wrong']) {
      const res = await get('issues?priority=P0', token);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.equal(((await res.json()) as { error: string }).error, 'unauthorized');
    }
  });

  it('lists health readings as {page, pages, total, items[{values:{overall}, date}]}', async () => {
    const body = (await (await get('dashboards/health_scores?date_type=day&date_value=1')).json()) as {
      page: number;
      pages: number;
      total: number;
      items: { date: string; values: { overall: number } }[];
    };
    assert.equal(body.page, 1);
    assert.equal(body.pages, 1);
    assert.equal(body.total, body.items.length);
    assert.equal(body.items.at(-1)?.values.overall, 0.91);
    assert.ok(!Number.isNaN(Date.parse(body.items[0]!.date)));
  });

  it('pages P0 issues with page/per_page, capping per_page at 200', async () => {
    const page2 = (await (await get('issues?priority=P0&page=2&per_page=50')).json()) as Record<string, unknown>;
    assert.equal(page2.total, 120);
    assert.equal(page2.pages, 3);
    assert.equal((page2.items as unknown[]).length, 50);
    const capped = (await (await get('issues?priority=P0&per_page=1000')).json()) as Record<string, unknown>;
    assert.equal(capped.per_page, 200);
    assert.equal(capped.pages, 1);
    assert.equal((capped.items as unknown[]).length, 120);
  });

  it('omits total when told to', async () => {
    sim.set({ includeTotal: false });
    const body = (await (await get('issues?priority=P0')).json()) as Record<string, unknown>;
    assert.equal('total' in body, false);
    sim.set({ includeTotal: true });
  });

  it('answers 404 for unknown routes', async () => {
    assert.equal((await get('nope')).status, 404);
  });

  it('injects a fault a given number of times, then recovers', async () => {
    sim.fail('p0', '500', 2);
    assert.equal((await get('issues?priority=P0')).status, 500);
    assert.equal((await get('issues?priority=P0')).status, 500);
    assert.equal((await get('issues?priority=P0')).status, 200);
    // faults are per route
    sim.fail('health', 'malformed');
    assert.equal((await get('issues?priority=P0')).status, 200);
    await assert.rejects((await get('dashboards/health_scores')).json());
  });

  it('emits change with the new state', async () => {
    const seen: NanitorSimulatorState[] = [];
    const listener = (state: NanitorSimulatorState) => seen.push(state);
    sim.on('change', listener);
    sim.set({ health: 0.7, p0: 2 });
    sim.fail('health', 'empty', 1);
    sim.off('change', listener);
    assert.equal(seen.length, 2);
    assert.equal(seen[0]!.health, 0.7);
    assert.equal(seen[0]!.p0, 2);
    assert.deepEqual(seen[1]!.faults, [{ route: 'health', kind: 'empty', remaining: 1 }]);
  });

  it('stops even while a timeout fault holds a request open', async () => {
    const local = await NanitorSimulator.start({ apiToken: TOKEN });
    local.fail('health', 'timeout');
    const pending = fetch(`${local.baseUrl}/dashboards/health_scores`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await local.stop();
    await assert.rejects(pending);
  });
});
