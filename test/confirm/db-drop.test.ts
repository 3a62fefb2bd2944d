/**
 * The database drops at the moment Slack accepts the question DM (the simulator reports the post
 * before the bot has Slack's answer) and stays down past the outbox claim. The bot knows it sent
 * the DM: it records it once the database is back, never says it was not sent, never posts it a
 * second time, and the buttons of that one DM are taken away when the alert escalates.
 */
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import type { SlackMessage } from '../../src/sandbox/slack/index.js';
import { capturedLines } from '../helpers/log-lines.js';
import { type StoreKind, storeKinds } from '../helpers/stores.js';
import { type ConfirmRig, getAlert, hasButton, postAlert, sleep, startRig, waitForStatus } from './helpers.js';

/** Longer than half of it is what the sender used to wait before giving the record up. */
const CLAIM_TTL_MS = 2000;
/** What the log may never say about a DM Slack accepted. */
const DENIALS = /could not be sent|not sent|not delivered|never confirmed|gave up|delivery failed/i;

/** Every connection the bot asks for fails, as when the database server goes away, until released. */
function databaseOutage(db: Knex): { start(): void; end(): void; started: Promise<void> } {
  const client = db.client as { acquireConnection(): Promise<unknown> };
  const real = client.acquireConnection.bind(client);
  let down = false;
  let began!: () => void;
  const started = new Promise<void>((r) => {
    began = r;
  });
  client.acquireConnection = () => {
    if (!down) return real();
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
    return Promise.reject(err);
  };
  return {
    start() {
      down = true;
      began();
    },
    end() {
      down = false;
    },
    started,
  };
}

function scenario(kind: StoreKind, how: 'answer' | 'time-out', policy: string) {
  kind.describe(`confirm: the database drops right after the question DM is posted (${how}, ${kind.kind})`, (t) => {
    const { it } = t;
    const log = capturedLines('info');
    let rig: ConfirmRig;
    t.before(async () => {
      rig = await startRig({
        duo: false,
        policy,
        store: await kind.create(),
        harness: {
          botOptions: { logger: log.logger, outbox: { pollMs: 50, backoffMs: 100, claimTtlMs: CLAIM_TTL_MS } },
        },
      });
    });
    t.after(async () => {
      await rig?.stop();
    });
    const h = () => rig.h;

    it('records the DM once the database is back, posts it once, and closes its buttons on escalation', async () => {
      const user = 'U0ALICE';
      const title = `Database drop ${how} ${Date.now()}.`;
      const outage = databaseOutage(h().bot.deps.db);
      let question: SlackMessage | null = null;
      // Emitted while Slack handles chat.postMessage, before the bot reads the answer.
      const onPost = (m: SlackMessage) => {
        if (question || m.channel !== h().sim.dmChannelFor(user) || !m.text.includes(title)) return;
        question = m;
        outage.start();
      };
      h().sim.on('message', onPost);
      try {
        const { status, json } = await postAlert(h(), {
          user,
          title,
          description: 'You were granted the admin role in the AWS console.',
          reason: 'role change',
        });
        assert.equal(status, 201);
        const id = Number(json.id);
        await outage.started;
        // Down past the sender's claim: an expired claim is what let the DM be posted again.
        await sleep(CLAIM_TTL_MS + 500);
        outage.end();

        const q = question as SlackMessage | null;
        assert.ok(q && hasButton(q, 'confirm_yes', String(id)));
        const until = Date.now() + 10_000;
        let sent: Record<string, unknown> | undefined;
        while (!sent && Date.now() < until) {
          sent = (await getAlert(h(), id)).history.find((e) => e.action === 'confirm.dm_sent');
          if (!sent) await sleep(50);
        }
        assert.ok(sent, 'the DM is recorded as sent once the database is back');
        assert.equal(sent.ts, q.ts);

        if (how === 'answer') h().sim.clickButton(user, q, 'confirm_no');
        await waitForStatus(h(), id, 'escalated', 15_000);
        const closed = await h().sim.waitForMessage(
          (m, kind) => kind === 'update' && m.channel === q.channel && m.ts === q.ts,
          { since: 0, timeoutMs: 5000 },
        );
        assert.ok(!hasButton(closed, 'confirm_yes') && !hasButton(closed, 'confirm_no'), 'the buttons are gone');
        await h().bot.deps.outbox.drained();

        const posts = h()
          .sim.messages(q.channel)
          .filter((m) => m.text.includes(title) && m.text.startsWith('Security check'));
        assert.equal(posts.length, 1, 'the DM is posted once');
        const alert = await getAlert(h(), id);
        assert.ok(!JSON.stringify(alert).match(DENIALS), `the alert never says the DM was not sent: ${alert.detail}`);
        const denials = log.lines.filter((l) => DENIALS.test(l));
        assert.deepEqual(denials, [], 'the log never says the DM was not sent');
        assert.ok(
          log.lines.some((l) => l.includes('recording it failed; retrying')),
          'the outage hit the record',
        );
      } finally {
        h().sim.off('message', onPost);
        outage.end();
      }
    });

    if (how !== 'answer') return;
    it('the `test` DM says its question was sent when Slack took it during the outage', async () => {
      const user = 'U0BOB';
      const dm = h().sim.dmChannelFor(user);
      const outage = databaseOutage(h().bot.deps.db);
      const onPost = (m: SlackMessage) => {
        if (m.channel === dm && hasButton(m, 'confirm_yes')) outage.start();
      };
      h().sim.on('message', onPost);
      try {
        const mark = h().sim.mark();
        h().sim.sendDm(user, 'test');
        await outage.started;
        // Shorter than the reply waits for the DM's record (5 s).
        await sleep(1500);
        outage.end();
        const reply = await h().sim.waitForMessage((m) => m.channel === dm && /test alert #\d+/.test(m.text), {
          since: mark,
          timeoutMs: 10_000,
        });
        assert.match(reply.text, /I've sent you test alert #\d+/);
        assert.deepEqual(
          log.lines.filter((l) => DENIALS.test(l) || /couldn't deliver/i.test(l)),
          [],
          'nothing says the DM was not sent',
        );
      } finally {
        h().sim.off('message', onPost);
        outage.end();
      }
    });
  });
}

for (const kind of storeKinds()) {
  scenario(kind, 'answer', '  timeout: 1h\n');
  scenario(kind, 'time-out', '  timeout: 8s\n');
}
