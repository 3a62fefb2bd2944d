import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffMs, withRetry } from '../../src/retry/retry.js';

class Flaky extends Error {}
class Fatal extends Error {}

/** Fails with each of `errors` in turn, then answers `value`; records when each attempt started. */
function script<T>(errors: unknown[], value: T): { fn: (attempt: number) => Promise<T>; starts: number[] } {
  const starts: number[] = [];
  return {
    starts,
    fn: async () => {
      starts.push(performance.now());
      const next = errors.shift();
      if (next !== undefined) throw next;
      return value;
    },
  };
}

const FAST = { retries: 3, minDelayMs: 5 };
const retryable = (err: unknown) => err instanceof Flaky;

describe('withRetry', () => {
  it('retries a retryable failure and returns the answer', async () => {
    const { fn, starts } = script([new Flaky('1'), new Flaky('2')], 'ok');
    assert.equal(await withRetry(fn, FAST, { retryable }), 'ok');
    assert.equal(starts.length, 3);
  });

  it('gives up after the retries with the last error, announcing each retry but not the last failure', async () => {
    const seen: { attempt: number; waitMs: number }[] = [];
    const last = new Flaky('4');
    const { fn } = script([new Flaky('1'), new Flaky('2'), new Flaky('3'), last], 'never');
    await assert.rejects(
      withRetry(fn, FAST, { retryable, onRetry: ({ attempt, waitMs }) => void seen.push({ attempt, waitMs }) }),
      (err) => err === last,
    );
    assert.deepEqual(seen, [
      { attempt: 1, waitMs: 5 },
      { attempt: 2, waitMs: 10 },
      { attempt: 3, waitMs: 20 },
    ]);
  });

  it('throws a failure that is not retryable at once, without announcing a retry', async () => {
    const fatal = new Fatal('no');
    const { fn, starts } = script([fatal], 'never');
    let announced = 0;
    await assert.rejects(withRetry(fn, FAST, { retryable, onRetry: () => void announced++ }), (err) => err === fatal);
    assert.equal(starts.length, 1);
    assert.equal(announced, 0);
  });

  it('carries non-Error and TypeError failures through to the caller unchanged', async () => {
    await assert.rejects(withRetry(script(['plain'], 0).fn, FAST, { retryable: () => false }), (e) => e === 'plain');
    const typeError = new TypeError('bug');
    let tries = 0;
    await assert.rejects(
      withRetry(
        async () => {
          tries++;
          throw typeError;
        },
        { retries: 1, minDelayMs: 1 },
        { retryable: () => true },
      ),
      (e) => e === typeError,
    );
    assert.equal(tries, 2, 'the caller, not p-retry, decides that a TypeError is worth a retry');
  });

  it('waits the backoff, and a server-requested wait on top', async () => {
    const { fn, starts } = script([new Flaky('1'), new Flaky('2')], 'ok');
    const announced: number[] = [];
    await withRetry(
      fn,
      { retries: 2, minDelayMs: 30 },
      { retryable, serverWaitMs: () => 40, onRetry: ({ waitMs }) => void announced.push(waitMs) },
    );
    assert.deepEqual(announced, [70, 100], 'the announced wait is the whole wait');
    assert.ok(starts[1]! - starts[0]! >= 65, `first wait ${starts[1]! - starts[0]!}`);
    assert.ok(starts[2]! - starts[1]! >= 95, `second wait ${starts[2]! - starts[1]!}`);
  });

  it('caps a wait at maxDelayMs', () => {
    assert.equal(backoffMs({ retries: 9, minDelayMs: 100, maxDelayMs: 1000 }, 1), 100);
    assert.equal(backoffMs({ retries: 9, minDelayMs: 100, maxDelayMs: 1000 }, 8), 1000);
    assert.equal(backoffMs({ retries: 9, minDelayMs: 100, factor: 3 }, 3), 900);
    // The Slack look-ups' default: 250 ms, 1 s, 4 s.
    const lookups = { retries: 3, minDelayMs: 250, factor: 4 };
    assert.deepEqual(
      [1, 2, 3].map((n) => backoffMs(lookups, n)),
      [250, 1000, 4000],
    );
  });

  it('an abort ends the wait', async () => {
    const controller = new AbortController();
    const { fn, starts } = script([new Flaky('1'), new Flaky('2')], 'ok');
    setTimeout(() => controller.abort(new Error('shutting down')), 20);
    await assert.rejects(
      withRetry(fn, { retries: 2, minDelayMs: 10_000 }, { retryable, signal: controller.signal }),
      /shutting down/,
    );
    assert.equal(starts.length, 1);
  });

  it('after an abort, a failure is thrown as it is, with no retry and no wait', async () => {
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    const flaky = new Flaky('1');
    const { fn, starts } = script([flaky, new Flaky('2')], 'ok');
    let announced = 0;
    await assert.rejects(
      withRetry(
        fn,
        { retries: 2, minDelayMs: 1 },
        { retryable, signal: controller.signal, onRetry: () => void announced++ },
      ),
      (err) => err === flaky,
    );
    assert.equal(starts.length, 1);
    assert.equal(announced, 0);
  });

  it('refuses a policy that makes no sense', async () => {
    await assert.rejects(
      withRetry(async () => 1, { retries: -1, minDelayMs: 1 }, { retryable }),
      RangeError,
    );
  });
});
