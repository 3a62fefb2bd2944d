/**
 * What the confirmation flow sends, as outbox rows: the question DM, the security channel's
 * escalation, the user's "the team knows" DM, the explanation in the escalation's thread and the
 * question's buttons taken away. Rows are queued in the transaction of the status change that
 * needs them (see transitions.ts), so a crash can never leave a change without its message; the
 * outbox delivers each at least once. Results come back through the handlers registered here.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { EscalationReason } from '../core/confirm/state-machine.js';
import type { Outbox } from '../outbox/outbox.js';
import type { OutboxMessage } from '../outbox/types.js';
import { appendAudit } from '../store/audit.js';
import { answeredMessage, askMessage, commentReply, escalationMessage } from './blocks.js';
import { COMMENT_WINDOW_MS, type ConfirmContext } from './context.js';
import { toAlert } from './repository.js';
import { alertSubject, type ConfirmAlert } from './types.js';

const TOLD_USER: Record<EscalationReason, string | null> = {
  denied:
    "Thanks for telling me. I've let the security team know, and they will look into it. " +
    `If you want to add anything (what you saw, what might have happened), just reply here in the next ${COMMENT_WINDOW_MS / 60_000} minutes and I'll pass it on.`,
  '2fa_failed': "I couldn't verify with Duo that it was you, so I've let the security team know.",
  '2fa_unavailable':
    "Thanks. I couldn't check it with Duo right now, so I've told the security team you said yes but it is unverified.",
  no_response: "I didn't get an answer in time, so I've let the security team know.",
  unknown_user: null,
};

const OUTCOME: Record<EscalationReason, string> = {
  denied: ':x: You said this was not you; the security team was told',
  '2fa_failed': ':x: The Duo check failed; the security team was told',
  '2fa_unavailable': ':warning: Answered yes, unverified; the security team was told',
  no_response: ':hourglass: No answer in time; the security team was told',
  unknown_user: 'Escalated',
};

const UNDELIVERED_OUTCOME = ":warning: The security team's channel could not be reached; please contact them directly";

/**
 * Outbox priority of an escalation and its thread reply: what a person did ("No", a yes Duo
 * could not verify) or what looks like a compromise (a failed Duo check) goes before a backlog
 * of time-outs and unknown users in the channel (issue 16: a burst of 2,922 alerts held a "No"
 * back for more than 150 s).
 */
const PRIORITY: Record<EscalationReason, number> = {
  denied: 1,
  '2fa_failed': 1,
  '2fa_unavailable': 1,
  no_response: 0,
  unknown_user: 0,
};

/** A `test` alert someone typed for themselves never goes before real escalations. */
const priorityOf = (alert: ConfirmAlert): number =>
  alert.source === 'test' ? 0 : PRIORITY[alert.escalationReason ?? 'denied'];

export const keys = {
  dm: (id: number) => `confirm:${id}:dm`,
  escalation: (id: number) => `confirm:${id}:escalation`,
  told: (id: number) => `confirm:${id}:told`,
  comment: (id: number) => `confirm:${id}:comment`,
  close: (id: number, outcome: string) =>
    `confirm:${id}:close:${createHash('sha256').update(outcome).digest('hex').slice(0, 12)}`,
};

/** The one question DM of an asked alert. */
export function askRow(alert: ConfirmAlert, dmChannel: string): OutboxMessage {
  return {
    kind: 'slack_post',
    key: keys.dm(alert.id),
    to: dmChannel,
    payload: askMessage(alert),
    ref: `confirm.dm:${alert.id}`,
  };
}

/** The channel post of an escalated alert, then (only after it) the user's note and the closed question. */
export function escalationRows(ctx: ConfirmContext, alert: ConfirmAlert): OutboxMessage[] {
  const reason = alert.escalationReason ?? 'denied';
  const rows: OutboxMessage[] = [
    {
      kind: 'slack_post',
      key: keys.escalation(alert.id),
      to: ctx.escalationChannel,
      payload: escalationMessage(alert),
      ref: `confirm.escalation:${alert.id}`,
      priority: priorityOf(alert),
    },
  ];
  if (alert.userId && alert.dmChannel) {
    const told = TOLD_USER[reason];
    if (told) {
      rows.push({
        kind: 'slack_post',
        key: keys.told(alert.id),
        to: alert.dmChannel,
        payload: { text: `${told} (alert #${alert.id})` },
        after: { key: keys.escalation(alert.id), as: 'order' },
      });
    }
    rows.push(closeRow(alert, OUTCOME[reason]));
  }
  return rows;
}

/** The explanation as a reply in the escalation's thread, whenever that is posted. */
export function commentRow(ctx: ConfirmContext, alert: ConfirmAlert, comment: string): OutboxMessage {
  return {
    kind: 'slack_post',
    key: keys.comment(alert.id),
    to: ctx.escalationChannel,
    payload: { text: commentReply(alert.userId!, comment) },
    ref: `confirm.comment:${alert.id}`,
    after: { key: keys.escalation(alert.id), as: 'thread_ts' },
    // The explanation is posted right after its escalation, not behind the backlog it overtook.
    priority: priorityOf(alert),
  };
}

/** For attachComment: queues the explanation with the comment, in its transaction. */
export const queueComment =
  (ctx: ConfirmContext, alert: ConfirmAlert, comment: string) =>
  async (trx: Knex.Transaction): Promise<void> => {
    await ctx.outbox.enqueue(trx, commentRow(ctx, alert, comment));
  };

function closeRow(alert: ConfirmAlert, outcome: string): OutboxMessage {
  return {
    kind: 'slack_update',
    key: keys.close(alert.id, outcome),
    to: alert.dmChannel!,
    payload: answeredMessage(alert, outcome),
    after: { key: keys.dm(alert.id), as: 'ts' },
  };
}

/** Replaces the buttons of the original question with what happened, so nobody clicks a stale one. */
export async function closeAsk(ctx: ConfirmContext, alert: ConfirmAlert, outcome: string): Promise<void> {
  if (!alert.dmChannel) return;
  try {
    await ctx.outbox.send(closeRow(alert, outcome));
  } catch (err) {
    ctx.logger.warn('confirm: could not queue the question update', { alert: alert.id, err });
  }
}

/** A DM nothing depends on (a thank-you, a "got it"): queued, not awaited. */
export async function say(ctx: ConfirmContext, channel: string, text: string): Promise<void> {
  try {
    await ctx.outbox.send({ kind: 'slack_post', key: `confirm:note:${randomUUID()}`, to: channel, payload: { text } });
  } catch (err) {
    ctx.logger.warn('confirm: could not queue a DM', { channel, err });
  }
}

const audit = (trx: Knex.Transaction, id: string, action: string, details: Record<string, unknown>, now: Date) =>
  appendAudit(trx, {
    at: now,
    actor: 'system',
    action: `confirm.${action}`,
    subject: alertSubject(Number(id)),
    details,
  });

/** What each delivered or abandoned confirmation message records on its alert. */
export function registerConfirmOutbox(outbox: Outbox, ctx: Pick<ConfirmContext, 'clock' | 'escalationChannel'>): void {
  outbox.register('confirm.dm', {
    async sent(trx, id, result) {
      await trx('confirm_alerts').where({ id }).update({ dm_ts: result.id, dm_channel: result.channel });
      await audit(trx, id, 'dm_sent', { channel: result.channel, ts: result.id }, ctx.clock.now());
    },
    async gaveUp(trx, id, error) {
      // The deadline escalates it as no_response, saying the DM was never delivered.
      await audit(trx, id, 'dm_failed', { error }, ctx.clock.now());
    },
  });
  outbox.register('confirm.escalation', {
    async sent(trx, id, result) {
      await trx('confirm_alerts').where({ id }).update({ escalation_ts: result.id });
      const row = await trx('confirm_alerts').where({ id }).first('escalation_reason');
      await audit(
        trx,
        id,
        'escalation_posted',
        { channel: result.channel, ts: result.id, reason: row?.escalation_reason ?? null },
        ctx.clock.now(),
      );
    },
    async gaveUp(trx, id, error, row) {
      await audit(trx, id, 'escalation_failed', { error }, ctx.clock.now());
      const stored = await trx('confirm_alerts').where({ id }).first();
      if (!stored?.dm_channel) return;
      await outbox.enqueue(trx, {
        kind: 'slack_post',
        key: `${row.key}:undelivered`,
        to: String(stored.dm_channel),
        payload: {
          text: `I couldn't reach the security team's channel; if it is urgent, please contact the security team directly (alert #${id}).`,
        },
      });
      // The answered question already says "the security team was told" (its update only waits for the
      // question itself); it must not go on saying so. Queued after that update, so it comes after it in the lane.
      await outbox.enqueue(trx, closeRow(toAlert(stored), UNDELIVERED_OUTCOME));
    },
  });
  outbox.register('confirm.comment', {
    async sent(trx, id, result) {
      await audit(trx, id, 'comment_posted', { ts: result.id }, ctx.clock.now());
    },
    async gaveUp(trx, id, error) {
      await audit(trx, id, 'comment_failed', { error }, ctx.clock.now());
    },
  });
}
