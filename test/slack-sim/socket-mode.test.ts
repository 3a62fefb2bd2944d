import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { SlackSimulator, type SlackSimulatorOptions } from '../../src/sandbox/slack/index.js';
import { waitUntil } from './helpers.js';

type Frame = Record<string, unknown> & { type?: string; envelope_id?: string };

/** A bare Socket Mode client: what any SDK does under the hood, so the frames themselves can be checked. */
async function connect(sim: SlackSimulator): Promise<{ ws: WebSocket; frames: Frame[] }> {
  const response = await fetch(`${sim.apiUrl}apps.connections.open`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${sim.appToken}` },
  });
  const { url } = (await response.json()) as { url: string };
  const ws = new WebSocket(url);
  const frames: Frame[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame));
  await waitUntil(() => frames.some((f) => f.type === 'hello'), 2000, 'hello');
  return { ws, frames };
}

async function withSim(options: SlackSimulatorOptions, scenario: (sim: SlackSimulator) => Promise<void>) {
  const sim = await SlackSimulator.start(options);
  try {
    await scenario(sim);
  } finally {
    await sim.stop();
  }
}

const envelopes = (frames: Frame[]) => frames.filter((f) => f.envelope_id !== undefined);

describe('Slack simulator Socket Mode wire protocol', () => {
  it('greets with hello and refuses a reused ticket', async () => {
    await withSim({}, async (sim) => {
      const response = await fetch(`${sim.apiUrl}apps.connections.open`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${sim.appToken}` },
      });
      const { url } = (await response.json()) as { url: string };
      const first = new WebSocket(url);
      const hello = await new Promise<Frame>((resolve) =>
        first.once('message', (d) => resolve(JSON.parse(d.toString()))),
      );
      assert.equal(hello.type, 'hello');
      assert.equal(hello.num_connections, 1);
      assert.deepEqual(hello.connection_info, { app_id: 'A0SECOPS' });
      assert.equal(typeof (hello.debug_info as { host: unknown }).host, 'string');

      const reused = new WebSocket(url);
      const failure = await new Promise<string>((resolve) =>
        reused.once('unexpected-response', (_req, res) => resolve(String(res.statusCode))),
      );
      assert.equal(failure, '401');
      first.close();
    });
  });

  it('redelivers an unacked event with retry_attempt 1..3 and reason timeout, then gives up', async () => {
    await withSim({ ackTimeoutMs: 40 }, async (sim) => {
      const { ws, frames } = await connect(sim);
      const envelopeId = sim.sendDm('U0ALICE', 'anyone?');
      const gaveUp = assert.rejects(sim.waitForAck(envelopeId, 2000), /never acked/);
      await waitUntil(() => envelopes(frames).length === 4, 2000, 'three retries');
      await gaveUp;
      const attempts = envelopes(frames);
      assert.deepEqual(
        attempts.map((f) => [f.type, f.retry_attempt, f.retry_reason]),
        [
          ['events_api', 0, ''],
          ['events_api', 1, 'timeout'],
          ['events_api', 2, 'timeout'],
          ['events_api', 3, 'timeout'],
        ],
      );
      // Each attempt is its own envelope, carrying the same event.
      assert.equal(new Set(attempts.map((f) => f.envelope_id)).size, 4);
      const eventIds = attempts.map((f) => (f.payload as { event_id: string }).event_id);
      assert.equal(new Set(eventIds).size, 1);
      const event = (attempts[0]!.payload as { event: Record<string, unknown> }).event;
      assert.equal(event.channel_type, 'im');
      assert.equal(event.user, 'U0ALICE');
      assert.equal(event.ts, event.event_ts);
      assert.equal(sim.ackStats().timedOut, 4);
      ws.close();
    });
  });

  it('counts an ack of a retry as the ack of the original envelope and records its latency', async () => {
    await withSim({ ackTimeoutMs: 150 }, async (sim) => {
      const { ws, frames } = await connect(sim);
      const envelopeId = sim.sendMention('U0CAROL', 'C0ESCAL', 'look at this');
      await waitUntil(() => envelopes(frames).length === 2, 2000, 'a retry');
      ws.send(JSON.stringify({ envelope_id: envelopes(frames)[1]!.envelope_id, payload: {} }));
      const ack = await sim.waitForAck(envelopeId);
      assert.equal(ack.retryAttempt, 1);
      assert.ok(ack.latencyMs >= 0 && ack.latencyMs < 150);
      assert.equal(sim.ackStats().acked, 1);
      ws.close();
    });
  });

  it('spreads envelopes round robin over several connections', async () => {
    await withSim({}, async (sim) => {
      const replicas = [await connect(sim), await connect(sim)];
      assert.equal(sim.connections(), 2);
      for (const replica of replicas) {
        replica.ws.on('message', (data) => {
          const frame = JSON.parse(data.toString()) as Frame;
          if (frame.envelope_id) replica.ws.send(JSON.stringify({ envelope_id: frame.envelope_id }));
        });
      }
      const ids = [1, 2, 3, 4].map((n) => sim.slashCommand('U0CAROL', 'C0ALERTS', '/secops', `status ${n}`));
      await Promise.all(ids.map((id) => sim.waitForAck(id)));
      assert.deepEqual(
        replicas.map((r) => envelopes(r.frames).length),
        [2, 2],
      );
      const command = envelopes(replicas[0]!.frames)[0]!;
      assert.equal(command.type, 'slash_commands');
      assert.equal(command.accepts_response_payload, true);
      assert.equal(command.retry_attempt, undefined);
      const payload = command.payload as Record<string, string>;
      assert.equal(payload.command, '/secops');
      assert.equal(payload.channel_name, 'secops-alerts');
      assert.match(payload.response_url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/respond\//);
      for (const r of replicas) r.ws.close();
    });
  });

  it("sends bot_message and message_changed events in Slack's shapes", async () => {
    await withSim({}, async (sim) => {
      const { ws, frames } = await connect(sim);
      sim.postBotMessage('C0GENERAL', 'scan finished');
      sim.sendDm('U0BOB', 'typo');
      const dm = sim.messages(sim.dmChannelFor('U0BOB'))[0]!;
      sim.editMessage(dm, 'fixed');
      await waitUntil(() => envelopes(frames).length === 3, 2000, 'three events');
      const [botMessage, , edit] = envelopes(frames).map(
        (f) => (f.payload as { event: Record<string, unknown> }).event,
      );
      assert.equal(botMessage?.subtype, 'bot_message');
      assert.equal(botMessage?.bot_id, 'B0SCANNER');
      assert.equal(botMessage?.user, undefined);
      assert.equal(edit?.subtype, 'message_changed');
      assert.equal((edit!.message as { text: string }).text, 'fixed');
      assert.equal((edit!.previous_message as { text: string }).text, 'typo');
      assert.equal(sim.messages(dm.channel)[0]?.edits, 1);
      ws.close();
    });
  });

  it('applies response_url posts: in_channel, replace_original and delete_original', async () => {
    await withSim({}, async (sim) => {
      const { ws, frames } = await connect(sim);
      const api = (method: string, body: Record<string, unknown>) =>
        fetch(`${sim.apiUrl}${method}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${sim.botToken}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        }).then((r) => r.json() as Promise<{ ts: string }>);
      const blocks = [{ type: 'actions', elements: [{ type: 'button', action_id: 'snooze', value: 'a-1' }] }];
      const { ts } = await api('chat.postMessage', { channel: 'C0ALERTS', text: 'alert', blocks });
      sim.clickButton('U0CAROL', { channel: 'C0ALERTS', ts }, 'snooze', 'a-1:60');
      await waitUntil(() => envelopes(frames).length === 1, 2000, 'the click');
      const click = envelopes(frames)[0]!.payload as Record<string, unknown> & { response_url: string };
      assert.equal(click.type, 'block_actions');
      assert.deepEqual((click.actions as Array<{ value: string }>)[0]?.value, 'a-1:60');
      assert.deepEqual(click.container, {
        type: 'message',
        message_ts: ts,
        channel_id: 'C0ALERTS',
        is_ephemeral: false,
      });
      const respond = (body: Record<string, unknown>) =>
        fetch(click.response_url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });

      assert.equal((await respond({ text: 'snoozed', response_type: 'in_channel' })).status, 200);
      assert.equal((await respond({ text: 'snoozed for 60 min', replace_original: true })).status, 200);
      assert.deepEqual(
        sim.messages('C0ALERTS').map((m) => [m.text, m.edits]),
        [
          ['snoozed for 60 min', 1],
          ['snoozed', 0],
        ],
      );
      assert.equal((await respond({ delete_original: true })).status, 200);
      assert.deepEqual(
        sim.messages('C0ALERTS').map((m) => m.text),
        ['snoozed'],
      );
      assert.equal((await respond({})).status, 400);
      ws.close();
    });
  });

  it('sends disconnect with the reason to every socket and then closes them', async () => {
    await withSim({ disconnectGraceMs: 20 }, async (sim) => {
      const { ws, frames } = await connect(sim);
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      sim.disconnect('link_disabled');
      assert.equal(await closed, 1000);
      const disconnect = frames.find((f) => f.type === 'disconnect');
      assert.equal(disconnect?.reason, 'link_disabled');
      await waitUntil(() => sim.connections() === 0, 1000, 'the socket to be forgotten');
    });
  });
});
