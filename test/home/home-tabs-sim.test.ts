import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { App, BlockButtonAction } from '@slack/bolt';
import { LogLevel, WebClient } from '@slack/web-api';
import { type PublishedHome, SlackSimulator, type SlackSimulatorOptions } from '../../src/sandbox/slack/index.js';
import { boltApp, waitUntil } from '../slack-sim/helpers.js';

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const view = (blocks: unknown[]) => ({ type: 'home' as const, blocks: blocks as never[] });

const quietLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

async function withSim(
  options: SlackSimulatorOptions,
  scenario: (sim: SlackSimulator, client: WebClient) => Promise<void>,
) {
  const sim = await SlackSimulator.start(options);
  const client = new WebClient(sim.botToken, {
    slackApiUrl: sim.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    // The refusals are what these tests ask for; the SDK would print each as an [ERROR] line.
    logger: quietLogger,
  });
  try {
    await scenario(sim, client);
  } finally {
    await sim.stop();
  }
}

async function slackError(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

describe('Slack simulator: App Home', () => {
  it("views.publish stores the view per user and answers with Slack's view object", async () => {
    await withSim({}, async (sim, client) => {
      const res = await client.views.publish({ user_id: 'U0ALICE', view: view([section('hi')]) });
      assert.equal(res.ok, true);
      assert.equal(res.view?.type, 'home');
      assert.match(res.view?.id ?? '', /^V[0-9A-F]+$/);
      assert.equal(res.view?.app_id, 'A0SECOPS');
      const again = await client.views.publish({ user_id: 'U0ALICE', view: view([section('again')]) });
      assert.equal(again.view?.id, res.view?.id, 'a Home keeps its view id');
      const home = sim.home.view('U0ALICE')!;
      assert.equal(home.publishes, 2);
      assert.equal((home.view.blocks[0] as { text: { text: string } }).text.text, 'again');
      assert.equal(sim.home.view('U0BOB'), undefined);
    });
  });

  it('refuses more than 100 blocks with invalid_arguments and a JSON pointer, keeping the old view', async () => {
    await withSim({}, async (sim, client) => {
      await client.views.publish({ user_id: 'U0ALICE', view: view([section('ok')]) });
      const err = await slackError(
        client.views.publish({ user_id: 'U0ALICE', view: view(Array.from({ length: 101 }, () => section('x'))) }),
      );
      const data = err.data as { error: string; response_metadata: { messages: string[] } };
      assert.equal(data.error, 'invalid_arguments');
      assert.deepEqual(data.response_metadata.messages, [
        '[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]',
      ]);
      assert.equal(sim.home.view('U0ALICE')!.publishes, 1);
      const exactly100 = await client.views.publish({
        user_id: 'U0ALICE',
        view: view(Array.from({ length: 100 }, () => section('x'))),
      });
      assert.equal(exactly100.ok, true);
    });
  });

  it("refuses Block Kit limit violations with invalid_blocks, and other bad input with Slack's errors", async () => {
    await withSim({}, async (_sim, client) => {
      const long = await slackError(
        client.views.publish({ user_id: 'U0ALICE', view: view([section('x'.repeat(3001))]) }),
      );
      assert.equal((long.data as { error: string }).error, 'invalid_blocks');
      assert.deepEqual((long.data as { errors: string[] }).errors, [
        'must be less than 3001 characters [json-pointer:/view/blocks/0/text/text]',
      ]);
      const dup = await slackError(
        client.views.publish({
          user_id: 'U0ALICE',
          view: view([
            { ...section('a'), block_id: 'b' },
            { ...section('b'), block_id: 'b' },
          ]),
        }),
      );
      assert.equal((dup.data as { error: string }).error, 'invalid_blocks');
      const wrongType = await slackError(
        client.views.publish({ user_id: 'U0ALICE', view: { type: 'modal', blocks: [] } as never }),
      );
      assert.equal((wrongType.data as { error: string }).error, 'invalid_arguments');
      const nobody = await slackError(client.views.publish({ user_id: 'U0NOBODY', view: view([]) }));
      assert.equal((nobody.data as { error: string }).error, 'user_not_found');
    });
  });

  it('rate-limits views.publish with HTTP 429 and Retry-After', async () => {
    await withSim({ home: { publishPerMinute: 2 } }, async (_sim, client) => {
      await client.views.publish({ user_id: 'U0ALICE', view: view([]) });
      await client.views.publish({ user_id: 'U0BOB', view: view([]) });
      const err = await slackError(client.views.publish({ user_id: 'U0CAROL', view: view([]) }));
      assert.equal(err.code, 'slack_webapi_rate_limited_error');
      assert.ok(Number(err.retryAfter) >= 1 && Number(err.retryAfter) <= 60);
    });
  });

  it('answers not_enabled when the app has no Home tab', async () => {
    await withSim({ home: { enabled: false } }, async (_sim, client) => {
      const err = await slackError(client.views.publish({ user_id: 'U0ALICE', view: view([]) }));
      assert.equal((err.data as { error: string }).error, 'not_enabled');
    });
  });

  it('delivers app_home_opened and view block_actions to real Bolt, with the real payload shapes', async () => {
    const sim = await SlackSimulator.start();
    const app: App = boltApp(sim);
    const opened: Record<string, unknown>[] = [];
    const clicks: { body: Record<string, unknown>; hasRespond: boolean }[] = [];
    app.event('app_home_opened', async ({ event }) => {
      opened.push(event as unknown as Record<string, unknown>);
    });
    app.action<BlockButtonAction>('do_it', async ({ ack, body, respond }) => {
      await ack();
      clicks.push({ body: body as unknown as Record<string, unknown>, hasRespond: respond !== undefined });
    });
    try {
      await app.start();
      await waitUntil(() => sim.connections() === 1, 3000, 'bolt to connect');
      sim.openHome('U0ALICE');
      await waitUntil(() => opened.length === 1, 3000, 'app_home_opened');
      assert.equal(opened[0]!.tab, 'home');
      assert.equal(opened[0]!.user, 'U0ALICE');
      assert.equal(opened[0]!.view, undefined, 'no view before the first publish');
      const published: PublishedHome[] = [];
      sim.on('home', (h) => published.push(h));
      await app.client.views.publish({
        user_id: 'U0ALICE',
        view: view([
          section('hello'),
          {
            type: 'actions',
            block_id: 'a1',
            elements: [{ type: 'button', action_id: 'do_it', value: '7', text: { type: 'plain_text', text: 'Do' } }],
          },
        ]),
      });
      assert.equal(published.length, 1);
      sim.openHome('U0ALICE', 'messages');
      sim.openHome('U0ALICE');
      await waitUntil(() => opened.length === 3, 3000, 'second app_home_opened');
      assert.equal(opened[1]!.tab, 'messages');
      assert.equal((opened[2]!.view as { id: string }).id, published[0]!.view.id);
      const envelope = sim.clickHomeButton('U0ALICE', 'do_it', '7');
      await sim.waitForAck(envelope);
      await waitUntil(() => clicks.length === 1, 3000, 'the click');
      const body = clicks[0]!.body;
      assert.deepEqual(body.container, { type: 'view', view_id: published[0]!.view.id });
      assert.equal(body.channel, undefined);
      assert.equal(body.message, undefined);
      assert.equal(body.response_url, undefined);
      assert.equal(clicks[0]!.hasRespond, false, 'Bolt offers no respond() for a Home click');
      assert.equal((body.actions as { value: string; block_id: string }[])[0]!.value, '7');
      assert.throws(() => sim.clickHomeButton('U0BOB', 'do_it'), /no published Home/);
      assert.throws(() => sim.clickHomeButton('U0ALICE', 'nope'), /no nope button/);
    } finally {
      await app.stop();
      await sim.stop();
    }
  });
});
