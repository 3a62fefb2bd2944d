/**
 * What a fired tier sends, as outbox rows queued in the transaction that fires it: the alert's
 * one Slack notice (posted once, then updated in place; a newer tier replaces a notice still
 * queued instead of queueing behind it), a thread reply per later tier, and SMS and calls, each
 * on its own lane so a page never waits for Slack. Results come back through the handlers
 * registered here; a page given up is told in the alert's thread.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'winston';
import { maskNumber } from '../adapters/twilio/phone-numbers.js';
import { formatDuration } from '../core/duration.js';
import { escapeMrkdwn } from '../core/escape.js';
import type { PagePlan } from '../core/oncall/paging.js';
import { SMS_REPLY_HINT } from '../core/oncall/sms-reply.js';
import type { Clock, PhonePort, TicketingPort } from '../core/ports.js';
import type { OnCall, SlaPolicy } from '../core/sla/policy.js';
import { tierSends } from '../metrics/metrics.js';
import { slackResumedLine } from '../oncall/wording.js';
import type { Outbox } from '../outbox/outbox.js';
import type { OutboxMessage } from '../outbox/types.js';
import { appendAudit } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { type NoticeView, noticeBlocks, noticeText, smsBody, spokenText } from './notice-blocks.js';
import type { NotificationKey, NotificationRow } from './notification-repository.js';
import type { SlaOnCallLink } from './oncall-link.js';
import { phoneFailureText, phoneSendName } from './phone-failures.js';
import type { SlaRepository } from './repository.js';
import type { TrackedAlert } from './tracked-alert-repository.js';

export interface SlaNotifierDeps {
  db: Db;
  repo: SlaRepository;
  outbox: Outbox;
  ticketing: TicketingPort;
  phone: PhonePort | null;
  oncall: OnCall;
  policy: SlaPolicy;
  alertsChannel: string;
  clock: Clock;
  logger: Logger;
  /** on-call (src/oncall): who is paged when a tier fires, acknowledgements; absent: the fixed numbers */
  onCallLink?: SlaOnCallLink;
}

/** What a fire adds to its methods: who is on call now (planned before the claim) and whether an acknowledgement ran out. */
export interface FireExtras {
  tier: number;
  plan: PagePlan | null;
  resumed: boolean;
}

type Exec = Db | Knex.Transaction;

export const noticeKey = (alertId: string) => `sla:${alertId}:notice`;

export class SlaNotifier {
  constructor(private readonly d: SlaNotifierDeps) {
    this.registerHandlers();
    d.onCallLink?.connectNotice({
      threadReply: (alertId, text) => this.threadReply(alertId, text),
      refreshNotice: async (alertId) => {
        const alert = await this.d.repo.alerts.get(alertId);
        if (alert) await this.refreshNotice(alert);
      },
    });
  }

  /** The on-call feature, when wired: the tier firer and the close paths use it. */
  get onCall(): SlaOnCallLink | null {
    return this.d.onCallLink ?? null;
  }

  /** Who a method reaches. Phone methods reach nobody while Twilio is off (the thread says so instead). */
  recipients(method: string): string[] {
    if (method === 'slack') return [this.d.alertsChannel];
    if (!this.d.phone) return [];
    if (method === 'sms' || method === 'call') return this.d.oncall.primary;
    if (method === 'escalate') return this.d.oncall.seniors;
    return [];
  }

  /** With a page plan, the phone sends are whoever is on call now (an opted-out SMS is a call). */
  keysFor(tier: number, methods: string[], plan: PagePlan | null = null): NotificationKey[] {
    if (!plan) {
      return methods.flatMap((method) => this.recipients(method).map((recipient) => ({ tier, method, recipient })));
    }
    const keys: NotificationKey[] = methods.includes('slack')
      ? [{ tier, method: 'slack', recipient: this.d.alertsChannel }]
      : [];
    if (!this.d.phone) return keys;
    return [...keys, ...plan.phone.map((p) => ({ tier, method: p.method, recipient: p.to }))];
  }

  view(alert: TrackedAlert, now: number, acknowledged: string | null = null, paged: string[] = []): NoticeView {
    return {
      acknowledged,
      paged,
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
   * In the transaction that fired the tier (or that found rows an earlier version claimed and
   * never sent): one outbox row per pending notification, and a line in the thread for what
   * `methods` cannot send at all.
   */
  async queue(trx: Knex.Transaction, alertId: string, methods: string[], extras?: FireExtras): Promise<void> {
    const alert = await this.d.repo.alerts.get(alertId, trx);
    if (!alert) return;
    const now = this.now();
    if (extras?.resumed) {
      await this.threadReply(alertId, slackResumedLine(), trx, `sla:${alertId}:t${extras.tier}:resumed`);
    }
    const pending = (await trx('sla_notifications').where({ alert_id: alertId, status: 'pending' })) as Record<
      string,
      unknown
    >[];
    for (const r of pending) {
      const id = Number(r.id);
      const tier = Number(r.tier);
      const method = String(r.method);
      if (method === 'slack') await this.queueNotice(trx, alert, tier, id, now, await this.pagedOf(trx, alert, extras));
      else await this.d.outbox.enqueue(trx, this.pageRow(alert, id, method, String(r.recipient), tier, now));
      await trx('sla_notifications').where({ id }).update({ status: 'queued', updated_at: now });
    }
    await this.reportMissingPhone(trx, alert, methods, now, extras?.plan ?? null);
    if (extras?.plan?.mention && methods.some((m) => m !== 'escalate')) await this.queueDm(trx, alert, extras, now);
  }

  /** The paged person's own copy of the notice, buttons included (people mute busy channels). */
  private async queueDm(trx: Knex.Transaction, alert: TrackedAlert, extras: FireExtras, now: number): Promise<void> {
    const user = extras.plan!.mention!;
    const row = this.noticeRow(alert, now, [user]);
    await this.d.outbox.enqueue(trx, {
      kind: 'slack_post',
      key: `sla:${alert.alertId}:t${extras.tier}:dm:${user}`,
      to: user,
      payload: {
        text: `You are on call: ${(row.payload as { text: string }).text}`,
        blocks: (row.payload as { blocks: unknown[] }).blocks,
      },
    });
  }

  /** Replaces the notice with the alert's current state (promoted, snoozed). */
  async refreshNotice(alert: TrackedAlert): Promise<void> {
    const acked = await this.ackLineOf(alert);
    const key = noticeKey(alert.alertId);
    await this.d.db.transaction(async (trx) => {
      const view = this.view(alert, this.now(), acked, await this.pagedOf(trx, alert));
      const payload = { text: noticeText(view), blocks: noticeBlocks(view) };
      const notice = await this.d.outbox.repo.byKey(trx, key);
      if (!notice || ['failed', 'superseded', 'folded'].includes(notice.status)) return;
      if (await this.d.outbox.repo.replacePending(trx, key, payload)) return;
      await this.d.outbox.repo.supersedeUpdates(trx, key);
      await this.d.outbox.enqueue(trx, {
        kind: 'slack_update',
        key: `${key}:refresh:${randomUUID()}`,
        to: notice.lane,
        payload,
        after: { key, as: 'ts' },
      });
    });
  }

  /** A reply in the alert's thread, queueing the notice first when no tier has yet. */
  async threadReply(alertId: string, text: string, exec?: Knex.Transaction, key?: string): Promise<void> {
    const run = async (trx: Knex.Transaction) => {
      const alert = await this.d.repo.alerts.get(alertId, trx);
      if (!alert) return;
      await this.ensureNotice(trx, alert);
      await this.d.outbox.enqueue(trx, {
        kind: 'slack_post',
        key: key ?? `sla:${alertId}:reply:${randomUUID()}`,
        to: this.d.alertsChannel,
        payload: { text },
        after: { key: noticeKey(alertId), as: 'thread_ts' },
      });
    };
    if (exec) await run(exec);
    else await this.d.db.transaction(run);
  }

  /**
   * Twilio reported that a send it accepted never reached the person: said once in the thread,
   * however often Twilio repeats the callback.
   */
  async reportDeliveryFailure(n: NotificationRow, twilioStatus: string): Promise<void> {
    await this.threadReply(
      n.alertId,
      `:warning: ${phoneSendName(n)} was not delivered: Twilio reports it ${escapeMrkdwn(twilioStatus, 32)}.`,
      undefined,
      `sla:${n.alertId}:undelivered:${n.id}`,
    );
  }

  private async ensureNotice(trx: Knex.Transaction, alert: TrackedAlert): Promise<void> {
    await this.d.outbox.enqueue(trx, this.noticeRow(alert, this.now(), await this.pagedOf(trx, alert)));
  }

  /**
   * Who the notice mentions: the person this fire pages, else whoever an earlier tier paged.
   * The record of that is the DM each paged person got (one outbox row per tier and person,
   * keyed `sla:<alert>:t<tier>:dm:<user>`), so a refresh after a restart still names them.
   */
  private async pagedOf(trx: Knex.Transaction, alert: TrackedAlert, extras?: FireExtras): Promise<string[]> {
    if (extras?.plan?.mention) return [extras.plan.mention];
    if (!this.d.onCallLink) return [];
    const prefix = `sla:${alert.alertId}:t`.replace(/[!%_]/g, (c) => `!${c}`);
    const latest = (await trx('outbox')
      .where({ kind: 'slack_post' })
      .whereRaw("idem_key LIKE ? ESCAPE '!'", [`${prefix}%:dm:%`])
      .orderBy('id', 'desc')
      .first('lane')) as { lane: string } | undefined;
    return latest ? [latest.lane] : [];
  }

  private async ackLineOf(alert: TrackedAlert): Promise<string | null> {
    return alert.state === 'open' && this.d.onCallLink ? this.d.onCallLink.ackLine(alert.alertId) : null;
  }

  /**
   * Inside a transaction, so no acknowledgement line: a tier fires only when no acknowledgement
   * holds the alert, and reading one here would need a second connection (SQLite has one).
   */
  private noticeRow(alert: TrackedAlert, now: number, paged: string[]): OutboxMessage {
    const view = this.view(alert, now, null, paged);
    return {
      kind: 'slack_post',
      key: noticeKey(alert.alertId),
      to: this.d.alertsChannel,
      payload: { text: noticeText(view), blocks: noticeBlocks(view) },
      ref: `sla.notice:${alert.alertId}`,
      fold: 'sla_notice',
    };
  }

  /**
   * One notice per alert. Not posted yet: it now says this tier (a newer tier supersedes the
   * queued one). Posted or being posted: updated in place, and a line in its thread.
   */
  private async queueNotice(
    trx: Knex.Transaction,
    alert: TrackedAlert,
    tier: number,
    notificationId: number,
    now: number,
    paged: string[],
  ): Promise<void> {
    const row = this.noticeRow(alert, now, paged);
    if (await this.d.outbox.enqueue(trx, row)) return;
    if (await this.d.outbox.repo.replacePending(trx, row.key, row.payload)) return;
    const notice = await this.d.outbox.repo.byKey(trx, row.key);
    if (notice?.status === 'folded') {
      // Folded into a storm summary: its own notice again at this tier (folded again if the storm goes on).
      await trx('outbox')
        .where({ id: notice.id, status: 'folded' })
        .update({ status: 'pending', payload: JSON.stringify(row.payload), next_attempt_at: now });
      return;
    }
    if (!notice || notice.status === 'failed' || notice.status === 'superseded') return;
    await this.d.outbox.repo.supersedeUpdates(trx, row.key);
    await this.d.outbox.enqueue(trx, {
      kind: 'slack_update',
      key: `${row.key}:t${tier}`,
      to: notice.lane,
      payload: row.payload,
      after: { key: row.key, as: 'ts' },
    });
    const label = alert.firedLabel ?? `tier ${tier + 1}`;
    await this.d.outbox.enqueue(trx, {
      kind: 'slack_post',
      key: `sla:${alert.alertId}:t${tier}:again`,
      to: notice.lane,
      payload: {
        text: `:rotating_light: SLA breached again: ${label}; the alert is now ${formatDuration(now - alert.createdAt)} old.`,
      },
      ref: `sla.notification:${notificationId}`,
      after: { key: row.key, as: 'thread_ts' },
    });
  }

  private pageRow(
    alert: TrackedAlert,
    id: number,
    method: string,
    recipient: string,
    tier: number,
    now: number,
  ): OutboxMessage {
    const facts = {
      alertId: alert.alertId,
      severity: alert.severity,
      title: alert.title,
      ageMs: now - alert.createdAt,
    };
    const sms = method === 'sms';
    return {
      kind: sms ? 'sms' : 'call',
      key: `sla:${alert.alertId}:n${id}`,
      to: recipient,
      // Every page SMS says how to reply (ack / escalate), so the person can answer from the lock screen.
      payload: {
        text: sms ? `${smsBody(facts)}\n${SMS_REPLY_HINT}` : spokenText(facts, alert.firedLabel ?? `tier ${tier + 1}`),
      },
      ref: `sla.notification:${id}`,
      fold: 'page',
    };
  }

  /** Once per alert and method: an honest line instead of a silent no-op. */
  private async reportMissingPhone(
    trx: Knex.Transaction,
    alert: TrackedAlert,
    methods: string[],
    now: number,
    plan: PagePlan | null,
  ): Promise<void> {
    const reached = (method: string) =>
      plan
        ? plan.phone.filter((p) => p.method === method || (method === 'sms' && p.insteadOfSms)).length
        : this.recipients(method).length;
    for (const method of methods.filter((m) => m !== 'slack')) {
      let problem: string | null = null;
      if (!this.d.phone) problem = 'Twilio is not configured (TWILIO_* unset), so no SMS or call can be sent';
      else if (reached(method) === 0)
        problem = `no ${method === 'escalate' ? 'senior' : 'primary'} on-call number is configured (oncall in POLICY_FILE)`;
      if (problem === null) continue;
      const recipient = this.d.phone ? `no-${method}` : 'no-phone';
      const key = `sla:${alert.alertId}:missing:${recipient}`;
      if (await this.d.outbox.repo.byKey(trx, key)) continue;
      await this.threadReply(alert.alertId, `:warning: ${method} notification not sent: ${problem}.`, trx, key);
      await appendAudit(trx, {
        at: new Date(now),
        actor: 'system',
        action: 'sla.not_notified',
        subject: `hive:${alert.alertId}`,
        details: { method, problem },
      });
    }
  }

  private registerHandlers(): void {
    const outbox = this.d.outbox;
    outbox.register('sla.notice', {
      sent: async (trx, alertId, result) => {
        const now = this.now();
        await trx('sla_alerts')
          .where({ alert_id: alertId })
          .update({ notice_channel: result.channel, notice_ts: result.id, updated_at: now });
        const queued = await trx('sla_notifications').where({ alert_id: alertId, method: 'slack', status: 'queued' });
        for (const n of queued as Record<string, unknown>[]) {
          await this.finishNotification(trx, Number(n.id), 'sent', null, null, 1);
        }
      },
      unwanted: (alertId) => this.unwantedFor(alertId, 'slack'),
      gaveUp: async (trx, alertId, error) => {
        const queued = await trx('sla_notifications').where({ alert_id: alertId, method: 'slack', status: 'queued' });
        for (const n of queued as Record<string, unknown>[]) {
          await this.finishNotification(trx, Number(n.id), 'failed', null, error, 1);
        }
      },
    });
    outbox.register('sla.notification', {
      sent: async (trx, id, result, row) => {
        const sid = row.kind === 'slack_post' ? null : result.id;
        const n = await this.finishNotification(trx, Number(id), 'sent', sid, null, row.attempts);
        if (n && row.kind !== 'slack_post' && this.d.onCallLink) {
          // Logged with the send itself, so an SMS reply or a keypress finds this alert even after a restart.
          const method = row.kind === 'sms' ? 'sms' : n.method === 'escalate' ? 'escalate' : 'call';
          await this.d.onCallLink.recordPage(trx, { alertId: n.alertId, phone: row.lane, method, sid, at: this.now() });
        }
      },
      gaveUp: async (trx, id, error, row) => {
        if (row.kind === 'sms' && this.d.onCallLink && /\b21610\b/.test(error)) {
          await this.optedOut(trx, Number(id), row.lane);
          return;
        }
        const unknown = error.startsWith('timed out');
        const status = unknown ? 'unknown' : 'failed';
        const n = await this.finishNotification(trx, Number(id), status, null, error, row.attempts);
        if (!n || row.kind === 'slack_post') return;
        const text = phoneFailureText(n, { status: unknown ? 'unknown' : 'failed', error, tries: row.attempts });
        await this.threadReply(n.alertId, text, trx, `sla:${n.alertId}:failed:${n.id}`);
      },
      // A responder promoted or snoozed it, or TheHive closed it, after the tier fired: their word wins.
      unwanted: async (id, row) => {
        if (row.kind === 'slack_post') return null;
        const n = await this.d
          .db('sla_notifications')
          .where({ id: Number(id) })
          .first();
        if (!n) return 'notification no longer exists';
        return this.unwantedFor(String(n.alert_id), null, Number(id));
      },
    });
  }

  /**
   * Twilio 21610: the number texted STOP. Remembered (later tiers plan a call), the alerts channel
   * told once with the fix, and this page goes out as a call instead.
   */
  private async optedOut(trx: Knex.Transaction, id: number, phone: string): Promise<void> {
    const link = this.d.onCallLink!;
    const now = this.now();
    if (await link.markOptedOut(trx, phone, now)) {
      await this.d.outbox.enqueue(trx, {
        kind: 'slack_post',
        key: `oncall:optout:${phone}:${now}`,
        to: this.d.alertsChannel,
        payload: { text: link.optedOutNotice(phone) },
      });
    }
    const r = await trx('sla_notifications').where({ id }).first();
    const alert = r ? await this.d.repo.alerts.get(String(r.alert_id), trx) : null;
    if (!r || !alert) return;
    await this.d.outbox.enqueue(trx, {
      ...this.pageRow(alert, id, 'call', phone, Number(r.tier), now),
      key: `sla:${alert.alertId}:n${id}:call`,
    });
  }

  /** Why an alert's queued sends must not go out any more (and marks them cancelled), or null. */
  private async unwantedFor(alertId: string, method: 'slack' | null, id?: number): Promise<string | null> {
    const alert = await this.d.repo.alerts.get(alertId);
    const now = this.now();
    const why = !alert
      ? 'alert no longer tracked'
      : alert.state !== 'open'
        ? `alert ${alert.state}`
        : alert.snoozedUntil !== null && alert.snoozedUntil > now
          ? 'alert snoozed'
          : null;
    if (why === null) return null;
    const q = this.d.db('sla_notifications').where({ alert_id: alertId, status: 'queued' });
    if (method) q.where({ method });
    if (id !== undefined) q.where({ id });
    await q.update({ status: 'cancelled', error: why, updated_at: now });
    return why;
  }

  private async finishNotification(
    trx: Exec,
    id: number,
    status: 'sent' | 'failed' | 'unknown',
    sid: string | null,
    error: string | null,
    attempts: number,
  ): Promise<NotificationRow | null> {
    const now = this.now();
    await trx('sla_notifications')
      .where({ id })
      .update({ status, sid, attempts, error: error?.slice(0, 500) ?? null, updated_at: now });
    const r = await trx('sla_notifications').where({ id }).first();
    if (!r) return null;
    tierSends.inc({ method: String(r.method), result: status });
    const n: NotificationRow = {
      id,
      alertId: String(r.alert_id),
      tier: Number(r.tier),
      method: String(r.method),
      recipient: String(r.recipient),
      status,
      deliveryStatus: r.delivery_status ?? null,
      attempts,
      sid,
      error,
    };
    await appendAudit(trx as Db, {
      at: new Date(now),
      actor: 'system',
      action: status === 'sent' ? 'sla.notified' : 'sla.notify_failed',
      subject: `hive:${n.alertId}`,
      details: {
        tier: n.tier,
        method: n.method,
        recipient: n.method === 'slack' ? n.recipient : maskNumber(n.recipient),
        status,
        ...(sid ? { sid } : {}),
        ...(error ? { error } : {}),
      },
    });
    return n;
  }

  private now(): number {
    return this.d.clock.now().getTime();
  }
}
