/** The deadline timer backs off when a firing makes no progress, and fires at once again after progress. */
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { DeadlineTimer } from '../../src/jobs/deadline-timer.js';

describe('deadline timer back-off', () => {
  it('a deadline that stays due is retried after 1, 2, 4 … s (capped), not in a hot loop; progress resets it', () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    try {
      const fired: number[] = [];
      const stuck = 1_000_000;
      let earliest = stuck;
      const timer: DeadlineTimer = new DeadlineTimer(
        () => Date.now(),
        () => {
          fired.push(Date.now());
          // A pass that cannot move the due row re-arms for the same deadline.
          timer.arm(earliest);
        },
        { firstBackoffMs: 1000, maxBackoffMs: 4000 },
      );
      timer.arm(stuck);
      mock.timers.tick(0);
      for (let i = 0; i < 20_000; i += 100) mock.timers.tick(100);
      const gaps = fired.slice(1).map((t, i) => t - fired[i]!);
      assert.deepEqual(gaps.slice(0, 4), [1000, 2000, 4000, 4000]);
      assert.ok(fired.length < 10, `${fired.length} firings in 20 s`);
      earliest = Date.now() + 50; // the pass finally moved the row on
      mock.timers.tick(4000);
      const before = fired.length;
      timer.arm(Date.now() + 10);
      mock.timers.tick(10);
      assert.equal(fired.length, before + 1, 'a later deadline fires on time');
      timer.cancel();
    } finally {
      mock.timers.reset();
    }
  });

  it('a timer Node runs a millisecond before its deadline waits that millisecond instead of backing off for a second', () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 2_000_000 });
    try {
      // The clock the timer reads lags the timer queue by 1 ms while `lag` is set, as Date.now()
      // can when libuv rounds a timer's due time.
      let lag = 0;
      const now = () => Date.now() - lag;
      const fired: number[] = [];
      const deadline = 2_000_100;
      const timer: DeadlineTimer = new DeadlineTimer(now, () => {
        // A pass fires what is due by the clock; nothing due yet, it re-arms for the same deadline.
        if (now() >= deadline) fired.push(now());
        else timer.arm(deadline);
      });
      timer.arm(deadline);
      lag = 1;
      mock.timers.tick(100);
      lag = 0;
      mock.timers.tick(1);
      mock.timers.tick(1);
      assert.deepEqual(fired, [deadline + 1]);
      timer.cancel();
    } finally {
      mock.timers.reset();
    }
  });
});
