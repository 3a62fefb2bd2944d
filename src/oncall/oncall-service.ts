/**
 * The on-call loop's decisions with their side effects: acknowledge, escalate now, who is on
 * call, and what the SLA evaluation needs to know. Every entry point (keypad, SMS, Slack)
 * calls these, so the rules and the audit trail are the same whichever way a person answers.
 */
import type { Knex } from 'knex';
import type { Logger } from 'winston';
import { maskNumber } from '../adapters/twilio/phone-numbers.js';
import type { BusinessHours } from '../core/confirm/policy.js';
import { type PagePlan, planPage } from '../core/oncall/paging.js';
import {
  type OnCallNow,
  type OnCallPerson,
  type OnCallPolicy,
  onCallAt,
  resolveSeniors,
} from '../core/oncall/rotation.js';
import type { Clock } from '../core/ports.js';
import type { SlaHumanInputs } from '../core/sla/evaluate.js';
import { DEFAULT_ACK_TIMEOUT_MS, type NotifyMethod, type SlaPolicy } from '../core/sla/policy.js';
import { type AckHow, type AckStore, isActive } from './ack-store.js';
import type { OnCallRecords } from './oncall-records.js';
import type { OverrideStore } from './override-store.js';
import type { AlertSnapshot, SlaLookup } from './sla-lookup.js';
import { type AckAnswer, type EscalateAnswer, slackAckLine } from './wording.js';

/** Calls the seniors at once ("2" on the keypad, ESC by SMS). */
export interface SeniorPager {
  /** Queues the calls in the transaction of `claim`; false (nothing queued) when the claim is lost. */
  callSeniors(
    alert: AlertSnapshot,
    seniors: OnCallPerson[],
    claim: (trx: Knex.Transaction) => Promise<boolean>,
  ): Promise<boolean>;
}

/** Tells the channel (and, after the outbox merge, updates the notice) what people did. */
export interface OnCallAnnouncer {
  acknowledged(alert: AlertSnapshot, answer: Extract<AckAnswer, { kind: 'acked' }>, byName: string): Promise<void>;
  escalated(alert: AlertSnapshot, byName: string, how: AckHow): Promise<void>;
}

export interface OnCallServiceDeps {
  policy: OnCallPolicy;
  sla: SlaPolicy;
  /** confirm.business_hours, for quiet-hours severities */
  businessHours: BusinessHours | null;
  acks: AckStore;
  overrides: OverrideStore;
  records: OnCallRecords;
  lookup: SlaLookup;
  /** null while Twilio is not configured */
  pager: SeniorPager | null;
  announcer: OnCallAnnouncer;
  clock: Clock;
  logger: Logger;
}

/** A person acting: a Slack user, or a phone number (named when it belongs to someone in oncall.people). */
export type Actor = { slack: string } | { phone: string };

export class OnCallService {
  /** Slack announcements in flight: a webhook answers Twilio without waiting for Slack */
  private readonly announcing = new Set<Promise<void>>();

  constructor(private readonly d: OnCallServiceDeps) {}

  /** Resolves when every announcement started so far has been sent or has failed (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.announcing.size > 0) await Promise.allSettled([...this.announcing]);
  }

  private announce(what: string, alertId: string, send: () => Promise<void>): void {
    const p = send()
      .catch((err: unknown) => {
        this.d.logger.warn(`could not announce an ${what}`, { alert: alertId, err });
      })
      .finally(() => this.announcing.delete(p));
    this.announcing.add(p);
  }

  get ackTimeoutMs(): number {
    return this.d.sla.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
  }

  /** The zone people read times in: the rotation's, else UTC. */
  get tz(): string {
    return this.d.policy.rotation?.tz ?? 'UTC';
  }

  /** How an actor is named in messages and the audit log; a bare number is masked. */
  nameOf(actor: Actor): string {
    if ('slack' in actor) return `<@${actor.slack}>`;
    for (const [name, p] of Object.entries(this.d.policy.people)) if (p.phone === actor.phone) return name;
    return maskNumber(actor.phone);
  }

  private auditId(actor: Actor): string {
    return 'slack' in actor ? actor.slack : this.nameOf(actor);
  }

  async acknowledge(alertId: string, actor: Actor, how: AckHow): Promise<AckAnswer> {
    const alert = await this.d.lookup.alert(alertId);
    if (!alert) return { kind: 'not_found' };
    if (alert.state !== 'open') return { kind: 'not_open', state: alert.state };
    const now = this.d.clock.now().getTime();
    const outcome = await this.d.acks.acknowledge(
      { alertId, by: this.auditId(actor), how, at: now, until: now + this.ackTimeoutMs, tierAtAck: alert.firedTier },
      now,
    );
    if (!outcome.ok) {
      const by = outcome.ack.by;
      return {
        kind: 'already',
        ack: outcome.ack,
        title: alert.title,
        byName: /^[UW][A-Z0-9]+$/.test(by) ? `<@${by}>` : by,
      };
    }
    const answer = { kind: 'acked' as const, ack: outcome.ack, title: alert.title };
    this.announce('acknowledgement', alertId, () => this.d.announcer.acknowledged(alert, answer, this.nameOf(actor)));
    return answer;
  }

  /** Calls the seniors now, once per alert and tier however many people ask. */
  async escalate(alertId: string, actor: Actor, how: AckHow): Promise<EscalateAnswer> {
    const alert = await this.d.lookup.alert(alertId);
    if (!alert) return { kind: 'not_found' };
    if (alert.state !== 'open') return { kind: 'not_open' };
    const seniors = resolveSeniors(this.d.policy).filter((p) => p.phone !== null);
    if (seniors.length === 0 || this.d.pager === null) return { kind: 'no_seniors' };
    const now = this.d.clock.now().getTime();
    const claim = (trx: Knex.Transaction) =>
      this.d.records.claimEscalation(alertId, alert.firedTier, this.auditId(actor), how, now, trx);
    if (!(await this.d.pager.callSeniors(alert, seniors, claim))) return { kind: 'already' };
    this.announce('escalation', alertId, () => this.d.announcer.escalated(alert, this.nameOf(actor), how));
    return { kind: 'escalated', seniors: seniors.length };
  }

  /** Who a tier firing now reaches: the on-call holder (rotation, override or primary) and the seniors. */
  async planPage(methods: readonly NotifyMethod[]): Promise<PagePlan> {
    const now = await this.onCallNow();
    return planPage(methods, now.holder, resolveSeniors(this.d.policy), await this.d.records.optedOutNumbers());
  }

  async onCallNow(): Promise<OnCallNow> {
    const now = this.d.clock.now().getTime();
    return onCallAt(this.d.policy, await this.d.overrides.current(now), now);
  }

  /** What evaluateSla needs for this alert now (pass as its `human` argument). */
  async slaInputs(alertId: string): Promise<SlaHumanInputs> {
    const ack = await this.d.acks.get(alertId);
    const live = ack !== null && ack.endedAt === null ? { until: ack.until, tierAtAck: ack.tierAtAck } : null;
    return { ack: live, businessHours: this.d.businessHours };
  }

  /** The notice's line for a live acknowledgement (who, how, until when), or null. */
  async ackLine(alertId: string): Promise<string | null> {
    const ack = await this.d.acks.get(alertId);
    if (!isActive(ack, this.d.clock.now().getTime())) return null;
    return slackAckLine(ack, /^[UW][A-Z0-9]+$/.test(ack.by) ? `<@${ack.by}>` : ack.by);
  }

  /** Promote or close: the acknowledgement ends (audited by the store). */
  async endAck(alertId: string, reason: 'promoted' | 'closed'): Promise<void> {
    await this.d.acks.end(alertId, reason, this.d.clock.now().getTime());
  }

  /** True while someone's acknowledgement holds the alert. */
  async isAcknowledged(alertId: string): Promise<boolean> {
    return isActive(await this.d.acks.get(alertId), this.d.clock.now().getTime());
  }
}
