/**
 * TicketingPort over TheHive's v1 API, for TheHive 4.1 and 5. Which of the two is on the other end
 * is learned from the first alert query (see isMissingStageProperty) and remembered.
 */
import type { Logger } from 'winston';
import type { TicketAlert, TicketCase, TicketingPort } from '../../core/ports.js';
import { SecOpsError } from '../../errors.js';
import { clip } from '../../log.js';
import { TheHiveHttp, theHiveMessage } from './thehive-http.js';
import {
  isRecord,
  type ListedAlert,
  linkedCaseId,
  parseAlert,
  parseCase,
  parseObservables,
} from './thehive-mapping.js';
import {
  alertObservablesQuery,
  isMissingStageProperty,
  openAlertsPageQuery,
  type TheHiveVariant,
} from './thehive-queries.js';

export interface TheHiveTicketingOptions {
  url: string;
  apiKey: string;
  organisation?: string;
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  pageSize?: number;
  logger: Logger;
}

/** Observables are one query per alert; a few at a time keeps a 10,000-alert poll short without flooding TheHive. */
const OBSERVABLE_FETCH_CONCURRENCY = 8;
/** 200 pages of 500 is ten times the largest backlog we have seen; past it something is looping. */
const MAX_PAGES = 200;

export class TheHiveTicketing implements TicketingPort {
  private readonly http: TheHiveHttp;
  private readonly baseUrl: string;
  private readonly pageSize: number;
  private readonly logger: Logger;
  /** Assume TheHive 5 until the server shows it is 4.1. */
  private variant: TheHiveVariant = 5;
  /** Observables by alert id, reused while the alert's version is unchanged so each poll re-fetches only what changed. */
  private readonly observableCache = new Map<string, { version: string; data: string[] }>();

  constructor(options: TheHiveTicketingOptions) {
    const { url, apiKey, pageSize = 500, timeoutMs = 10_000, retries = 3, backoffMs = 500 } = options;
    if (!/^https?:\/\/[^/]/.test(url)) throw new SecOpsError('config', 'THEHIVE_URL must be an http(s) URL');
    if (apiKey === '') throw new SecOpsError('config', 'THEHIVE_API_KEY is empty');
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new SecOpsError('config', 'TheHive page size must be >= 1');
    this.baseUrl = url.replace(/\/+$/, '');
    this.pageSize = pageSize;
    this.logger = options.logger;
    this.http = new TheHiveHttp({
      url: this.baseUrl,
      apiKey,
      organisation: options.organisation,
      timeoutMs,
      retries,
      backoffMs,
      logger: this.logger,
    });
  }

  async listOpenAlerts(): Promise<TicketAlert[]> {
    const listed = await this.listOpenRows();
    const alerts = await mapConcurrently(listed, OBSERVABLE_FETCH_CONCURRENCY, (row) => this.withObservables(row));
    const openIds = new Set(listed.map((row) => row.alert.id));
    for (const id of this.observableCache.keys()) if (!openIds.has(id)) this.observableCache.delete(id);
    return alerts.filter((alert): alert is TicketAlert => alert !== null);
  }

  async getAlert(id: string): Promise<TicketAlert | null> {
    const response = await this.http.request('GET', `/api/v1/alert/${encodeURIComponent(id)}`, { handles: [404] });
    if (response.status === 404) return null;
    const parsed = parseAlert(response.body);
    if (!parsed.ok) {
      throw new SecOpsError('bad_response', `TheHive sent an unusable alert ${clip(id, 80)}: ${clip(parsed.reason)}`);
    }
    return this.withObservables(parsed.value);
  }

  async promote(id: string): Promise<TicketCase> {
    const path = `/api/v1/alert/${encodeURIComponent(id)}/case`;
    const response = await this.http.request('POST', path, { body: {}, handles: [400] });
    if (response.status === 400) return this.existingCaseOf(id, theHiveMessage(response.body));
    const created = this.requireCase(response.body, `promoting alert ${clip(id, 80)}`);
    this.logger.info('Promoted TheHive alert to a case', {
      alertId: clip(id, 80),
      caseId: created.id,
      caseNumber: created.number,
    });
    return created;
  }

  alertUrl(id: string): string {
    return `${this.baseUrl}/alerts/${encodeURIComponent(id)}/details`;
  }

  caseUrl(c: TicketCase): string {
    return `${this.baseUrl}/cases/${encodeURIComponent(c.id)}/details`;
  }

  /**
   * Pages through the open alerts oldest first. An alert that leaves the open set between two
   * pages shifts the rest up by one and may be missed by this poll; the next poll sees it.
   * A page that brings no alert not already listed means TheHive (or a proxy) ignored the page
   * step: following it would ask for the same page forever, so the listing ends there.
   */
  private async listOpenRows(): Promise<ListedAlert[]> {
    const byId = new Map<string, ListedAlert>();
    const seen = new Set<string>();
    for (let page = 0; ; page++) {
      if (page >= MAX_PAGES) {
        this.logger.error('TheHive kept sending full pages; stopped listing', { pages: page, alerts: seen.size });
        break;
      }
      const from = page * this.pageSize;
      const rows = await this.queryOpenPage(from, from + this.pageSize);
      let fresh = 0;
      for (const raw of rows) {
        const rawId = isRecord(raw) && typeof raw._id === 'string' ? raw._id : null;
        if (rawId !== null) {
          if (seen.has(rawId)) continue;
          seen.add(rawId);
        }
        fresh++;
        const parsed = parseAlert(raw);
        if (!parsed.ok) {
          this.logger.warn('Skipping malformed TheHive alert', { reason: clip(parsed.reason) });
        } else if (parsed.value.alert.state === 'open') {
          byId.set(parsed.value.alert.id, parsed.value);
        }
      }
      if (rows.length < this.pageSize) break;
      if (rows.length > this.pageSize) {
        this.logger.warn('TheHive ignored the page bounds; treating the answer as complete', { rows: rows.length });
        break;
      }
      if (fresh === 0) {
        this.logger.warn('TheHive answered a page with alerts already listed; it ignores the page step', { from });
        break;
      }
    }
    return [...byId.values()];
  }

  private async queryOpenPage(from: number, to: number): Promise<unknown[]> {
    const response = await this.http.request('POST', '/api/v1/query?name=alerts', {
      body: openAlertsPageQuery(this.variant, from, to),
      handles: [400],
    });
    if (response.status === 400) {
      const message = theHiveMessage(response.body);
      if (this.variant === 5 && isMissingStageProperty(message)) {
        this.variant = 4;
        this.logger.info('TheHive alerts have no stage; using TheHive 4.1 statuses to find open alerts');
        return this.queryOpenPage(from, to);
      }
      throw new SecOpsError('invalid_input', `TheHive refused the open-alerts query: ${message}`);
    }
    if (!Array.isArray(response.body)) {
      throw new SecOpsError('bad_response', 'TheHive answered the open-alerts query with something other than a list');
    }
    return response.body;
  }

  /** null when the alert disappeared between listing it and asking for its observables. */
  private async withObservables(listed: ListedAlert): Promise<TicketAlert | null> {
    const { alert, observableCount, version } = listed;
    if (observableCount === 0) return { ...alert, observables: [] };
    const cached = this.observableCache.get(alert.id);
    if (cached?.version === version) return { ...alert, observables: cached.data };

    const response = await this.http.request('POST', '/api/v1/query?name=alert-observables', {
      body: alertObservablesQuery(alert.id),
      handles: [404],
    });
    if (response.status === 404) return null;
    const parsed = parseObservables(response.body);
    if (!parsed.ok) {
      this.logger.warn('Ignoring unusable observables of TheHive alert', {
        alertId: clip(alert.id, 80),
        reason: clip(parsed.reason),
      });
      return { ...alert, observables: [] };
    }
    this.observableCache.set(alert.id, { version, data: parsed.value });
    return { ...alert, observables: parsed.value };
  }

  /** TheHive refuses to import an alert twice; when that is the reason, the case it already has is the answer. */
  private async existingCaseOf(alertId: string, refusal: string): Promise<TicketCase> {
    const response = await this.http.request('GET', `/api/v1/alert/${encodeURIComponent(alertId)}`);
    const caseId = isRecord(response.body) ? linkedCaseId(response.body) : null;
    if (caseId === null) {
      throw new SecOpsError('invalid_input', `TheHive refused to promote alert ${clip(alertId, 80)}: ${refusal}`);
    }
    const caseResponse = await this.http.request('GET', `/api/v1/case/${encodeURIComponent(caseId)}`);
    const existing = this.requireCase(caseResponse.body, `reading case ${caseId}`);
    this.logger.info('TheHive alert was already a case', { alertId, caseId: existing.id, caseNumber: existing.number });
    return existing;
  }

  private requireCase(body: unknown, doing: string): TicketCase {
    const parsed = parseCase(body);
    if (!parsed.ok)
      throw new SecOpsError('bad_response', `TheHive sent an unusable case when ${doing}: ${parsed.reason}`);
    return parsed.value;
  }
}

async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
