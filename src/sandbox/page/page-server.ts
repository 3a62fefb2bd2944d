/**
 * The sandbox page's own server: static files, a JSON API for what the simulated people do, the
 * current state, and a WebSocket that pushes every change the simulators report.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname } from 'node:path';
import type { Logger } from 'winston';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Policy } from '../../config/policy.js';
import { answerPushFromPage, pushSnapshot, watchPushes } from '../duo/push-panel.js';
import { readBody } from '../read-body.js';
import { listen, sendJson as sendSimJson } from '../sim-http.js';
import type { OnCallView, OnCallViewSource } from './oncall-view.js';
import { PageActionError, type PageActions, pageActions } from './page-actions.js';
import { homeRoutes, watchHome } from './page-home.js';
import {
  type DuoOutcome,
  duoSnapshot,
  hiveSnapshot,
  type PageEvent,
  phoneSnapshot,
  policySnapshot,
  type SandboxWorld,
  slackSnapshot,
  watchWorld,
} from './page-state.js';
import type { SlaView, SlaViewSource } from './sla-view.js';

export type { SandboxWorld } from './page-state.js';

export interface PageServerOptions {
  world: SandboxWorld;
  botUrl: string;
  policy: Policy;
  port: number;
  host: string;
  logger: Logger;
  /** the bot's own view of each TheHive alert's SLA (what it will do next) */
  slaView?: SlaViewSource;
  /** who is on call now and until when, as `/oncall` reads it */
  onCallView?: OnCallViewSource;
  /** TWILIO_FROM_NUMBER: the phone panel texts replies to it */
  botNumber: string;
}

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

const STATIC_DIR = new URL('./static/', import.meta.url);
const STATIC_FILES: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js',
  '/blocks.js': 'blocks.js',
  '/mrkdwn.js': 'mrkdwn.js',
  '/panels.js': 'panels.js',
  '/phone.js': 'phone.js',
  '/duo-push.js': 'duo-push.js',
  '/style.css': 'style.css',
  '/home.js': 'home.js',
  '/home.css': 'home.css',
};
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};
const MAX_BODY_BYTES = 64 * 1024;

type Handler = (body: Record<string, unknown>) => unknown;

function routes(actions: PageActions): Record<string, Handler> {
  return {
    '/api/dm': actions.dm,
    '/api/slash': actions.slash,
    '/api/mention': actions.mention,
    '/api/click': actions.click,
    '/api/open-link': actions.openLink,
    '/api/duo/decide': actions.duoDecide,
    '/api/hive/alerts': actions.hiveCreate,
    '/api/hive/close': actions.hiveClose,
    '/api/nanitor': actions.nanitorSet,
    '/api/phone/keys': actions.phoneKeys,
    '/api/phone/text': actions.phoneText,
  };
}

export async function startPageServer(options: PageServerOptions): Promise<PageServer> {
  const { world, logger } = options;
  const duoOutcomes: DuoOutcome[] = [];
  const sockets = new Set<WebSocket>();
  const publish = (event: PageEvent) => {
    const frame = JSON.stringify(event);
    for (const socket of sockets) if (socket.readyState === socket.OPEN) socket.send(frame);
  };
  const publishDuo = () => publish({ type: 'duo', data: duoSnapshot(world.duo, duoOutcomes) });
  const { botNumber } = options;
  const handlers = routes(
    pageActions({ world, botUrl: options.botUrl, duoOutcomes, onDuoChange: publishDuo, botNumber }),
  );
  const slaView = options.slaView ?? (async () => ({}) as Record<string, SlaView>);
  const onCallView = options.onCallView ?? (async (): Promise<OnCallView> => ({ now: [], until: null, next: [] }));
  // A handoff happens inside the bot's clock, not in a simulator: looked at with the SLA rows, sent on change.
  let lastOnCall = '';
  const refreshOnCall = () => {
    onCallView()
      .then((data) => {
        const frame = JSON.stringify(data);
        if (frame === lastOnCall) return;
        lastOnCall = frame;
        publish({ type: 'oncall', data });
      })
      .catch((err: unknown) => logger.debug('on-call view unavailable', { err }));
  };
  // Tiers fire and snoozes start inside the bot, not in a simulator: look at its rows every second, and
  // right after anything the bot did shows up in a simulator (a notice, an SMS, a call), so they agree.
  let lastSla = '';
  let slaReads = 0;
  let slaShown = 0;
  const refreshSla = () => {
    const read = ++slaReads;
    slaView()
      .then((data) => {
        const frame = JSON.stringify(data);
        // A later read has the newer rows: an earlier one finishing last must not undo it.
        if (read < slaShown || frame === lastSla) return;
        slaShown = read;
        lastSla = frame;
        publish({ type: 'sla', data });
      })
      .catch((err: unknown) => logger.debug('SLA view unavailable', { err }));
  };
  const unwatch = watchWorld(
    world,
    () => duoOutcomes,
    (event) => {
      publish(event);
      if (event.type !== 'nanitor' && event.type !== 'duo') refreshSla();
    },
  );
  const slaTimer = setInterval(() => {
    refreshSla();
    refreshOnCall();
  }, 1000);
  slaTimer.unref();
  Object.assign(handlers, homeRoutes(world.slack));
  const unwatchHome = watchHome(world.slack, (event) => publish(event as unknown as PageEvent));
  const unwatchPushes = watchPushes(world.duo, (data) => publish({ type: 'duo-push', data }));
  handlers['/api/duo/push'] = (body) => {
    try {
      return answerPushFromPage(world.duo, body);
    } catch (err) {
      throw new PageActionError(err instanceof Error ? err.message : String(err));
    }
  };

  const state = async () => ({
    slack: slackSnapshot(world.slack),
    hive: hiveSnapshot(world.thehive),
    sla: await slaView(),
    phone: phoneSnapshot(world.twilio),
    duo: duoSnapshot(world.duo, duoOutcomes),
    push: pushSnapshot(world.duo),
    nanitor: world.nanitor.state(),
    policy: policySnapshot(options.policy),
    oncall: await onCallView(),
    links: { duoHost: world.duo.apiHost, botUrl: options.botUrl, botNumber },
    now: Date.now(),
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.warn('page request failed', { path: req.url, err });
      if (!res.headersSent) sendJson(res, 500, { error: 'the sandbox server failed; see its log' });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://sandbox.local').pathname;
    if (req.method === 'GET' && path === '/api/state') return sendJson(res, 200, await state());
    if (req.method === 'GET' && STATIC_FILES[path]) return sendStatic(res, STATIC_FILES[path]);
    const handler: Handler | undefined = Object.hasOwn(handlers, path) ? handlers[path] : undefined;
    if (handler && req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return sendJson(res, 405, { error: `${path} takes POST only` });
    }
    if (handler) {
      // Only JSON bodies: a form on another site cannot send one without a CORS preflight we never grant.
      const mediaType = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
      if (mediaType !== 'application/json') return sendJson(res, 415, { error: 'send application/json' });
      let body: Record<string, unknown>;
      try {
        body = await readJson(req);
      } catch (err) {
        if (err instanceof BodyTooLarge) return sendJson(res, 413, { error: err.message });
        return sendJson(res, 400, { error: err instanceof Error ? err.message : 'bad request' });
      }
      try {
        return sendJson(res, 200, await handler(body));
      } catch (err) {
        if (err instanceof PageActionError) return sendJson(res, err.status, { error: err.message });
        throw err;
      }
    }
    sendJson(res, 404, { error: 'not found' });
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://sandbox.local').pathname !== '/ws') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
    });
  });

  const port = await listen(server, options.port, options.host);

  return {
    // Listening on every interface: this machine still reaches it on the loopback address.
    url: `http://${options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host}:${port}/`,
    async close() {
      clearInterval(slaTimer);
      unwatch();
      unwatchHome();
      unwatchPushes();
      for (const socket of sockets) socket.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function sendStatic(res: ServerResponse, file: string): Promise<void> {
  const content = await readFile(new URL(file, STATIC_DIR));
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': 'no-store',
    // The page only ever runs its own scripts; message text can never become markup that executes.
    'content-security-policy':
      "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:",
    'x-content-type-options': 'nosniff',
  });
  res.end(content);
}

/** The page polls state; a cached answer would show it stale. */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendSimJson(res, status, body, { 'cache-control': 'no-store' });
}

class BodyTooLarge extends Error {}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw: string;
  try {
    raw = (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
  } catch (err) {
    if (err instanceof Error && err.message === 'request body too large') {
      throw new BodyTooLarge(`the request is larger than ${MAX_BODY_BYTES / 1024} KiB`);
    }
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw || '{}');
  } catch {
    throw new Error('the body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('send a JSON object');
  return parsed as Record<string, unknown>;
}
