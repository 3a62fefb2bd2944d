/**
 * A local TheHive (4.1 or 5) speaking the v1 routes secops-bot uses, with TheHive's JSON shapes and
 * error bodies (`{type, message}`), Bearer API-key auth and optional `X-Organisation` checking.
 * Tests and the sandbox drive it through the programmatic API; the real HTTP client talks to `url`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readBody } from '../read-body.js';
import { listen } from '../sim-http.js';
import { type EntityType, type Row, runQuery, TheHiveQueryError } from './thehive-query-engine.js';
import {
  buildAlert,
  buildCase,
  buildObservable,
  closedAlert,
  entityProperties,
  importedAlert,
  type NewAlertInput,
  type TheHiveVariant,
} from './thehive-records.js';
import { alertPage, casePage, type UiPage } from './thehive-ui-pages.js';
import { isObject, parseJson, type Reply, send } from './thehive-wire.js';

export type { Row as TheHiveRecord } from './thehive-query-engine.js';
export type { NewAlertInput, TheHiveVariant } from './thehive-records.js';

export interface TheHiveSimulatorOptions {
  apiKey: string;
  variant?: TheHiveVariant;
  /**
   * When set, every request must name this organisation in `X-Organisation` (403 otherwise).
   * Stricter than TheHive, which falls back to the user's default organisation, so that tests
   * can prove the header is sent.
   */
  organisation?: string;
  /** Clock for `_createdAt`/`_updatedAt`; defaults to Date.now. */
  now?: () => number;
}

export interface TheHiveFaults {
  /** Delay every response by this long (0 to stop). */
  slowMs?: number;
  /** The next n requests answer 500. */
  failNext?: number;
  /** The next n successful answers carry truncated JSON. */
  malformedNext?: number;
  /** Answer every `page` step from the first row, as a misconfigured proxy or a buggy version might. */
  ignorePageStep?: boolean;
}

/** Query and promote bodies are small; this only stops a runaway client. */
const MAX_BODY_BYTES = 1_000_000;

type SimulatorEvent = 'alert' | 'case' | 'update';
type Listener = (record: Row) => void;

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  /** `id` is the decoded path parameter, empty for routes without one. */
  handle: (id: string, rawBody: string) => Reply;
}

export class TheHiveSimulator {
  readonly variant: TheHiveVariant;
  private readonly alertsById = new Map<string, Row>();
  private readonly casesById = new Map<string, Row>();
  private readonly observablesByAlert = new Map<string, Row[]>();
  /** listAlert runs on every page request; rebuilding the array only after a change keeps 10,000 alerts cheap. */
  private alertList: Row[] | null = null;
  private readonly listeners = new Map<SimulatorEvent, Set<Listener>>();
  private readonly pendingDelays = new Set<NodeJS.Timeout>();
  private readonly properties: Record<EntityType, ReadonlySet<string>>;
  private fault = { slowMs: 0, failNext: 0, malformedNext: 0, ignorePageStep: false };
  private requests = 0;
  // TheHive ids are graph vertex ids rendered as `~<number>`; alerts, cases and observables share the sequence.
  private nextVertex = 40_968;
  private nextCaseNumber = 1;

  private constructor(
    readonly url: string,
    private readonly server: Server,
    private readonly options: Required<Pick<TheHiveSimulatorOptions, 'apiKey' | 'now'>> & TheHiveSimulatorOptions,
  ) {
    this.variant = options.variant ?? 5;
    this.properties = entityProperties(this.variant);
  }

  static async start(options: TheHiveSimulatorOptions): Promise<TheHiveSimulator> {
    const server = createServer();
    const port = await listen(server);
    const simulator = new TheHiveSimulator(`http://127.0.0.1:${port}`, server, {
      ...options,
      now: options.now ?? Date.now,
    });
    // A client that hangs up mid-request must not take the simulator (or the test process) down.
    server.on('request', (req, res) => void simulator.handle(req, res).catch(() => res.destroy()));
    return simulator;
  }

  addAlert(input: NewAlertInput): Row {
    // TheHive refuses severities outside 1 (low) to 4 (critical) when an alert is created.
    if (![1, 2, 3, 4].includes(input.severity)) throw new RangeError(`severity must be 1-4, got ${input.severity}`);
    const now = this.options.now();
    const alert = buildAlert(this.variant, this.newId(), input, now);
    const observables = (input.observables ?? []).map((spec) => buildObservable(this.newId(), spec, now));
    this.saveAlert(alert);
    this.observablesByAlert.set(String(alert._id), observables);
    this.emit('alert', alert);
    return { ...alert };
  }

  /** Closes the alert without a case: status Ignored (4.1), stage Closed (5). */
  closeAlert(id: string): Row {
    const alert = this.requireAlert(id);
    const closed = closedAlert(this.variant, alert, this.options.now());
    this.saveAlert(closed);
    this.emit('update', closed);
    return { ...closed };
  }

  /** Reopens a closed alert (TheHive 5: stage back to New; 4.1: status New, unread). */
  reopenAlert(id: string): Row {
    const alert = this.requireAlert(id);
    const { closedDate: _closed, ...rest } = alert;
    const reopened = {
      ...rest,
      status: 'New',
      _updatedAt: this.options.now(),
      ...(this.variant === 4 ? { read: false } : { stage: 'New' }),
    };
    this.saveAlert(reopened);
    this.emit('update', reopened);
    return { ...reopened };
  }

  alerts(): Row[] {
    return this.listAlerts().map((alert) => ({ ...alert }));
  }

  cases(): Row[] {
    return [...this.casesById.values()].map((c) => ({ ...c }));
  }

  faults(faults: TheHiveFaults): void {
    this.fault = { ...this.fault, ...faults };
  }

  requestCount(): number {
    return this.requests;
  }

  /** Returns a function that removes the listener. */
  on(event: SimulatorEvent, listener: Listener): () => void {
    const set = this.listeners.get(event) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(event, set);
    return () => set.delete(listener);
  }

  async stop(): Promise<void> {
    for (const timer of this.pendingDelays) clearTimeout(timer);
    this.pendingDelays.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests += 1;
    const rawBody = (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
    if (this.fault.slowMs > 0) await this.delay(this.fault.slowMs);
    if (res.destroyed) return;
    if (this.fault.failNext > 0) {
      this.fault.failNext -= 1;
      return send(res, { status: 500, body: { type: 'InternalError', message: 'Simulated server failure' } });
    }
    const ui = req.method === 'GET' ? this.uiPage(req) : null;
    if (ui) {
      res.writeHead(ui.status, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      });
      res.end(ui.html);
      return;
    }
    const reply = this.authenticate(req) ?? this.route(req, rawBody);
    if (reply.status < 400 && this.fault.malformedNext > 0) {
      this.fault.malformedNext -= 1;
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body).slice(0, 12));
      return;
    }
    send(res, reply);
  }

  /**
   * The web UI's alert and case pages, which the bot links to. TheHive would ask a browser to log in first;
   * the sandbox's person at the keyboard is every analyst, so the page is shown at once.
   */
  private uiPage(req: IncomingMessage): UiPage | null {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const ui = /^\/(alerts|cases)\/([^/]+)\/details$/.exec(path);
    if (!ui) return null;
    let id: string;
    try {
      id = decodeURIComponent(ui[2]!);
    } catch {
      id = '';
    }
    if (ui[1] === 'cases') return casePage(this.casesById.get(id));
    return alertPage(this.alertsById.get(id), this.observablesByAlert.get(id) ?? [], (c) => this.casesById.get(c));
  }

  private authenticate(req: IncomingMessage): Reply | null {
    if (req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      return { status: 401, body: { type: 'AuthenticationError', message: 'Authentication failure' } };
    }
    const { organisation } = this.options;
    if (organisation !== undefined && req.headers['x-organisation'] !== organisation) {
      return { status: 403, body: { type: 'AuthorizationError', message: 'Organisation not found or not permitted' } };
    }
    return null;
  }

  private route(req: IncomingMessage, rawBody: string): Reply {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    try {
      for (const route of this.routes) {
        const match = route.method === method ? route.pattern.exec(path) : null;
        if (match) return route.handle(decodeURIComponent(match[1] ?? ''), rawBody);
      }
      return { status: 404, body: { type: 'NotFoundError', message: `${method} ${path} not found` } };
    } catch (err) {
      if (err instanceof TheHiveQueryError) {
        return { status: err.status, body: { type: err.type, message: err.message } };
      }
      return { status: 500, body: { type: 'InternalError', message: String(err) } };
    }
  }

  private readonly routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/api\/v1\/query$/,
      handle: (_, rawBody) => {
        const body = parseJson(rawBody);
        const query = isObject(body) ? body.query : undefined;
        return {
          status: 200,
          body: runQuery(this.fault.ignorePageStep ? fromFirstRow(query) : query, this.querySources()),
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/alert\/([^/]+)$/,
      handle: (alertId) => ({ status: 200, body: this.requireAlert(alertId) }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/alert\/([^/]+)\/case$/,
      handle: (alertId, rawBody) => {
        parseJson(rawBody);
        return { status: 201, body: this.promote(alertId) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/case\/([^/]+)$/,
      handle: (caseId) => {
        const found = this.casesById.get(caseId);
        if (found === undefined) throw new TheHiveQueryError(404, `Case ${caseId} not found`);
        return { status: 200, body: found };
      },
    },
  ];

  private promote(alertId: string): Row {
    const alert = this.requireAlert(alertId);
    // TheHive refuses a second import of the same alert rather than creating another case.
    if (alert.caseId !== undefined) {
      throw new TheHiveQueryError(400, `Alert ${alertId} has already been imported in case ${alert.caseId}`);
    }
    const now = this.options.now();
    const created = buildCase(this.variant, this.newId(), this.nextCaseNumber++, alert, now);
    this.casesById.set(String(created._id), created);
    const updated = importedAlert(this.variant, alert, String(created._id), now);
    this.saveAlert(updated);
    this.emit('case', created);
    this.emit('update', updated);
    return created;
  }

  private querySources() {
    return {
      alerts: () => this.listAlerts(),
      alert: (id: string) => this.alertsById.get(id),
      cases: () => [...this.casesById.values()],
      case: (id: string) => this.casesById.get(id),
      observablesOf: (entity: EntityType, id: string) =>
        entity === 'Alert' ? (this.observablesByAlert.get(id) ?? []) : [],
      properties: (entity: EntityType) => this.properties[entity],
    };
  }

  private listAlerts(): Row[] {
    this.alertList ??= [...this.alertsById.values()];
    return this.alertList;
  }

  private saveAlert(alert: Row): void {
    this.alertsById.set(String(alert._id), alert);
    this.alertList = null;
  }

  private requireAlert(id: string): Row {
    const alert = this.alertsById.get(id);
    if (alert === undefined) throw new TheHiveQueryError(404, `Alert ${id} not found`);
    return alert;
  }

  private newId(): string {
    const id = `~${this.nextVertex}`;
    this.nextVertex += 4_096;
    return id;
  }

  private emit(event: SimulatorEvent, record: Row): void {
    for (const listener of this.listeners.get(event) ?? []) listener({ ...record });
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pendingDelays.delete(timer);
        resolve();
      }, ms);
      this.pendingDelays.add(timer);
    });
  }
}

/** The query with each `page` step moved back to row 0, keeping its size. */
function fromFirstRow(query: unknown): unknown {
  if (!Array.isArray(query)) return query;
  return query.map((step) =>
    isObject(step) && step._name === 'page' && typeof step.from === 'number' && typeof step.to === 'number'
      ? { ...step, from: 0, to: step.to - step.from }
      : step,
  );
}
