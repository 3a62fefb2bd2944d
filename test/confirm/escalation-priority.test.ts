/**
 * Which confirmation escalations go before a channel's backlog (issue 16): what a person did or
 * what looks like a compromise is urgent; time-outs, unknown users and `test` alerts are not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfirmContext } from '../../src/confirm/context.js';
import { commentRow, escalationRows } from '../../src/confirm/escalation.js';
import type { ConfirmAlert } from '../../src/confirm/types.js';
import type { EscalationReason } from '../../src/core/confirm/state-machine.js';

const ctx = { escalationChannel: 'C0ESCAL' } as ConfirmContext;

function alert(reason: EscalationReason, source: ConfirmAlert['source'] = 'api'): ConfirmAlert {
  return {
    id: 7,
    dedupeKey: 'k',
    source,
    userRef: 'U0ALICE',
    userId: 'U0ALICE',
    duoUsername: null,
    title: 'Admin grant',
    description: 'd',
    reason: 'r',
    url: null,
    status: 'escalated',
    escalationReason: reason,
    outcomeDetail: null,
    deadline: 1,
    ruleId: null,
    dmChannel: 'D0ALICE',
    dmTs: '1.1',
    dmClaimedAt: null,
    escalationClaimedAt: null,
    escalationTs: null,
    comment: null,
    commentUntil: null,
    commentPostedAt: null,
    createdAt: 1,
    updatedAt: 1,
  };
}

const channelPriority = (a: ConfirmAlert) => escalationRows(ctx, a).find((r) => r.to === 'C0ESCAL')?.priority ?? 0;

describe('confirm: escalation priority in the channel', () => {
  it('a "No" and Duo failures are urgent, with their thread reply', () => {
    for (const reason of ['denied', '2fa_failed', '2fa_unavailable'] as const) {
      assert.equal(channelPriority(alert(reason)), 1, reason);
      assert.equal(commentRow(ctx, alert(reason), 'why').priority, 1, reason);
    }
  });

  it('time-outs, unknown users and test alerts are routine', () => {
    assert.equal(channelPriority(alert('no_response')), 0);
    assert.equal(channelPriority(alert('unknown_user')), 0);
    assert.equal(channelPriority(alert('denied', 'test')), 0);
  });
});
