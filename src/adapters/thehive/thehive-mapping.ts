/**
 * TheHive v1 JSON → our types, validated at the boundary. Rows that do not fit are reported
 * (with the reason) rather than thrown, so one odd alert cannot stop the SLA monitor.
 */
import type { Severity, TicketAlert, TicketCase } from '../../core/ports.js';
import { boundObservables, DESCRIPTION_MAX_CHARS, excerpt, TITLE_MAX_CHARS } from '../../core/sla/fact-bounds.js';

/** An alert as listed, before its observables are attached. */
export interface ListedAlert {
  alert: Omit<TicketAlert, 'observables'>;
  /** null when TheHive did not say (fetch to find out). */
  observableCount: number | null;
  /** Changes whenever the alert (and so possibly its observables) changes. */
  version: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** TheHive 5 stages; the status of a 5 alert is free-form (custom statuses), the stage is not. */
const STAGE_STATES: Record<string, TicketAlert['state']> = {
  New: 'open',
  InProgress: 'open',
  Imported: 'imported',
  Closed: 'closed',
};
/** TheHive 4.1 statuses, which are all it has. */
const STATUS_STATES: Record<string, TicketAlert['state']> = {
  New: 'open',
  Updated: 'open',
  Imported: 'imported',
  Ignored: 'closed',
};

export function parseAlert(raw: unknown): Parsed<ListedAlert> {
  if (!isRecord(raw)) return fail('not an object');
  const { _id: id, title, description, severity, _createdAt: createdAt } = raw;
  if (typeof id !== 'string' || id === '') return fail('missing _id');
  if (typeof title !== 'string') return fail(`alert ${id}: missing title`);
  if (description !== undefined && typeof description !== 'string') return fail(`alert ${id}: description not text`);
  if (!isSeverity(severity)) return fail(`alert ${id}: severity ${JSON.stringify(severity)} is not 1-4`);
  if (typeof createdAt !== 'number' || !Number.isFinite(createdAt)) return fail(`alert ${id}: _createdAt not a number`);
  const caseId = linkedCaseId(raw);
  const state = alertState(raw, caseId);
  if (state === null) return fail(`alert ${id}: unknown stage/status ${String(raw.stage ?? raw.status)}`);
  const count = raw.observableCount;
  const updatedAt = typeof raw._updatedAt === 'number' ? raw._updatedAt : createdAt;
  const observableCount = typeof count === 'number' && count >= 0 ? count : null;
  return {
    ok: true,
    value: {
      // Bounded here so the poll holds no more of a huge alert than the store keeps.
      alert: {
        id,
        title: excerpt(title, TITLE_MAX_CHARS),
        description: excerpt(description ?? '', DESCRIPTION_MAX_CHARS),
        severity,
        createdAt,
        state,
        caseId,
      },
      observableCount,
      version: `${updatedAt}:${observableCount ?? '?'}`,
    },
  };
}

/**
 * `data` of each observable, bounded (see fact-bounds); file observables carry an attachment
 * instead and add nothing to match on.
 */
export function parseObservables(raw: unknown): Parsed<string[]> {
  if (!Array.isArray(raw)) return fail('observables answer is not a list');
  const data = raw.flatMap((item) => (isRecord(item) && typeof item.data === 'string' ? [item.data] : []));
  return { ok: true, value: boundObservables(data) };
}

export function parseCase(raw: unknown): Parsed<TicketCase> {
  if (!isRecord(raw)) return fail('case is not an object');
  const { _id: id, number } = raw;
  if (typeof id !== 'string' || id === '') return fail('case without _id');
  if (typeof number !== 'number' || !Number.isInteger(number)) return fail(`case ${id} without a number`);
  return { ok: true, value: { id, number } };
}

/** v1 names it `caseId`; the legacy API (and some 4.x answers) call it `case`. */
export function linkedCaseId(raw: Record<string, unknown>): string | null {
  for (const value of [raw.caseId, raw.case]) {
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
}

function alertState(raw: Record<string, unknown>, caseId: string | null): TicketAlert['state'] | null {
  if (caseId !== null) return 'imported';
  if (typeof raw.stage === 'string') return STAGE_STATES[raw.stage] ?? null;
  if (typeof raw.status === 'string') return STATUS_STATES[raw.status] ?? null;
  return null;
}

function isSeverity(value: unknown): value is Severity {
  return value === 1 || value === 2 || value === 3 || value === 4;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
