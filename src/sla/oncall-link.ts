/**
 * What the SLA tiers need from the on-call feature (src/oncall): acknowledgements and quiet
 * hours for the evaluation, who a tier pages when it fires, the page log that SMS replies and
 * keypresses look alerts up in, and opted-out numbers. The on-call feature builds it
 * (`OnCallFeature.link`); without it the tiers page the policy's fixed numbers.
 */
import type { Knex } from 'knex';
import type { PagePlan } from '../core/oncall/paging.js';
import type { SlaHumanInputs } from '../core/sla/evaluate.js';
import type { NotifyMethod } from '../core/sla/policy.js';

export interface PagedRecord {
  alertId: string;
  phone: string;
  method: 'sms' | 'call' | 'escalate';
  sid: string | null;
  at: number;
}

export interface SlaOnCallLink {
  slaInputs(alertId: string): Promise<SlaHumanInputs>;
  planPage(methods: readonly NotifyMethod[]): Promise<PagePlan>;
  /** the notice's "acknowledged by …, until …" line, or null */
  ackLine(alertId: string): Promise<string | null>;
  endAck(alertId: string, reason: 'promoted' | 'closed'): Promise<void>;
  recordPage(trx: Knex.Transaction, page: PagedRecord): Promise<void>;
  /** true when this call first recorded that the number cannot receive SMS */
  markOptedOut(trx: Knex.Transaction, phone: string, now: number): Promise<boolean>;
  /** the one alerts-channel line naming the person and the fix */
  optedOutNotice(phone: string): string;
  /** the on-call announcements then go to the notice's thread and refresh the notice */
  connectNotice(hooks: {
    threadReply(alertId: string, text: string): Promise<void>;
    refreshNotice(alertId: string): Promise<void>;
  }): void;
}
