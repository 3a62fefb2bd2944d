/**
 * Thin senders over today's delivery paths (the Twilio adapter and the paced Slack sender).
 * Each sits behind a small interface (SeniorPager, OnCallAnnouncer, HandoffSender) so that
 * after the persistent outbox lands it is re-pointed by replacing these classes alone.
 */
import type { Logger } from 'winston';
import { maskNumber } from '../adapters/twilio/phone-numbers.js';
import type { OnCallHolder, OnCallPerson } from '../core/oncall/rotation.js';
import type { Clock, PhonePort } from '../core/ports.js';
import type { SlackOutbox } from '../slack/outbox.js';
import type { AckHow } from './ack-store.js';
import type { OnCallRecords } from './oncall-records.js';
import type { OnCallAnnouncer, SeniorPager } from './oncall-service.js';
import type { AlertSnapshot } from './sla-lookup.js';
import { handoffChannelText, handoffDmText, pageMessage, slackAckLine } from './wording.js';

/** Calls each senior now; the call is answerable like any page, and logged against the alert. */
export class PhoneSeniorPager implements SeniorPager {
  constructor(
    private readonly phone: PhonePort,
    private readonly records: OnCallRecords,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async callSeniors(alert: AlertSnapshot, seniors: OnCallPerson[]): Promise<void> {
    const say = `Escalated to you. ${pageMessage(alert)}`;
    await Promise.all(
      seniors.map(async (senior) => {
        const to = senior.phone!;
        try {
          const { sid } = await this.phone.call(to, say);
          await this.records.recordPage({ alertId: alert.alertId, phone: to, method: 'escalate', sid, at: this.now() });
        } catch (err) {
          this.logger.warn('could not call a senior', { alert: alert.alertId, to: maskNumber(to), err });
        }
      }),
    );
  }

  private now(): number {
    return this.clock.now().getTime();
  }
}

const HOW_TEXT: Record<AckHow, string> = { phone: 'by phone', sms: 'by SMS', slack: 'in Slack' };

/** Says in the notice's thread what people did (the alerts channel when there is no notice yet). */
export class SlackThreadAnnouncer implements OnCallAnnouncer {
  constructor(
    private readonly outbox: SlackOutbox,
    private readonly alertsChannel: string,
  ) {}

  async acknowledged(
    alert: AlertSnapshot,
    answer: Parameters<OnCallAnnouncer['acknowledged']>[1],
    byName: string,
  ): Promise<void> {
    await this.say(alert, slackAckLine(answer.ack, byName));
  }

  async escalated(alert: AlertSnapshot, byName: string, how: AckHow): Promise<void> {
    await this.say(alert, `:mega: ${byName} escalated ${HOW_TEXT[how]}: calling the seniors now.`);
  }

  private async say(alert: AlertSnapshot, text: string): Promise<void> {
    if (alert.noticeChannel && alert.noticeTs) {
      await this.outbox.post({ channel: alert.noticeChannel, thread_ts: alert.noticeTs, text });
    } else {
      await this.outbox.post({ channel: this.alertsChannel, text: `${text} (TheHive alert ${alert.alertId})` });
    }
  }
}

/** A handoff: one line in the alerts channel and a DM to the incoming person. */
export interface HandoffSender {
  announce(incoming: OnCallHolder, until: number | null): Promise<void>;
}

export class SlackHandoffSender implements HandoffSender {
  constructor(
    private readonly outbox: SlackOutbox,
    private readonly alertsChannel: string,
  ) {}

  async announce(incoming: OnCallHolder, until: number | null): Promise<void> {
    await this.outbox.post({ channel: this.alertsChannel, text: handoffChannelText(incoming, until) });
    const slack = incoming.kind === 'rotation' || incoming.kind === 'override' ? incoming.person.slack : null;
    if (slack) await this.outbox.post({ channel: await this.outbox.dmChannel(slack), text: handoffDmText(until) });
  }
}
