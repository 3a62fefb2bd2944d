/**
 * Sends a page plan (src/core/oncall/paging.ts) over today's delivery paths: SMS and calls with
 * the Twilio adapter, the DM with the notice's buttons with the paced Slack sender. Every page
 * is logged against the alert (so SMS replies and keypresses find it), every SMS ends with how
 * to reply, and a number Twilio refuses with 21610 is called instead and reported once.
 * After the persistent outbox lands, the notifier calls `page` (or the outbox's senders take
 * over these three sends) — the plan itself does not change.
 */
import type { Logger } from 'winston';
import { maskNumber } from '../adapters/twilio/phone-numbers.js';
import { isUnsubscribedRecipient } from '../adapters/twilio/twilio-errors.js';
import { optedOutNotice, type PagePlan, type PhonePage } from '../core/oncall/paging.js';
import { SMS_REPLY_HINT } from '../core/oncall/sms-reply.js';
import type { Clock, PhonePort } from '../core/ports.js';
import type { SlackOutbox } from '../slack/outbox.js';
import type { OnCallRecords } from './oncall-records.js';

export interface PageContent {
  alertId: string;
  /** the page SMS without the reply hint (e.g. the SLA's smsBody) */
  sms: string;
  /** what the call says (the adapter wraps it in the keypad Gather) */
  say: string;
  /** the notice, for the DM: same text and buttons */
  notice: { text: string; blocks: unknown[] } | null;
}

export type PageResult = { page: PhonePage; ok: true; sid: string } | { page: PhonePage; ok: false; error: string };

export class RotationPager {
  constructor(
    private readonly d: {
      phone: PhonePort | null;
      outbox: SlackOutbox;
      records: OnCallRecords;
      alertsChannel: string;
      /** how a number is named in the channel (a person's name, else masked) */
      nameOf: (phone: string) => string;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  async page(plan: PagePlan, content: PageContent): Promise<PageResult[]> {
    const results: PageResult[] = [];
    for (const page of plan.phone) results.push(await this.sendPhone(page, content));
    if (plan.mention && content.notice) {
      try {
        const channel = await this.d.outbox.dmChannel(plan.mention);
        await this.d.outbox.post({ channel, text: content.notice.text, blocks: content.notice.blocks as never });
      } catch (err) {
        this.d.logger.warn('could not DM the paged person', { alert: content.alertId, user: plan.mention, err });
      }
    }
    return results;
  }

  private async sendPhone(page: PhonePage, content: PageContent): Promise<PageResult> {
    const phone = this.d.phone;
    if (!phone) return { page, ok: false, error: 'Twilio is not configured' };
    try {
      const sent =
        page.method === 'sms'
          ? await phone.sendSms(page.to, `${content.sms}\n${SMS_REPLY_HINT}`)
          : await phone.call(page.to, content.say);
      await this.d.records.recordPage({
        alertId: content.alertId,
        phone: page.to,
        method: page.method,
        sid: sent.sid,
        at: this.d.clock.now().getTime(),
      });
      return { page, ok: true, sid: sent.sid };
    } catch (err) {
      if (page.method === 'sms' && isUnsubscribedRecipient(err)) return this.optedOut(page, content);
      const error = err instanceof Error ? err.message : String(err);
      this.d.logger.warn('page failed', {
        alert: content.alertId,
        to: maskNumber(page.to),
        method: page.method,
        error,
      });
      return { page, ok: false, error };
    }
  }

  /** 21610 (a STOP we did not see, e.g. sent before the webhook was set): remember it, tell once, call instead. */
  private async optedOut(page: PhonePage, content: PageContent): Promise<PageResult> {
    if (await this.d.records.markOptedOut(page.to, this.d.clock.now().getTime())) await this.reportOptOut(page.to);
    return this.sendPhone({ method: 'call', to: page.to, insteadOfSms: true }, content);
  }

  async reportOptOut(phone: string): Promise<void> {
    await this.d.outbox
      .post({ channel: this.d.alertsChannel, text: optedOutNotice(this.d.nameOf(phone)) })
      .catch((err: unknown) => this.d.logger.warn('could not report an opted-out number', { err }));
  }
}
