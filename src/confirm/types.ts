import type { ConfirmStatus, EscalationReason } from '../core/confirm/state-machine.js';

export type AlertSource = 'api' | 'test' | 'internal';

/** What a detector (REST API, the `test` DM, later other sources) hands to intake. */
export interface IntakeInput {
  /** Slack user ID (U…/W…) or an email */
  user: string;
  title: string;
  description: string;
  reason?: string | null;
  url?: string | null;
  dedupeKey?: string | null;
  source?: AlertSource;
}

export interface IntakeResult {
  id: number;
  status: ConfirmStatus;
  /** false when the dedupe_key matched an existing alert (no second DM) */
  created: boolean;
}

/** One confirmation alert as stored; the repository maps rows to this in one place. */
export interface ConfirmAlert {
  id: number;
  dedupeKey: string | null;
  source: AlertSource;
  userRef: string;
  userId: string | null;
  duoUsername: string | null;
  title: string;
  description: string;
  reason: string | null;
  url: string | null;
  status: ConfirmStatus;
  escalationReason: EscalationReason | null;
  outcomeDetail: string | null;
  /** ms since epoch */
  deadline: number | null;
  ruleId: number | null;
  dmChannel: string | null;
  dmTs: string | null;
  dmClaimedAt: number | null;
  escalationClaimedAt: number | null;
  escalationTs: string | null;
  comment: string | null;
  commentUntil: number | null;
  commentPostedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export const alertSubject = (id: number) => `confirm:${id}`;
