import type { Logger } from 'winston';
import type { MetricsPort } from '../../core/ports.js';
import { SecOpsError } from '../../errors.js';
import { NanitorHttp } from './nanitor-http.js';
import { issueCountFailure, parseHealthScore, readIssueCountHint, readPageItems } from './nanitor-parse.js';

export interface NanitorMetricsOptions {
  /** e.g. `https://acme.nanitor.net/system_api` */
  baseUrl: string;
  apiToken: string;
  timeoutMs?: number;
  /** Extra attempts after the first, for 5xx, 429, network errors, time-outs and unparsable JSON. */
  retries?: number;
  /** First retry waits this long; each further retry doubles it. */
  backoffMs?: number;
  logger: Logger;
}

/** Nanitor documents `per_page` up to 200; larger values are not promised to work. */
const PER_PAGE = 200;
/** 100 pages of 200 is far beyond any real P0 backlog; past it something is looping. */
const MAX_PAGES = 100;

/** Reads the daily digest's two numbers from Nanitor's system API. */
export class NanitorMetrics implements MetricsPort {
  private readonly http: NanitorHttp;
  private readonly logger: Logger;

  constructor(options: NanitorMetricsOptions) {
    const { baseUrl, apiToken, timeoutMs = 10_000, retries = 2, backoffMs = 300, logger } = options;
    if (!/^https?:\/\/[^/]+/.test(baseUrl)) {
      throw new SecOpsError(
        'config',
        'NANITOR_BASE_URL must be an http(s) URL such as https://x.nanitor.net/system_api',
      );
    }
    if (apiToken.trim() === '') throw new SecOpsError('config', 'NANITOR_API_TOKEN is empty');
    if (!(timeoutMs > 0) || !Number.isInteger(retries) || retries < 0 || !(backoffMs >= 0)) {
      throw new SecOpsError('config', 'Nanitor timeoutMs must be > 0, retries a whole number >= 0, backoffMs >= 0');
    }
    this.logger = logger.child({ component: 'nanitor' });
    this.http = new NanitorHttp({ baseUrl, apiToken, timeoutMs, retries, backoffMs, logger: this.logger });
  }

  async healthScore(): Promise<number> {
    const body = await this.http.getJson('dashboards/health_scores?date_type=day&date_value=1', 'health_scores');
    return parseHealthScore(body);
  }

  async p0Count(): Promise<number> {
    const first = await this.http.getJson('issues?priority=P0', 'issues');
    const hint = readIssueCountHint(first);
    switch (hint.kind) {
      case 'total':
        return hint.total;
      case 'complete':
        return hint.count;
      case 'unknown':
        throw issueCountFailure(hint.problem);
      case 'paged':
        this.logger.info('Nanitor issues response has no total; counting P0 items page by page');
        return this.countAcrossPages();
    }
  }

  /**
   * Walks every page with an explicit per_page, since the first answer's page size
   * was the server's default. Trusts `pages` when the server gives it; otherwise
   * stops at the first empty page, which also works if the server ignores per_page.
   */
  private async countAcrossPages(): Promise<number> {
    let count = 0;
    for (let page = 1; page <= MAX_PAGES; page++) {
      const body = await this.http.getJson(`issues?priority=P0&page=${page}&per_page=${PER_PAGE}`, 'issues');
      const items = readPageItems(body, page);
      count += items.length;
      const pages = (body as { pages?: unknown }).pages;
      const lastPage = typeof pages === 'number' && Number.isInteger(pages) ? page >= pages : items.length === 0;
      if (lastPage) return count;
    }
    throw issueCountFailure(`no total, and more than ${MAX_PAGES} pages of P0 items to count`);
  }
}
