/** Block Kit limits: a max-size REST alert must still fit Slack's limits in every message we build. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answeredMessage, askMessage, escalationMessage } from '../../src/confirm/blocks.js';
import { LIMITS } from '../../src/confirm/intake-validation.js';
import type { ConfirmAlert } from '../../src/confirm/types.js';
import { blockKitErrors } from '../../src/sandbox/slack/index.js';

const T0 = 1_800_000_000_000;

/** Every field at its REST maximum, in characters that grow the most when escaped. */
function maxAlert(): ConfirmAlert {
  return {
    id: 123456789,
    dedupeKey: 'k'.repeat(LIMITS.dedupeKey),
    source: 'api',
    userRef: `${'x'.repeat(60)}@example.com`,
    userId: null,
    duoUsername: null,
    title: '&'.repeat(LIMITS.title),
    description: '<'.repeat(LIMITS.description),
    reason: '>'.repeat(LIMITS.reason),
    url: `https://example.com/${'a'.repeat(LIMITS.url - 20)}`,
    status: 'escalated',
    escalationReason: 'unknown_user',
    outcomeDetail: '&'.repeat(2000),
    deadline: T0 + 60_000,
    ruleId: null,
    dmChannel: null,
    dmTs: null,
    dmClaimedAt: null,
    escalationClaimedAt: null,
    escalationTs: null,
    comment: null,
    commentUntil: null,
    commentPostedAt: null,
    createdAt: T0,
    updatedAt: T0,
  };
}

describe('confirm blocks within Block Kit limits', () => {
  it('the simulator refuses what Slack refuses', () => {
    const text = (n: number) => ({ type: 'mrkdwn', text: 'x'.repeat(n) });
    assert.deepEqual(blockKitErrors([{ type: 'section', text: text(3000) }]), []);
    assert.equal(blockKitErrors([{ type: 'section', text: text(3001) }]).length, 1);
    assert.equal(blockKitErrors([{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }]).length, 1);
    const button = (extra: Record<string, unknown>) => ({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'ok' }, ...extra }],
    });
    assert.equal(blockKitErrors([button({ text: { type: 'plain_text', text: 'b'.repeat(76) } })]).length, 1);
    assert.equal(blockKitErrors([button({ value: 'v'.repeat(2001) })]).length, 1);
    assert.equal(blockKitErrors([button({ url: `https://e.com/${'u'.repeat(3000)}` })]).length, 1);
  });

  it('a max-size alert builds a valid question, answered question and escalation', () => {
    const alert = maxAlert();
    for (const [name, message] of [
      ['ask', askMessage(alert)],
      ['answered', answeredMessage(alert, 'Answered')],
      ['escalation', escalationMessage(alert)],
    ] as const) {
      assert.deepEqual(blockKitErrors(message.blocks), [], name);
      // Nothing the user sent is lost entirely: title, description and reason all appear.
      const all = JSON.stringify(message.blocks);
      for (const piece of ['&amp;&amp;', '&lt;&lt;', '&gt;&gt;']) assert.ok(all.includes(piece), `${name}: ${piece}`);
    }
  });
});
