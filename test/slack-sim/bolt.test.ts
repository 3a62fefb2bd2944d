import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { App } from '@slack/bolt';
import { type Envelope, SlackSimulator, type SlackSimulatorOptions } from '../../src/sandbox/slack/index.js';
import { boltApp, boltAppWithFastReconnect, waitUntil } from './helpers.js';

/** Runs a scenario with a fresh simulator and a started Bolt app, and always tears both down. */
async function withBolt(
  options: SlackSimulatorOptions,
  register: (app: App, sim: SlackSimulator) => void,
  scenario: (sim: SlackSimulator, app: App) => Promise<void>,
  makeApp: (sim: SlackSimulator) => App = boltApp,
): Promise<void> {
  const sim = await SlackSimulator.start(options);
  const app = makeApp(sim);
  try {
    register(app, sim);
    await app.start();
    await waitUntil(() => sim.connections() === 1, 3000, 'bolt to connect');
    await scenario(sim, app);
  } finally {
    await app.stop();
    await sim.stop();
  }
}

const alertBlocks = [
  { type: 'section', block_id: 'summary', text: { type: 'mrkdwn', text: 'Alert 42: suspicious login' } },
  {
    type: 'actions',
    block_id: 'decide',
    elements: [
      { type: 'button', action_id: 'promote', value: 'alert-42', text: { type: 'plain_text', text: 'Promote' } },
      { type: 'button', action_id: 'snooze', value: 'alert-42', text: { type: 'plain_text', text: 'Snooze' } },
    ],
  },
];

describe('Slack simulator with real Bolt (Socket Mode)', () => {
  it('delivers a DM, records the say() reply, and echoes it back without Bolt answering itself', async () => {
    await withBolt(
      {},
      (app) => {
        app.message(async ({ message, say }) => {
          if (message.subtype === undefined) await say(`echo: ${message.text}`);
        });
      },
      async (sim) => {
        const dm = sim.dmChannelFor('U0ALICE');
        const echoes: Envelope[] = [];
        sim.on('envelope', (envelope) => {
          const event = (envelope.payload as { event?: { bot_id?: string } }).event;
          if (event?.bot_id === 'B0BOT') echoes.push(envelope);
        });
        const mark = sim.mark();
        const envelopeId = sim.sendDm('U0ALICE', 'hello bot');
        assert.equal((await sim.waitForAck(envelopeId)).retryAttempt, 0);
        const reply = await sim.waitForMessage((m) => m.channel === dm && m.bot_id === 'B0BOT', { since: mark });
        assert.equal(reply.text, 'echo: hello bot');
        assert.equal(reply.user, 'U0BOT');

        await waitUntil(() => echoes.length === 1, 2000, 'the echo of the bot reply');
        await sim.waitForAck(echoes[0]!.envelope_id);
        // Had Bolt not ignored its own echo, it would have replied "echo: echo: hello bot".
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(
          sim.messages(dm).map((m) => [m.user, m.text]),
          [
            ['U0ALICE', 'hello bot'],
            ['U0BOT', 'echo: hello bot'],
          ],
        );
        assert.equal(sim.ackStats().acked, 2);
      },
    );
  });

  it('acks a slash command and records respond() as an ephemeral for the invoking user', async () => {
    await withBolt(
      {},
      (app) => {
        app.command('/secops', async ({ command, ack, respond }) => {
          await ack();
          await respond({ text: `status of ${command.text} for ${command.user_name}` });
        });
        app.command('/ping', async ({ ack }) => {
          await ack('pong');
        });
      },
      async (sim) => {
        const mark = sim.mark();
        const ack = await sim.waitForAck(sim.slashCommand('U0CAROL', 'C0ALERTS', '/secops', 'alert-7'));
        assert.equal(ack.type, 'slash_commands');
        const ephemeral = await sim.waitForEphemeral((e) => e.user === 'U0CAROL', { since: mark });
        assert.equal(ephemeral.text, 'status of alert-7 for carol');
        assert.equal(ephemeral.channel, 'C0ALERTS');
        assert.equal(ephemeral.via, 'response_url');

        const pongAck = await sim.waitForAck(sim.slashCommand('U0CAROL', 'C0ALERTS', '/ping'));
        assert.deepEqual(pongAck.payload, { text: 'pong' });
        assert.deepEqual(
          sim.ephemerals('U0CAROL').map((e) => e.text),
          ['status of alert-7 for carol', 'pong'],
        );
        assert.equal(sim.messages('C0ALERTS').length, 0);
      },
    );
  });

  it('delivers a button click on a posted message; respond({replace_original}) updates it', async () => {
    await withBolt(
      {},
      (app) => {
        app.action('promote', async ({ ack, body, respond, action }) => {
          await ack();
          const value = 'value' in action ? action.value : '';
          await respond({ replace_original: true, text: `${value} promoted by <@${body.user.id}>` });
        });
      },
      async (sim, app) => {
        const posted = await app.client.chat.postMessage({
          channel: 'C0ALERTS',
          text: 'Alert 42',
          blocks: alertBlocks,
        });
        assert.equal(posted.channel, 'C0ALERTS');
        const ref = { channel: 'C0ALERTS', ts: posted.ts! };
        assert.throws(() => sim.clickButton('U0CAROL', ref, 'no-such-action'), /no button/);

        const mark = sim.mark();
        const ack = await sim.waitForAck(sim.clickButton('U0CAROL', ref, 'promote'));
        assert.equal(ack.type, 'interactive');
        const updated = await sim.waitForMessage((m, kind) => kind === 'update' && m.ts === ref.ts, { since: mark });
        assert.equal(updated.text, 'alert-42 promoted by <@U0CAROL>');
        assert.equal(updated.edits, 1);
        assert.equal(updated.blocks, undefined);
      },
    );
  });

  it('redelivers an event whose ack was lost, with retry_attempt 1 and retry_reason timeout', async () => {
    const seen: Array<{ retryNum: number | undefined; retryReason: string | undefined }> = [];
    await withBolt(
      { ackTimeoutMs: 300 },
      (app) => {
        app.event('app_mention', async ({ context }) => {
          seen.push({ retryNum: context.retryNum, retryReason: context.retryReason });
        });
      },
      async (sim) => {
        sim.dropNextAcks(1);
        const ack = await sim.waitForAck(sim.sendMention('U0BOB', 'C0DIGEST', 'what is up?'));
        assert.equal(ack.retryAttempt, 1);
        assert.deepEqual(seen, [
          { retryNum: 0, retryReason: '' },
          { retryNum: 1, retryReason: 'timeout' },
        ]);
        assert.equal(sim.ackStats().timedOut, 1);
      },
    );
  });

  it('after disconnect(refresh_requested) Bolt reconnects through apps.connections.open and still answers', async () => {
    await withBolt(
      {},
      (app) => {
        app.message(async ({ message, say }) => {
          if (message.subtype === undefined) await say('still here');
        });
      },
      async (sim) => {
        let reconnected = false;
        sim.on('connection', ({ open }) => {
          if (open === 1) reconnected = true;
        });
        sim.disconnect('refresh_requested');
        await waitUntil(() => reconnected, 3000, 'bolt to reconnect');
        const mark = sim.mark();
        await sim.waitForAck(sim.sendDm('U0DAVE', 'ping'));
        const reply = await sim.waitForMessage((m) => m.bot_id === 'B0BOT', { since: mark });
        assert.equal(reply.text, 'still here');
        assert.equal(reply.channel, sim.dmChannelFor('U0DAVE'));
      },
      (sim) => boltAppWithFastReconnect(sim),
    );
  });

  it('while down the port refuses connections; back up on the same port, Bolt reconnects', async () => {
    await withBolt(
      {},
      (app) => {
        app.message(async ({ say }) => {
          await say('back');
        });
      },
      async (sim) => {
        const apiUrl = sim.apiUrl;
        await sim.setDown(true);
        await waitUntil(() => sim.connections() === 0, 2000, 'the socket to drop');
        await assert.rejects(fetch(`${apiUrl}auth.test`, { method: 'POST' }), /fetch failed/);

        await sim.setDown(false);
        assert.equal(sim.apiUrl, apiUrl);
        await waitUntil(() => sim.connections() === 1, 3000, 'bolt to reconnect');
        const mark = sim.mark();
        await sim.waitForAck(sim.sendDm('U0ALICE', 'are you there?'));
        assert.equal((await sim.waitForMessage((m) => m.bot_id === 'B0BOT', { since: mark })).text, 'back');
      },
      (sim) => boltAppWithFastReconnect(sim),
    );
  });
});
