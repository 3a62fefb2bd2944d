/**
 * Sends what a fired tier claimed: the Slack notice (posted once, then updated with a thread
 * reply per later tier), SMS and calls. Each claimed row is attempted by exactly one replica;
 * Twilio hiccups are retried with backoff and a final failure is told in the alert's thread.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'winston';
import { maskNumber } from '../adapters/twilio/phone-numbers.js';
import { formatDuration } from '../core/duration.js';
import { escapeMrkdwn } from '../core/escape.js';
import type { Clock, PhonePort, TicketingPort } from '../core/ports.js';
import type { OnCall, SlaPolicy } from '../core/sla/policy.js';
import { tierSends } from '../metrics/metrics.js';
import type { SlackOutbox } from '../slack/outbox.js';
import { appendAudit } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { type NoticeView, noticeBlocks, noticeText, smsBody, spokenText } from './notice-blocks.js';
import type { NotificationKey, NotificationRow } from './notification-repository.js';
import {
  type PhoneOutcome,
  phoneFailureText,
  phoneSendName,
  type RetryPolicy,
  type SendFailure,
  sendWithRetry,
} from './phone-retry.js';
import type { SlaRepository } from './repository.js';
import type { TrackedAlert } from './tracked-alert-repository.js';

/** A notice claim older than this with no notice stored is taken to be from a holder that died. */
const NOTICE_CLAIM_STALE_MS = 60_000;
/** How long a caller that lost the notice claim waits for the winner to store it. */
const NOTICE_WAIT_MS = 15_000;
const NOTICE_WAIT_STEP_MS = 100;
const METHOD_ORDER = ['slack', 'sms', 'call', 'escalate'];

export interface SlaNotifierDeps {
  db: Db;
  repo: SlaRepository;
  outbox: SlackOutbox;
  ticketing: TicketingPort;
  phone: PhonePort | null;
  oncall: OnCall;
  policy: SlaPolicy;
  alertsChannel: string;
  clock: Clock;
  logger: Logger;
  retry: RetryPolicy;
}

type SendOutcome = { status: 'sent'; sid?: string } | SendFailure;

export class SlaNotifier {
  /** rows this process is sending right now: slow, not interrupted */
  private readonly sending = new Set<number>();

  constructor(private readonly d: SlaNotifierDeps) {}

  sendingIds(): number[] {
    return [...this.sending];
  }

  /** Who a method reaches. Phone methods reach nobody while Twilio is off (the thread says so instead). */
  recipients(method: string): string[] {
    if (method === 'slack') return [this.d.alertsChannel];
    if (!this.d.phone) return [];
    if (method === 'sms' || method === 'call') return this.d.oncall.primary;
    if (method === 'escalate') return this.d.oncall.seniors;
    return [];
  }

  keysFor(tier: number, methods: string[]): NotificationKey[] {
    return methods.flatMap((method) => this.recipients(method).map((recipient) => ({ tier, method, recipient })));
  }

  view(alert: TrackedAlert, now: number): NoticeView {
    return {
      alertId: alert.alertId,
      severity: alert.severity,
      title: alert.title,
      ageMs: now - alert.createdAt,
      tierLabel: alert.firedLabel ?? 'not yet breached',
      alertUrl: this.d.ticketing.alertUrl(alert.alertId),
      snoozeMs: this.d.policy.snoozeMs,
      snoozedUntil: alert.snoozedUntil !== null && alert.snoozedUntil > now ? alert.snoozedUntil : null,
      promoted:
        alert.state === 'promoted' && alert.caseId !== null && alert.caseNumber !== null
          ? {
              caseNumber: alert.caseNumber,
              caseUrl: this.d.ticketing.caseUrl({ id: alert.caseId, number: alert.caseNumber }),
              by: alert.promotedBy,
            }
          : null,
    };
  }

  /**
   * Sends every claimed, never-attempted notification of the alert (what this tier claimed, or what a
   * crashed replica claimed and never tried), and says in the thread what `methods` cannot send at all.
   */
  async deliver(alertId: string, methods: string[]): Promise<void> {
    await this.reportMissingPhone(alertId, methods);
    const pending = await this.d.repo.notifications.forAlert(alertId, ['pending']);
    pending.sort((a, b) => METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method));
    for (const n of pending) {
      const now = this.d.clock.now().getTime();
      if (!(await this.d.repo.notifications.startAttempt(n.id, now))) continue;
      this.sending.add(n.id);
      try {
        const alert = await this.d.repo.alerts.get(alertId);
        const why = !alert
          ? 'alert no longer tracked'
          : alert.state !== 'open'
            ? `alert ${alert.state}`
            : alert.snoozedUntil !== null && alert.snoozedUntil > now
              ? 'alert snoozed'
              : null;
        if (!alert || why !== null) {
          // Claimed before a responder acted (or TheHive closed it): their word wins.
          await this.d.repo.notifications.cancelAttempt(n.id, why ?? 'cancelled', now);
          continue;
        }
        await this.send(alert, n);
      } finally {
        this.sending.delete(n.id);
      }
    }
  }

  /** Replaces the notice (if there is one) with the alert's current state. */
  async refreshNotice(alert: TrackedAlert): Promise<void> {
    if (!alert.noticeChannel || !alert.noticeTs) return;
    const view = this.view(alert, this.d.clock.now().getTime());
    await this.d.outbox.update({
      channel: alert.noticeChannel,
      ts: alert.noticeTs,
      text: noticeText(view),
      blocks: noticeBlocks(view),
    });
  }

  /** A reply in the alert's thread, posting the notice first when no tier has posted it yet. */
  async threadReply(alertId: string, text: string): Promise<void> {
    const alert = await this.d.repo.alerts.get(alertId);
    if (!alert) return;
    const notice = await this.ensureNotice(alert);
    await this.d.outbox.post({ channel: notice.channel, thread_ts: notice.ts, text });
  }

  private async send(alert: TrackedAlert, n: NotificationRow): Promise<void> {
    const outcome: SendOutcome =
      n.method === 'slack' ? await this.sendSlack(alert, n.tier) : await this.sendPhone(alert, n);
    const now = this.d.clock.now().getTime();
    tierSends.inc({ method: n.method, result: outcome.status });
    if (outcome.status === 'sent') {
      await this.d.repo.notifications.finishAttempt(n.id, { status: 'sent', sid: outcome.sid }, now);
      await this.audit(alert.alertId, n, { status: 'sent', sid: outcome.sid });
      return;
    }
    const log = this.d.logger.child({ alert: alert.alertId, tier: n.tier, method: n.method });
    log.warn('SLA notification failed', { err: outcome.error, status: outcome.status });
    await this.d.repo.notifications.finishAttempt(
      n.id,
      { status: outcome.status, error: outcome.error.slice(0, 500) },
      now,
    );
    await this.audit(alert.alertId, n, { status: outcome.status, error: outcome.error });
    if (n.method === 'slack') return;
    await this.threadReply(alert.alertId, phoneFailureText(n, outcome)).catch((e: unknown) =>
      log.error('could not report a failed notification in Slack', { err: e }),
    );
  }

  /** The notice on the first Slack tier; later ones update it and say so in its thread. */
  private async sendSlack(alert: TrackedAlert, tier: number): Promise<SendOutcome> {
    try {
      if (!alert.noticeTs || !alert.noticeChannel) {
        await this.ensureNotice(alert);
        return { status: 'sent' };
      }
      await this.refreshNotice(alert);
      const label = alert.firedLabel ?? `tier ${tier + 1}`;
      const ageMs = this.d.clock.now().getTime() - alert.createdAt;
      await this.d.outbox.post({
        channel: alert.noticeChannel,
        thread_ts: alert.noticeTs,
        text: `:rotating_light: SLA breached again: ${label}; the alert is now ${formatDuration(ageMs)} old.`,
      });
      return { status: 'sent' };
    } catch (err) {
      return { status: 'failed', error: err instanceof Error ? err.message : String(err), tries: 1 };
    }
  }

  /**
   * The alert's notice, posted by exactly one caller: the others (a thread reply racing a tier,
   * another replica) wait for the winner to store it instead of posting a second one.
   */
  private async ensureNotice(alert: TrackedAlert): Promise<{ channel: string; ts: string }> {
    if (alert.noticeChannel && alert.noticeTs) return { channel: alert.noticeChannel, ts: alert.noticeTs };
    const waitUntil = Date.now() + NOTICE_WAIT_MS;
    for (;;) {
      const now = this.d.clock.now().getTime();
      if (await this.d.repo.notifications.claimNotice(alert.alertId, now, now - NOTICE_CLAIM_STALE_MS)) break;
      const current = await this.d.repo.alerts.get(alert.alertId);
      if (current?.noticeChannel && current.noticeTs) return { channel: current.noticeChannel, ts: current.noticeTs };
      if (Date.now() > waitUntil)
        throw new Error('the SLA notice is being posted by another sender that has not finished');
      await sleep(NOTICE_WAIT_STEP_MS);
    }
    const view = this.view(alert, this.d.clock.now().getTime());
    const posted = await this.d.outbox.post({
      channel: this.d.alertsChannel,
      text: noticeText(view),
      blocks: noticeBlocks(view),
    });
    await this.d.repo.notifications.setNotice(alert.alertId, posted.channel, posted.ts, this.d.clock.now().getTime());
    return posted;
  }

  private async sendPhone(alert: TrackedAlert, n: NotificationRow): Promise<PhoneOutcome> {
    const phone = this.d.phone;
    if (!phone) return { status: 'failed', error: 'Twilio is not configured', tries: 1 };
    const send = () => {
      const facts = {
        alertId: alert.alertId,
        severity: alert.severity,
        title: alert.title,
        ageMs: this.d.clock.now().getTime() - alert.createdAt,
      };
      if (n.method === 'sms') return phone.sendSms(n.recipient, smsBody(facts));
      return phone.call(n.recipient, spokenText(facts, alert.firedLabel ?? `tier ${n.tier + 1}`));
    };
    return sendWithRetry(send, this.d.retry, (attempt) =>
      this.d.repo.notifications.recordAttempts(n.id, attempt, this.d.clock.now().getTime()),
    );
  }

  /**
   * Twilio reported that a send it accepted never reached the person: said once in the thread,
   * however often Twilio repeats the callback.
   */
  async reportDeliveryFailure(n: NotificationRow, twilioStatus: string): Promise<void> {
    const key = { tier: n.tier, method: 'notice', recipient: `undelivered-${n.id}` };
    if (!(await this.d.repo.notifications.claimOnce(n.alertId, key, this.d.clock.now().getTime()))) return;
    await this.threadReply(
      n.alertId,
      `:warning: ${phoneSendName(n)} was not delivered: Twilio reports it ${escapeMrkdwn(twilioStatus, 32)}.`,
    );
  }

  /** Once per alert and method: an honest line instead of a silent no-op. */
  private async reportMissingPhone(alertId: string, methods: string[]): Promise<void> {
    const phoneMethods = methods.filter((m) => m !== 'slack');
    for (const method of phoneMethods) {
      let problem: string | null = null;
      if (!this.d.phone) problem = 'Twilio is not configured (TWILIO_* unset), so no SMS or call can be sent';
      else if (this.recipients(method).length === 0)
        problem = `no ${method === 'escalate' ? 'senior' : 'primary'} on-call number is configured (oncall in POLICY_FILE)`;
      if (problem === null) continue;
      const recipient = this.d.phone ? `no-${method}` : 'no-phone';
      const key = { tier: -1, method: 'notice', recipient };
      if (!(await this.d.repo.notifications.claimOnce(alertId, key, this.d.clock.now().getTime()))) continue;
      await this.threadReply(alertId, `:warning: ${method} notification not sent: ${problem}.`);
      await appendAudit(this.d.db, {
        at: this.d.clock.now(),
        actor: 'system',
        action: 'sla.not_notified',
        subject: `hive:${alertId}`,
        details: { method, problem },
      });
    }
  }

  private async audit(alertId: string, n: NotificationRow, details: Record<string, unknown>): Promise<void> {
    await appendAudit(this.d.db, {
      at: this.d.clock.now(),
      actor: 'system',
      action: details.status === 'sent' ? 'sla.notified' : 'sla.notify_failed',
      subject: `hive:${alertId}`,
      details: {
        tier: n.tier,
        method: n.method,
        recipient: n.method === 'slack' ? n.recipient : maskNumber(n.recipient),
        ...details,
      },
    });
  }
}
