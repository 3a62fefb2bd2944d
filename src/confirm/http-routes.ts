/**
 * REST intake (`POST /api/alerts`, `GET /api/alerts/:id`) and the Duo callback route.
 * The API exists only when API_TOKEN is set; the token is compared in constant time.
 */

import { bearerCheck } from '../http/bearer.js';
import type { HttpRequest, HttpResponse, HttpServer } from '../http/server.js';
import { listAudit } from '../store/audit.js';
import type { Db } from '../store/db.js';
import type { ConfirmContext } from './context.js';
import { handleDuoCallback } from './duo-callback.js';
import { validateAlertBody } from './intake-validation.js';
import { alertSubject, type IntakeInput, type IntakeResult } from './types.js';

export interface ConfirmRoutesDeps {
  ctx: ConfirmContext;
  db: Db;
  apiToken: string | null;
  intake(input: IntakeInput): Promise<IntakeResult>;
  /** true while the outbox holds more than the policy's delivery.max_backlog */
  backlogFull(): Promise<boolean>;
}

/** What a client is told to wait before retrying (same dedupe_key) when we push back. */
const RETRY_AFTER_S = '5';

/** Where Duo sends the browser back; main.ts builds the redirect URL from it. */
export const DUO_CALLBACK_PATH = '/duo/callback';

export function registerConfirmRoutes(http: HttpServer, deps: ConfirmRoutesDeps): void {
  const authorized = deps.apiToken === null ? null : bearerCheck(deps.apiToken);
  const guard = (req: HttpRequest): HttpResponse | null => {
    if (authorized === null) {
      return { status: 404, body: { error: 'The REST API is disabled: set API_TOKEN to enable it.' } };
    }
    if (!authorized(req.headers.authorization)) {
      return {
        status: 401,
        headers: { 'www-authenticate': 'Bearer' },
        body: { error: 'missing or wrong bearer token' },
      };
    }
    return null;
  };

  http.route('POST', '/api/alerts', async (req) => {
    const refused = guard(req);
    if (refused) return refused;
    // Read outside the try: an oversized body is the server's 413, closing the connection.
    const raw = await req.body();
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return { status: 400, body: { error: 'body is not valid JSON' } };
    }
    const checked = validateAlertBody(body);
    if (!checked.ok) return { status: 400, body: { error: checked.message } };
    let result: IntakeResult;
    try {
      if (await deps.backlogFull()) {
        return {
          status: 429,
          headers: { 'retry-after': RETRY_AFTER_S },
          body: { error: 'too many alerts waiting to be delivered; retry later with the same dedupe_key' },
        };
      }
      result = await deps.intake(checked.input);
    } catch (err) {
      // Intake only writes to the database: a failure here is the store being unreachable.
      deps.ctx.logger.error('confirm: intake failed; answering 503', { err });
      return {
        status: 503,
        headers: { 'retry-after': RETRY_AFTER_S },
        body: { error: 'the database is unavailable; retry later with the same dedupe_key' },
      };
    }
    return { status: result.created ? 201 : 200, body: { id: result.id, status: result.status } };
  });

  http.route('GET', '/api/alerts/:id', async (req) => {
    const refused = guard(req);
    if (refused) return refused;
    const alert = /^\d{1,15}$/.test(req.params.id ?? '') ? await deps.ctx.repo.get(Number(req.params.id)) : null;
    if (!alert) return { status: 404, body: { error: 'no such alert' } };
    const history = await listAudit(deps.db, alertSubject(alert.id));
    return {
      status: 200,
      body: {
        id: alert.id,
        status: alert.status,
        reason: alert.escalationReason,
        detail: alert.outcomeDetail,
        user: alert.userId ?? alert.userRef,
        title: alert.title,
        created_at: new Date(alert.createdAt).toISOString(),
        deadline: alert.deadline === null ? null : new Date(alert.deadline).toISOString(),
        rule_id: alert.ruleId,
        comment: alert.comment,
        history: history.map((e) => ({ at: e.at.toISOString(), actor: e.actor, action: e.action, ...e.details })),
      },
    };
  });

  http.route('GET', DUO_CALLBACK_PATH, (req) => handleDuoCallback(deps.ctx, req.query));
}
