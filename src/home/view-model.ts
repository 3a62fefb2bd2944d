/**
 * What a Home tab shows, as plain values: the reader (src/home/home-reader.ts) fills these from the
 * database and the pure builders turn them into Block Kit. Every string here may be untrusted.
 */
import type { ConfirmStatus, EscalationReason } from '../core/confirm/state-machine.js';
import type { Severity } from '../core/ports.js';

export interface HomeAlert {
  id: number;
  title: string;
  reason: string | null;
  status: ConfirmStatus;
  escalationReason: EscalationReason | null;
  outcomeDetail: string | null;
  /** ms */
  createdAt: number;
}

export interface HomeIgnoreRule {
  id: number;
  title: string;
  /** ms */
  expiresAt: number;
}

export interface EmployeeHome {
  userId: string;
  /** newest first; the builder puts the pending ones on top */
  alerts: HomeAlert[];
  /** how many alerts the person has in all (alerts may be a recent slice) */
  totalAlerts: number;
  rules: HomeIgnoreRule[];
  /** a transient line for the person, e.g. the answer to a click made on this Home */
  notice?: string | null;
}

export interface Acknowledgement {
  by: string;
  /** ms */
  at: number;
  /** ms: escalation paused until then; null when the ack has no end */
  until: number | null;
}

export interface HomeTrackedAlert {
  alertId: string;
  severity: Severity;
  title: string;
  /** ms */
  createdAt: number;
  /** index of the last tier fired, -1 when none */
  firedTier: number;
  tiersTotal: number;
  /** ms; null when nothing more is due */
  nextDue: number | null;
  snoozedUntil: number | null;
  /** undefined when acknowledgements are not available; null when not acknowledged */
  ack?: Acknowledgement | null;
}

export interface OnCallSlot {
  /** a Slack user id (shown as a mention) or an already masked label such as a phone number */
  who: string[];
  /** ms; null when open-ended */
  until: number | null;
}

export interface OnCallNow {
  now: OnCallSlot;
  next: OnCallSlot | null;
}

export interface DigestFigures {
  /** ms */
  generatedAt: number;
  health: number | null;
  p0: number | null;
  failures: string[];
}

export interface RecentEscalation {
  /** ms */
  at: number;
  kind: 'confirm' | 'sla';
  /** `confirm:42` → 42, `hive:~1` → ~1 */
  ref: string;
  /** for a confirmation: the person it was about (responders see escalations anyway) */
  userId?: string;
  /** why, and what: the reason and title, or the tier label */
  detail: string;
}

export interface ResponderExtras {
  /** ordered by next tier due (the reader's job; the builder keeps the order) */
  tracked: HomeTrackedAlert[];
  totalTracked: number;
  /** false while TheHive is not configured */
  hiveConfigured: boolean;
  ackAvailable: boolean;
  snoozeMs: number;
  oncall: OnCallNow | null;
  digest: DigestFigures | null;
  escalations: RecentEscalation[];
  escalationCounts: { confirm: number; sla: number };
}
