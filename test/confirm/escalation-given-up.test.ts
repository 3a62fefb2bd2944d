/**
 * Issue 9: a Slack outbox row is given up after a bounded number of attempts (12), loudly: one
 * `outbox.given_up` audit row, an error in the log, and the person told. Here Slack answers 500 to
 * every try of one escalation (500s use attempts; 429s and an unreachable Slack do not), with
 * back-off shortened so the 12 tries take well under a second.
 */
import assert from 'node:assert/strict';
import { registry } from '../../src/metrics/metrics.js';
import { listAudit } from '../../src/store/audit.js';
import { storeKinds } from '../helpers/stores.js';
import { sample } from '../metrics/prom-text.js';
import { capturingLogger } from '../sla/log-capture.js';
import { eventually } from '../sla/sla-helpers.js';
import { escalationsFor, getAlert, raise, useRig, waitForQuestion, waitForStatus } from './helpers.js';

const ATTEMPTS = 12;
const UNDELIVERED = /I couldn't reach the security team's channel; .*\(alert #(\d+)\)/;

for (const kind of storeKinds()) {
  kind.describe(`confirm: an escalation Slack keeps refusing is given up (${kind.kind})`, ({ it, before, after }) => {
    const log = capturingLogger();
    const rig = useRig(
      async () => ({
        store: await kind.create(),
        duo: false,
        harness: {
          botOptions: {
            logger: log.logger,
            outbox: { pollMs: 50, backoffMs: 10, maxBackoffMs: 40, claimTtlMs: 15_000, phoneIntervalMs: 0 },
          },
        },
      }),
      { before, after },
    );

    it(`after ${ATTEMPTS} refused tries: given up once, audited, logged, and the user told in their DM`, async () => {
      const { h } = rig;
      const id = await raise(h, 'U0ALICE');
      const question = await waitForQuestion(h, 'U0ALICE', id);
      const gaveUp = async () =>
        sample(await registry.metrics(), 'secops_outbox_given_up_total', { kind: 'slack_post' });
      const gaveUpBefore = await gaveUp();
      // The escalation is the only chat.postMessage while it is tried: its "told you" DM waits for it,
      // and taking the question's buttons away is a chat.update.
      h.sim.failNext('chat.postMessage', ATTEMPTS, { status: 500 });
      h.sim.clickButton('U0ALICE', question, 'confirm_no');
      assert.equal((await waitForStatus(h, id, 'escalated')).reason, 'denied');

      const dm = h.sim.dmChannelFor('U0ALICE');
      const notes = () => h.sim.messages(dm).filter((m) => UNDELIVERED.exec(m.text)?.[1] === String(id));
      await eventually(
        () => {
          assert.equal(
            escalationsFor(h, id).length,
            0,
            `the escalation got through: tried more than ${ATTEMPTS} times`,
          );
          return notes().length > 0;
        },
        15_000,
        'the "could not reach the security team" DM',
      );
      const db = h.bot.deps.db;
      // The outbox has nothing left for this alert: the give-up is final, not a pause.
      await eventually(async () => (await h.bot.deps.outbox.depth()) === 0, 8000, 'an empty outbox');

      assert.equal(escalationsFor(h, id).length, 0, 'Slack refused every try');
      assert.equal(notes().length, 1, 'told once');
      assert.ok(
        !h.sim.messages(dm).some((m) => m.text.startsWith("Thanks for telling me. I've let the security team know")),
        'the DM never claims the team was told',
      );
      // The answered question (its buttons taken away) says the same as the note, not "the security team was told".
      const closed = await eventually(
        () => h.sim.messages(dm).find((m) => m.ts === question.ts && /could not be reached/.test(m.text)),
        8000,
        'the answered question saying the team could not be reached',
      );
      assert.doesNotMatch(JSON.stringify(closed.blocks), /the security team was told/);
      assert.ok(!(closed.blocks ?? []).some((b) => b.type === 'actions'), 'no live buttons');

      const givenUp = await listAudit(db, `confirm.escalation:${id}`);
      assert.deepEqual(
        givenUp.map((a) => a.action),
        ['outbox.given_up'],
      );
      assert.equal(givenUp[0]!.actor, 'system');
      assert.equal(givenUp[0]!.details.attempts, ATTEMPTS);
      assert.equal(givenUp[0]!.details.kind, 'slack_post');
      assert.match(String(givenUp[0]!.details.error), /500/);
      const history = (await getAlert(h, id)).history.map((e) => e.action);
      assert.equal(history.filter((a) => a === 'confirm.escalation_failed').length, 1);
      assert.ok(!history.includes('confirm.escalation_posted'));

      const row = await db('outbox')
        .where({ idem_key: `confirm:${id}:escalation` })
        .first();
      assert.equal(row?.status, 'failed');
      assert.equal(Number(row?.attempts), ATTEMPTS);

      const errors = log.entries.filter((e) => e.level === 'error' && e.message === 'outbox: gave up on a message');
      assert.equal(errors.length, 1);
      assert.match(errors[0]!.json, new RegExp(`"attempts":${ATTEMPTS}\\b`));
      assert.equal(
        (await gaveUp()) - gaveUpBefore,
        1,
        'secops_outbox_given_up_total{kind="slack_post"} counted it once',
      );
    });
  });
}
