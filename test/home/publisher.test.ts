import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebClient } from '@slack/web-api';
import type { HomeOpeners } from '../../src/home/openers.js';
import { HomePublisher, type HomePublisherOptions } from '../../src/home/publisher.js';
import { silentLogger } from '../../src/log.js';

/** A views.publish that records calls and can answer 429 first. */
function rig(openers: string[], responders: string[], options: HomePublisherOptions = {}, rateLimitFirst = 0) {
  const calls: { user: string; notice: string | null; at: number }[] = [];
  let limited = rateLimitFirst;
  const notices = new Map<string, string | null>();
  const client = {
    views: {
      publish: async ({ user_id }: { user_id: string }) => {
        if (limited-- > 0)
          throw Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error', retryAfter: 1 });
        calls.push({ user: user_id, notice: notices.get(user_id) ?? null, at: Date.now() });
        return { ok: true };
      },
    },
  } as unknown as WebClient;
  const store = {
    record: async (u: string) => void openers.push(u),
    filter: async (ids: readonly string[]) => ids.filter((u) => openers.includes(u)),
    all: async () => [...openers],
  } as unknown as HomeOpeners;
  const publisher = new HomePublisher(
    {
      client,
      openers: store,
      isResponder: async (u) => responders.includes(u),
      render: async (u, notice) => {
        notices.set(u, notice);
        return { type: 'home', blocks: [] };
      },
      logger: silentLogger(),
    },
    { debounceMs: 20, ...options },
  );
  return { publisher, calls };
}

describe('HomePublisher', () => {
  it('folds a burst of changes for one person into one publish', async () => {
    const { publisher, calls } = rig(['U1'], []);
    for (let i = 0; i < 50; i++) publisher.changed(['U1']);
    await publisher.idle();
    assert.equal(calls.length, 1);
    assert.equal(publisher.stats.latenciesMs.length, 1);
  });

  it('never publishes for people who have not opened their Home', async () => {
    const { publisher, calls } = rig(['U1'], []);
    publisher.changed(['U1', 'U2', 'U3']);
    await publisher.idle();
    assert.deepEqual(
      calls.map((c) => c.user),
      ['U1'],
    );
  });

  it('sends "responders" changes to responders who opened their Home, once each', async () => {
    const { publisher, calls } = rig(['U1', 'U2', 'U3'], ['U2', 'U3', 'U9']);
    publisher.changed('responders');
    publisher.changed('responders');
    publisher.changed(['U2']);
    await publisher.idle();
    assert.deepEqual(calls.map((c) => c.user).sort(), ['U2', 'U3']);
  });

  it('publishes at once on open and on a click reply, with the reply on top', async () => {
    const { publisher, calls } = rig([], [], { debounceMs: 10_000 });
    await publisher.opened('U5', Date.now());
    publisher.reply('U5', 'Done.');
    await publisher.idle();
    assert.deepEqual(
      calls.map((c) => [c.user, c.notice]),
      [
        ['U5', null],
        ['U5', 'Done.'],
      ],
    );
  });

  it('puts a person who opened their Home ahead of queued background refreshes', async () => {
    const { publisher, calls } = rig(['A', 'B', 'C'], [], { perMinute: 600, burst: 1, concurrency: 1 });
    publisher.changed(['A', 'B', 'C']);
    await new Promise((r) => setTimeout(r, 50));
    await publisher.opened('Z', Date.now());
    await publisher.idle();
    assert.deepEqual(
      calls.map((c) => c.user),
      ['A', 'Z', 'B', 'C'],
    );
  });

  it('keeps to its pace: with a burst of 2 and 600 a minute, the third publish waits about 100 ms', async () => {
    const { publisher, calls } = rig(['A', 'B', 'C'], [], { perMinute: 600, burst: 2 });
    publisher.changed(['A', 'B', 'C']);
    await publisher.idle();
    assert.equal(calls.length, 3);
    assert.ok(calls[2]!.at - calls[0]!.at >= 80, `${calls[2]!.at - calls[0]!.at} ms`);
  });

  it('after a 429 waits Retry-After, then publishes the same Home first', async () => {
    const { publisher, calls } = rig(['A', 'B'], [], { concurrency: 1 }, 1);
    const started = Date.now();
    publisher.changed(['A', 'B']);
    await publisher.idle();
    assert.deepEqual(
      calls.map((c) => c.user),
      ['A', 'B'],
    );
    assert.ok(calls[0]!.at - started >= 950);
    assert.equal(publisher.stats.rateLimited, 1);
  });

  it('publishes nothing after stop', async () => {
    const { publisher, calls } = rig(['A'], []);
    publisher.changed(['A']);
    await publisher.stop();
    publisher.changed(['A']);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(calls.length, 0);
  });
});
