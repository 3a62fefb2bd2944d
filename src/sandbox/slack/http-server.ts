import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { readBody } from '../read-body.js';
import { listen, sendJson } from '../sim-http.js';
import type { ApiParams } from './chat-methods.js';
import type { ApiReply } from './web-api.js';

const MAX_BODY_BYTES = 1_000_000;

export interface HttpRoutes {
  api: (method: string, params: ApiParams, token: string | undefined) => ApiReply;
  respond: (id: string, body: unknown) => { status: number; body: unknown };
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/**
 * The one HTTP listener behind apiUrl, the response_urls and the Socket Mode link. It can be taken
 * down and brought back on the same port, so a client sees "connection refused" and then recovery.
 */
export class SimHttpServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;

  constructor(private readonly routes: HttpRoutes) {}

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  async listen(port = this.boundPort): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('upgrade', (req, socket, head) => this.routes.upgrade(req, socket, head));
    this.boundPort = await listen(server, port);
    this.server = server;
  }

  /** Stops listening and cuts every open connection, including upgraded WebSockets. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req, MAX_BODY_BYTES);
    const apiMatch = /^\/api\/([A-Za-z.]+)$/.exec(url.pathname);
    if (apiMatch) {
      const parsed = await parseApiBody(req.headers['content-type'], raw);
      if ('error' in parsed) return sendJson(res, 200, { ok: false, error: parsed.error });
      const params: ApiParams = { ...Object.fromEntries(url.searchParams), ...parsed.params };
      const token = bearer(req.headers.authorization) ?? (parsed.tokenAllowed ? tokenParam(params) : undefined);
      delete params.token;
      const reply = this.routes.api(apiMatch[1]!, params, token);
      return sendJson(res, reply.status, reply.body, reply.headers);
    }
    const respondMatch = /^\/respond\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
    if (respondMatch && req.method === 'POST') {
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return sendJson(res, 400, { ok: false, error: 'invalid_payload' });
      }
      const reply = this.routes.respond(respondMatch[1]!, body);
      return sendJson(res, reply.status, reply.body);
    }
    sendJson(res, 404, { ok: false, error: 'not_found' });
  }
}

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

function tokenParam(params: ApiParams): string | undefined {
  return typeof params.token === 'string' && params.token !== '' ? params.token : undefined;
}

type ParsedBody = { params: ApiParams; tokenAllowed: boolean } | { error: string };

/** Slack takes form-encoded, multipart and JSON bodies; a token in a JSON body is not honoured. */
async function parseApiBody(contentType: string | undefined, raw: Buffer): Promise<ParsedBody> {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (raw.length === 0) return { params: {}, tokenAllowed: true };
  if (type === 'application/json') {
    try {
      const value: unknown = JSON.parse(raw.toString('utf8'));
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'invalid_json' };
      return { params: value as ApiParams, tokenAllowed: false };
    } catch {
      return { error: 'invalid_json' };
    }
  }
  if (type === 'multipart/form-data') {
    const form = await new Response(raw, { headers: { 'content-type': contentType! } }).formData();
    const params: ApiParams = {};
    form.forEach((value, key) => {
      if (typeof value === 'string') params[key] = value;
    });
    return { params, tokenAllowed: true };
  }
  return { params: Object.fromEntries(new URLSearchParams(raw.toString('utf8'))), tokenAllowed: true };
}
