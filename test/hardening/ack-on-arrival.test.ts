/**
 * Issue 12 §1: a burst of events must not queue its acks behind its own work (Slack redelivers
 * what is not acked within 3 s). The real Bolt app from createSlackApp against the Slack simulator,
 * with a listener that holds the event loop as a heavy DM would.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SlackSimulator } from '../../src/sandbox/slack/index.js';
import { createSlackApp, type SlackApp } from '../../src/slack/app.js';
import { testLogger } from '../helpers/bot-harness.js';

const BURST = 10;

describe('Socket Mode acks under a burst', () => {
  let sim: SlackSimulator;
  let slack: SlackApp;
  const seenAtProcessing: number[] = [];
  let acked = 0;

  before(async () => {
    sim = await SlackSimulator.start();
    sim.on('ack', () => {
      acked += 1;
    });
    slack = createSlackApp({
      botToken: sim.botToken,
      appToken: sim.appToken,
      apiUrl: sim.apiUrl,
      logger: testLogger(),
      retryConfig: { retries: 0 },
    });
    slack.app.event('message', async () => {
      seenAtProcessing.push(acked);
      const until = performance.now() + 20;
      while (performance.now() < until) {
        // a listener busy for 20 ms, as one parsing a 40,000-character DM could be
      }
    });
    await slack.app.init();
    await slack.app.start();
    const deadline = Date.now() + 10_000;
    while (sim.connections() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  });
  after(async () => {
    await slack.app.stop();
    await sim.stop();
  });

  it('every envelope of a burst is acked before the burst is processed', async () => {
    const ids = Array.from({ length: BURST }, (_, i) => sim.sendDm('U0ALICE', `burst ${i}`));
    await Promise.all(ids.map((id) => sim.waitForAck(id, 10_000)));
    const deadline = Date.now() + 10_000;
    while (seenAtProcessing.length < BURST && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(seenAtProcessing.length, BURST, 'every event reached its listener once');
    // Bolt's own ack comes just before each listener, in the same turn as the others' work: the
    // simulator would see no ack until the whole burst had been processed.
    assert.equal(seenAtProcessing.at(-1), BURST, `acks seen as each event was processed: ${seenAtProcessing}`);
  });
});
