/**
 * The simulator's data: alerts, cases and observables kept as the JSON objects TheHive's v1 API
 * serves, in the shape of the configured version. TheHive 5 alerts carry `stage` (New, InProgress,
 * Imported, Closed) beside a free-form `status`; TheHive 4.1 alerts have only `status`
 * (New, Updated, Ignored, Imported) derived from `read` and the case link.
 */
import type { EntityType, Row } from './thehive-query-engine.js';

export type TheHiveVariant = 4 | 5;

export interface NewAlertInput {
  title: string;
  description: string;
  severity: number;
  /** ms since epoch; defaults to now */
  createdAt?: number;
  /** plain strings become `other` observables */
  observables?: Array<string | { dataType: string; data: string }>;
  tags?: string[];
  type?: string;
  source?: string;
  sourceRef?: string;
}

const SEVERITY_LABELS: Record<number, string> = { 1: 'LOW', 2: 'MEDIUM', 3: 'HIGH', 4: 'CRITICAL' };
const TLP_LABELS: Record<number, string> = { 0: 'CLEAR', 1: 'GREEN', 2: 'AMBER', 3: 'RED', 4: 'RED' };
const CREATED_BY = 'secops-sim@thehive.local';

/** The properties a query may filter and sort on; anything else is refused, as TheHive does. */
const RECORD_META_PROPS = ['_id', '_type', '_createdBy', '_updatedBy', '_createdAt', '_updatedAt'];
const ALERT_AND_CASE_PROPS = ['title', 'description', 'severity', 'tags', 'tlp', 'pap', 'status', 'customFields'];
const ALERT_PROPS = [
  ...RECORD_META_PROPS,
  ...ALERT_AND_CASE_PROPS,
  'type',
  'source',
  'sourceRef',
  'externalLink',
  'date',
  'follow',
  'caseTemplate',
  'observableCount',
  'caseId',
];
const CASE_PROPS = [
  ...RECORD_META_PROPS,
  ...ALERT_AND_CASE_PROPS,
  'number',
  'startDate',
  'endDate',
  'flag',
  'assignee',
];
const OBSERVABLE_PROPS = [
  '_id',
  '_type',
  '_createdBy',
  '_createdAt',
  'dataType',
  'data',
  'tlp',
  'ioc',
  'sighted',
  'tags',
];
/** TheHive 5 adds these to alerts and cases alike. */
const V5_PROPS = ['stage', 'severityLabel', 'tlpLabel', 'papLabel', 'assignee'];

export function entityProperties(variant: TheHiveVariant): Record<EntityType, ReadonlySet<string>> {
  if (variant === 4) {
    return {
      Alert: new Set([...ALERT_PROPS, 'read']),
      Case: new Set([...CASE_PROPS, 'owner']),
      Observable: new Set(OBSERVABLE_PROPS),
    };
  }
  return {
    // importedAlert() sets importedDate when an alert is promoted.
    Alert: new Set([...ALERT_PROPS, ...V5_PROPS, 'importedDate']),
    Case: new Set([...CASE_PROPS, ...V5_PROPS]),
    Observable: new Set(OBSERVABLE_PROPS),
  };
}

export function buildAlert(variant: TheHiveVariant, id: string, input: NewAlertInput, now: number): Row {
  const createdAt = input.createdAt ?? now;
  const alert: Row = {
    _id: id,
    _type: 'Alert',
    _createdBy: CREATED_BY,
    _createdAt: createdAt,
    type: input.type ?? 'external',
    source: input.source ?? 'secops-sim',
    sourceRef: input.sourceRef ?? `ref-${id.slice(1)}`,
    title: input.title,
    description: input.description,
    severity: input.severity,
    date: createdAt,
    tags: input.tags ?? [],
    tlp: 2,
    pap: 2,
    follow: true,
    customFields: [],
    observableCount: input.observables?.length ?? 0,
    status: 'New',
  };
  if (variant === 4) return { ...alert, read: false };
  return {
    ...alert,
    severityLabel: SEVERITY_LABELS[input.severity] ?? 'MEDIUM',
    tlpLabel: TLP_LABELS[2],
    papLabel: TLP_LABELS[2],
    stage: 'New',
    extraData: {},
    newDate: createdAt,
    timeToDetect: 0,
  };
}

export function buildObservable(id: string, spec: string | { dataType: string; data: string }, now: number): Row {
  const { dataType, data } = typeof spec === 'string' ? { dataType: 'other', data: spec } : spec;
  return {
    _id: id,
    _type: 'Observable',
    _createdBy: CREATED_BY,
    _createdAt: now,
    dataType,
    data,
    startDate: now,
    tlp: 2,
    pap: 2,
    tags: [],
    ioc: false,
    sighted: false,
    reports: {},
    extraData: {},
  };
}

export function buildCase(variant: TheHiveVariant, id: string, caseNumber: number, alert: Row, now: number): Row {
  const base: Row = {
    _id: id,
    _type: 'Case',
    _createdBy: CREATED_BY,
    _createdAt: now,
    number: caseNumber,
    title: alert.title,
    description: alert.description,
    severity: alert.severity,
    startDate: now,
    tags: alert.tags,
    flag: false,
    tlp: alert.tlp,
    pap: alert.pap,
    customFields: [],
  };
  if (variant === 4) return { ...base, status: 'Open', owner: CREATED_BY, stats: {}, permissions: [] };
  return {
    ...base,
    severityLabel: alert.severityLabel,
    tlpLabel: alert.tlpLabel,
    papLabel: alert.papLabel,
    status: 'New',
    stage: 'New',
    assignee: CREATED_BY,
    userPermissions: [],
    extraData: {},
    newDate: now,
    timeToDetect: 0,
  };
}

/** What promoting does to the alert: it is linked to the case and leaves the open states. */
export function importedAlert(variant: TheHiveVariant, alert: Row, caseId: string, now: number): Row {
  const updated = { ...alert, caseId, status: 'Imported', _updatedBy: CREATED_BY, _updatedAt: now };
  return variant === 4 ? { ...updated, read: true } : { ...updated, stage: 'Imported', importedDate: now };
}

export function closedAlert(variant: TheHiveVariant, alert: Row, now: number): Row {
  const updated = { ...alert, status: 'Ignored', _updatedBy: CREATED_BY, _updatedAt: now };
  return variant === 4 ? { ...updated, read: true } : { ...updated, stage: 'Closed', closedDate: now };
}
