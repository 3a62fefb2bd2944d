/**
 * When the sender looks for work. Each look (a pass) reads the head of every lane, which costs
 * more as the backlog grows, so a burst of commits must not mean one pass per row; and a look
 * asked for now must not be put off by a later request (a lane paced for a second).
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import winston from 'winston';
import type { OutboxRepository } from '../../src/outbox/repository.js';
import { DEFAULT_TUNING, OutboxSender } from '../../src/outbox/sender.js';

/** A repository with an empty outbox whose every pass takes `passMs` of (mocked) time. */
function sender(passMs: number) {
  const looks: number[] = [];
  const repo = {
    laneHeads: async () => {
      looks.push(Date.now());
      mock.timers.setTime(Date.now() + passMs);
      return [];
    },
    claimants: async () => [],
  } as unknown as OutboxRepository;
  const s = new OutboxSender({
    repo,
    replicaId: 'looks',
    clock: { now: () => new Date() },
    logger: winston.createLogger({ silent: true }),
    transports: {},
    handlers: new Map(),
    tuning: { ...DEFAULT_TUNING, pollMs: 60_000 },
    folder: null,
    settled: () => {},
  });
  return { s, looks };
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('outbox sender: when it looks', () => {
  afterEach(() => mock.timers.reset());

  it('a look asked for now is not put off by a later request for a look in a second', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const { s, looks } = sender(0);
    s.start();
    await settle();
    mock.timers.tick(0);
    await settle();
    looks.length = 0;
    // A row committed (look now), then a lane paced for a second (look then).
    s.nudge(0);
    s.nudge(1000);
    mock.timers.tick(0);
    await settle();
    assert.equal(looks.length, 1, 'the row waited for the paced lane');
    await s.stop(0);
  });

  it('a burst of commits gets passes spaced by three times a pass, not one pass per commit', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 2_000_000 });
    const { s, looks } = sender(10);
    s.start();
    await settle();
    mock.timers.tick(0);
    await settle();
    looks.length = 0;
    // 100 commits, one a millisecond, while each pass takes 10 ms.
    for (let i = 0; i < 100; i++) {
      s.nudge(0);
      mock.timers.tick(1);
      await settle();
    }
    const gaps = looks.slice(1).map((t, i) => t - looks[i]!);
    assert.ok(looks.length >= 2 && looks.length <= 4, `${looks.length} passes for 100 commits`);
    assert.ok(
      gaps.every((g) => g >= 40),
      `passes ${gaps.join(', ')} ms apart`,
    );
    await s.stop(0);
  });
});
