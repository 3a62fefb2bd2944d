import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listen } from '../sim-http.js';

/**
 * A local stand-in for Nanitor's system API, speaking the shapes our client
 * expects from the real one: Bearer auth, list responses `{page, pages, total,
 * items[]}`, `page`/`per_page` (max 200) paging. Faults can be injected per
 * route so the real client's retries and error messages are exercised.
 */

export type NanitorRoute = 'health' | 'p0';
/**
 * 500: HTTP 500 with a JSON error. timeout: never answers (until stop()).
 * malformed: 200 with a truncated JSON body. empty: 200 with nothing usable —
 * health gets a list with no items, p0 gets `{}` (neither total nor items).
 */
export type NanitorFaultKind = '500' | 'timeout' | 'malformed' | 'empty';

export interface NanitorSimulatorOptions {
  apiToken: string;
  /** Served as-is as `values.overall`: 0.93 or 93 (a percentage) both occur. Default 0.97. */
  health?: number;
  /** Number of open P0 issues. Default 0. */
  p0?: number;
  /** Whether `/issues` reports `total`; false makes clients count items across pages. Default true. */
  includeTotal?: boolean;
}

export interface NanitorSimulatorState {
  health: number;
  p0: number;
  includeTotal: boolean;
  faults: { route: NanitorRoute; kind: NanitorFaultKind; remaining: number }[];
  /** Requests that passed auth, per route, including faulted ones (each one also emits 'change'). */
  requests: Record<NanitorRoute, number>;
}

/** What to answer; `raw` is for bodies that are deliberately not valid JSON. */
type Reply = { status: number; json: unknown } | { status: number; raw: string };

interface HealthReading {
  at: Date;
  overall: number;
}

/** Keeps the day's readings short; the client only ever reads the last one. */
const MAX_READINGS = 24;
const DEFAULT_PER_PAGE = 50;
const MAX_PER_PAGE = 200;

export class NanitorSimulator extends EventEmitter<{ change: [NanitorSimulatorState] }> {
  private readonly readings: HealthReading[];
  private p0: number;
  private includeTotal: boolean;
  private readonly faults = new Map<NanitorRoute, { kind: NanitorFaultKind; remaining: number }>();
  private readonly requests: Record<NanitorRoute, number> = { health: 0, p0: 0 };

  private constructor(
    readonly baseUrl: string,
    private readonly server: Server,
    private readonly apiToken: string,
    options: NanitorSimulatorOptions,
  ) {
    super();
    this.readings = [{ at: new Date(), overall: options.health ?? 0.97 }];
    this.p0 = options.p0 ?? 0;
    this.includeTotal = options.includeTotal ?? true;
  }

  static async start(options: NanitorSimulatorOptions): Promise<NanitorSimulator> {
    let simulator: NanitorSimulator | undefined;
    const server = createServer((req, res) => simulator?.handle(req, res));
    const port = await listen(server);
    simulator = new NanitorSimulator(`http://127.0.0.1:${port}/system_api`, server, options.apiToken, options);
    return simulator;
  }

  /** A new health value is a new reading of the day, appended after the earlier ones. */
  set(values: { health?: number; p0?: number; includeTotal?: boolean }): void {
    if (values.health !== undefined) {
      this.readings.push({ at: new Date(), overall: values.health });
      if (this.readings.length > MAX_READINGS) this.readings.shift();
    }
    if (values.p0 !== undefined) this.p0 = Math.max(0, Math.floor(values.p0));
    if (values.includeTotal !== undefined) this.includeTotal = values.includeTotal;
    this.changed();
  }

  fail(route: NanitorRoute, kind: NanitorFaultKind, times = Number.POSITIVE_INFINITY): void {
    this.faults.set(route, { kind, remaining: times });
    this.changed();
  }

  clearFaults(): void {
    this.faults.clear();
    this.changed();
  }

  state(): NanitorSimulatorState {
    return {
      health: this.readings[this.readings.length - 1]!.overall,
      p0: this.p0,
      includeTotal: this.includeTotal,
      faults: [...this.faults].map(([route, fault]) => ({ route, ...fault })),
      requests: { ...this.requests },
    };
  }

  /** Also drops connections held open by the timeout fault, so the process can exit. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private changed(): void {
    this.emit('change', this.state());
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const reply = this.reply(req);
    if (reply === null) return; // the timeout fault: hold the request open; stop() drops it
    const payload = 'raw' in reply ? reply.raw : JSON.stringify(reply.json);
    res.writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
    res.end(payload);
  }

  private reply(req: IncomingMessage): Reply | null {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = routeOf(url.pathname);
    if (route === null) return { status: 404, json: { error: 'not_found', detail: `No route for ${url.pathname}` } };
    if (req.method !== 'GET') return { status: 405, json: { error: 'method_not_allowed', detail: 'Use GET' } };
    if (req.headers.authorization !== `Bearer ${this.apiToken}`) {
      return { status: 401, json: { error: 'unauthorized', detail: 'Invalid or missing API token' } };
    }
    this.requests[route] += 1;
    const fault = this.takeFault(route);
    this.changed();
    switch (fault) {
      case 'timeout':
        return null;
      case '500':
        return { status: 500, json: { error: 'internal_error', detail: 'Simulated server error' } };
      case 'malformed':
        return { status: 200, raw: '{"page": 1, "items": [{"values": {"overall"' };
      case 'empty':
        return { status: 200, json: route === 'health' ? { page: 1, pages: 1, total: 0, items: [] } : {} };
      default:
        return route === 'health' ? this.healthScores(url) : this.issues(url);
    }
  }

  private takeFault(route: NanitorRoute): NanitorFaultKind | null {
    const fault = this.faults.get(route);
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.delete(route);
    return fault.kind;
  }

  private healthScores(url: URL): Reply {
    const dateType = url.searchParams.get('date_type');
    if (dateType !== null && !['day', 'week', 'month'].includes(dateType)) {
      return { status: 400, json: { error: 'bad_request', detail: `Unknown date_type ${dateType}` } };
    }
    const items = this.readings.map((reading) => ({
      date: reading.at.toISOString(),
      date_type: dateType ?? 'day',
      values: { overall: reading.overall },
    }));
    return { status: 200, json: { page: 1, pages: 1, total: items.length, items } };
  }

  private issues(url: URL): Reply {
    const priority = url.searchParams.get('priority');
    // Only P0 issues are modelled; any other priority filter matches none of them.
    const total = priority === null || priority === 'P0' ? this.p0 : 0;
    const page = positiveInt(url.searchParams.get('page')) ?? 1;
    const perPage = Math.min(positiveInt(url.searchParams.get('per_page')) ?? DEFAULT_PER_PAGE, MAX_PER_PAGE);
    const pages = Math.max(1, Math.ceil(total / perPage));
    const first = (page - 1) * perPage;
    const items = [];
    for (let index = first; index < Math.min(first + perPage, total); index++) {
      items.push({ id: index + 1, priority: 'P0', title: `Simulated critical issue ${index + 1}`, state: 'open' });
    }
    const body: Record<string, unknown> = { page, pages, per_page: perPage, items };
    if (this.includeTotal) body.total = total;
    return { status: 200, json: body };
  }
}

function routeOf(pathname: string): NanitorRoute | null {
  const path = pathname.replace(/\/+$/, '');
  if (path === '/system_api/dashboards/health_scores') return 'health';
  if (path === '/system_api/issues') return 'p0';
  return null;
}

function positiveInt(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value)) return null;
  const parsed = Number(value);
  return parsed >= 1 ? parsed : null;
}
