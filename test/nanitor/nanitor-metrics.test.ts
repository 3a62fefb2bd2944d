import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import winston from 'winston';
import { NanitorMetrics, type NanitorMetricsOptions } from '../../src/adapters/nanitor/nanitor-metrics.js';
import { type ErrorCode, isSecOpsError } from '../../src/errors.js';
import { NanitorSimulator } from '../../src/sandbox/nanitor/nanitor-simulator.js';

const TOKEN = 'test-nanitor-token';
const logger = winston.createLogger({ silent: true });

function rejectsWith(code: ErrorCode, message: RegExp | string) {
  return (err: unknown) => {
    assert.ok(isSecOpsError(err, code), `expected SecOpsError(${code}), got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  };
}

describe('NanitorMetrics against the Nanitor simulator', () => {
  let sim: NanitorSimulator;
  const client = (overrides: Partial<NanitorMetricsOptions> = {}) =>
    new NanitorMetrics({
      baseUrl: sim.baseUrl,
      apiToken: TOKEN,
      timeoutMs: 200,
      retries: 2,
      backoffMs: 1,
      logger,
      ...overrides,
    });

  before(async () => {
    sim = await NanitorSimulator.start({ apiToken: TOKEN, health: 0.93, p0: 4 });
  });
  after(() => sim.stop());
  beforeEach(() => {
    sim.clearFaults();
    sim.set({ health: 0.93, p0: 4, includeTotal: true });
  });

  it('reads the health score and the P0 count', async () => {
    const metrics = client();
    assert.equal(await metrics.healthScore(), 0.93);
    assert.equal(await metrics.p0Count(), 4);
  });

  it('uses the last health item of the day', async () => {
    sim.set({ health: 0.5 });
    sim.set({ health: 0.88 });
    assert.equal(await client().healthScore(), 0.88);
  });

  it('normalizes a percentage to a fraction', async () => {
    sim.set({ health: 93.5 });
    assert.equal(await client().healthScore(), 0.935);
  });

  it('keeps exactly 1 as a fraction (100%)', async () => {
    sim.set({ health: 1 });
    assert.equal(await client().healthScore(), 1);
  });

  it('retries a 500 and then succeeds', async () => {
    sim.fail('health', '500', 1);
    const before = sim.state().requests.health;
    assert.equal(await client().healthScore(), 0.93);
    assert.equal(sim.state().requests.health - before, 2);
  });

  it('gives up after the retries with the HTTP status in the message', async () => {
    sim.fail('p0', '500');
    const before = sim.state().requests.p0;
    await assert.rejects(client({ retries: 2 }).p0Count(), rejectsWith('unavailable', 'Nanitor issues: HTTP 500'));
    assert.equal(sim.state().requests.p0 - before, 3);
  });

  it('times out a request that never answers, then retries', async () => {
    sim.fail('health', 'timeout', 1);
    const started = Date.now();
    assert.equal(await client({ timeoutMs: 100 }).healthScore(), 0.93);
    assert.ok(Date.now() - started >= 100);
  });

  it('reports a time-out when every attempt stalls', async () => {
    sim.fail('health', 'timeout');
    await assert.rejects(
      client({ timeoutMs: 50, retries: 1 }).healthScore(),
      rejectsWith('timeout', 'Nanitor health_scores: timed out after 50 ms'),
    );
  });

  it('retries malformed JSON and fails clearly when it persists', async () => {
    sim.fail('health', 'malformed', 1);
    assert.equal(await client().healthScore(), 0.93);
    sim.fail('health', 'malformed');
    await assert.rejects(
      client({ retries: 1 }).healthScore(),
      rejectsWith('bad_response', 'Nanitor health_scores: response is not valid JSON'),
    );
  });

  it('turns an empty health list into bad_response without retrying', async () => {
    sim.fail('health', 'empty');
    const before = sim.state().requests.health;
    await assert.rejects(client().healthScore(), rejectsWith('bad_response', 'Nanitor health_scores: no items'));
    assert.equal(sim.state().requests.health - before, 1);
  });

  it('rejects an overall that is not a number instead of returning NaN', async () => {
    sim.set({ health: Number.NaN }); // JSON carries it as null
    await assert.rejects(
      client().healthScore(),
      rejectsWith('bad_response', 'Nanitor health_scores: overall is not a number (got null)'),
    );
  });

  it('counts P0 items across pages when total is absent', async () => {
    sim.set({ p0: 457, includeTotal: false });
    const before = sim.state().requests.p0;
    assert.equal(await client().p0Count(), 457);
    // the first probe, then pages 1..3 of 200
    assert.equal(sim.state().requests.p0 - before, 4);
  });

  it('counts a single page without refetching when total is absent', async () => {
    sim.set({ p0: 3, includeTotal: false });
    const before = sim.state().requests.p0;
    assert.equal(await client().p0Count(), 3);
    assert.equal(sim.state().requests.p0 - before, 1);
  });

  it('fails clearly when the P0 response has neither total nor items', async () => {
    sim.fail('p0', 'empty');
    await assert.rejects(
      client().p0Count(),
      rejectsWith('bad_response', 'Nanitor issues: response has no total and no items list to count'),
    );
  });

  it('maps 401 to unauthorized without retrying', async () => {
    const before = sim.state().requests.health;
    await assert.rejects(
      client({ apiToken: 'wrong' }).healthScore(),
      rejectsWith('unauthorized', 'Nanitor rejected NANITOR_API_TOKEN'),
    );
    await assert.rejects(client({ apiToken: 'wrong' }).p0Count(), rejectsWith('unauthorized', /NANITOR_API_TOKEN/));
    assert.equal(sim.state().requests.health, before);
  });

  it('reports a refused connection as unavailable', async () => {
    const gone = await NanitorSimulator.start({ apiToken: TOKEN });
    const baseUrl = gone.baseUrl;
    await gone.stop();
    await assert.rejects(
      client({ baseUrl, retries: 1 }).healthScore(),
      rejectsWith('unavailable', /^Nanitor health_scores: request failed: ECONNREFUSED/),
    );
  });

  it('refuses a configuration it cannot use', () => {
    assert.throws(() => client({ baseUrl: 'x.nanitor.net' }), rejectsWith('config', /NANITOR_BASE_URL/));
    assert.throws(() => client({ apiToken: ' ' }), rejectsWith('config', /NANITOR_API_TOKEN/));
  });
});
