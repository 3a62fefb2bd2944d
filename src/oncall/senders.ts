/**
 * The on-call loop's sends, as outbox rows (src/outbox/outbox.ts) written in the transaction of
 * the state change that needs them: an escalation's calls with its claim, a handoff's messages
 * with its claim, so each goes out exactly once across replicas and restarts.
 */
import type { Knex } from 'knex';
import type { OnCallHolder, OnCallPerson } from '../core/oncall/rotation.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Db } from '../store/db.js';
import type { AckHow } from './ack-store.js';
import type { OnCallRecords } from './oncall-records.js';
import type { OnCallAnnouncer, SeniorPager } from './oncall-service.js';
import type { AlertSnapshot } from './sla-lookup.js';
import { handoffChannelText, handoffDmText, pageMessage, slackAckLine } from './wording.js';

/** Outbox ref type of a page the on-call loop queues itself; `sent` records it so keypresses find the alert. */
export const ONCALL_PAGE_REF = 'oncall.page';

export function registerOnCallPageHandlers(outbox: Outbox, records: OnCallRecords, now: () => number): void {
  outbox.register(ONCALL_PAGE_REF, {
    sent: async (trx, alertId, result, row) => {
      await records.recordPage({ alertId, phone: row.lane, method: 'escalate', sid: result.id, at: now() }, trx);
    },
  });
}

/** Calls each senior now, queued with the escalation's claim; the call is answerable like any page. */
export class OutboxSeniorPager implements SeniorPager {
  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
  ) {}

  async callSeniors(
    alert: AlertSnapshot,
    seniors: OnCallPerson[],
    claim: (trx: Knex.Transaction) => Promise<boolean>,
  ): Promise<boolean> {
    const say = `Escalated to you. ${pageMessage(alert)}`;
    return this.db.transaction(async (trx) => {
      if (!(await claim(trx))) return false;
      for (const senior of seniors) {
        await this.outbox.enqueue(trx, {
          kind: 'call',
          key: `oncall:${alert.alertId}:escalate:t${alert.firedTier}:${senior.phone}`,
          to: senior.phone!,
          payload: { text: say },
          ref: `${ONCALL_PAGE_REF}:${alert.alertId}`,
        });
      }
      return true;
    });
  }
}

const HOW_TEXT: Record<AckHow, string> = { phone: 'by phone', sms: 'by SMS', slack: 'in Slack' };

/** The SLA notice's thread and the notice itself, as the SLA notifier offers them. */
export interface NoticeHooks {
  threadReply(alertId: string, text: string): Promise<void>;
  refreshNotice(alertId: string): Promise<void>;
}

/**
 * Says in the notice's thread what people did and refreshes the notice (who acknowledged, until
 * when); without the SLA feature, a line in the alerts channel. All through the outbox.
 */
export class OutboxThreadAnnouncer implements OnCallAnnouncer {
  private hooks: NoticeHooks | null = null;

  constructor(
    private readonly outbox: Outbox,
    private readonly alertsChannel: string,
  ) {}

  connect(hooks: NoticeHooks): void {
    this.hooks = hooks;
  }

  async acknowledged(
    alert: AlertSnapshot,
    answer: Parameters<OnCallAnnouncer['acknowledged']>[1],
    byName: string,
  ): Promise<void> {
    await this.say(alert, slackAckLine(answer.ack, byName));
    await this.hooks?.refreshNotice(alert.alertId);
  }

  async escalated(alert: AlertSnapshot, byName: string, how: AckHow): Promise<void> {
    await this.say(alert, `:mega: ${byName} escalated ${HOW_TEXT[how]}: calling the seniors now.`);
  }

  private async say(alert: AlertSnapshot, text: string): Promise<void> {
    if (this.hooks) return this.hooks.threadReply(alert.alertId, text);
    await this.outbox.send({
      kind: 'slack_post',
      key: `oncall:${alert.alertId}:say:${Date.now()}:${Math.random()}`,
      to: this.alertsChannel,
      payload: { text: `${text} (TheHive alert ${alert.alertId})` },
    });
  }
}

/** A handoff: one line in the alerts channel and a DM to the incoming person, queued with the claim. */
export interface HandoffSender {
  announce(trx: Knex.Transaction, handoffAt: number, incoming: OnCallHolder, until: number | null): Promise<void>;
}

export class OutboxHandoffSender implements HandoffSender {
  constructor(
    private readonly outbox: Outbox,
    private readonly alertsChannel: string,
  ) {}

  async announce(trx: Knex.Transaction, at: number, incoming: OnCallHolder, until: number | null): Promise<void> {
    await this.outbox.enqueue(trx, {
      kind: 'slack_post',
      key: `oncall:handoff:${at}:channel`,
      to: this.alertsChannel,
      payload: { text: handoffChannelText(incoming, until) },
    });
    const slack = incoming.kind === 'rotation' || incoming.kind === 'override' ? incoming.person.slack : null;
    if (slack) {
      await this.outbox.enqueue(trx, {
        kind: 'slack_post',
        key: `oncall:handoff:${at}:dm`,
        to: slack,
        payload: { text: handoffDmText(until) },
      });
    }
  }
}
