import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'winston';

export interface HttpRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Raw body, read lazily and capped so a client cannot exhaust memory. */
  body(): Promise<Buffer>;
  remoteAddress: string | undefined;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  /** objects are sent as JSON; strings as-is (set content-type for HTML) */
  body?: unknown;
}

export type Handler = (req: HttpRequest) => Promise<HttpResponse> | HttpResponse;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

class BodyTooLargeError extends Error {}

const MAX_BODY_BYTES = 256 * 1024;

/**
 * A deliberately small router on node:http: the bot serves a handful of routes
 * (health, REST API, Duo callback, Twilio webhooks), and each feature adds its own
 * with `route()`. Handlers return a response instead of writing to the socket, so
 * they stay easy to test and cannot forget to end a response.
 */
export class HttpServer {
  private readonly routes: Route[] = [];
  private server: Server | null = null;

  constructor(private readonly logger: Logger) {}

  route(method: string, path: string, handler: Handler): void {
    const names: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}/?$`,
    );
    this.routes.push({ method: method.toUpperCase(), pattern, names, handler });
  }

  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    this.server = createServer((req, res) => {
      this.dispatch(req, res).catch((err: unknown) => {
        // Anything a request can make us throw (a malformed URL or escape) ends as a 400, never as a hung socket.
        this.logger.warn('bad http request', { method: req.method, err });
        send(res, { status: 400, body: { error: 'bad request' } });
      });
    });
    // Keep-alive sockets would otherwise hold shutdown open for the default 5 s.
    this.server.keepAliveTimeout = 2000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Parsed against a fixed base: the request target is data, never a host to trust.
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    let methodMismatch = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(url.pathname);
      if (!m) continue;
      if (route.method !== method && !(route.method === 'GET' && method === 'HEAD')) {
        methodMismatch = true;
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1]!);
      });
      let bodyPromise: Promise<Buffer> | null = null;
      const request: HttpRequest = {
        method,
        path: url.pathname,
        params,
        query: url.searchParams,
        headers: req.headers,
        body: () => {
          bodyPromise ??= readBody(req);
          return bodyPromise;
        },
        remoteAddress: req.socket.remoteAddress,
      };
      try {
        send(res, await route.handler(request));
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          send(res, { status: 413, headers: { connection: 'close' }, body: { error: 'request body too large' } });
          res.on('finish', () => req.socket.destroy());
          return;
        }
        this.logger.error('http handler failed', { method, path: url.pathname, err });
        send(res, { status: 500, body: { error: 'internal error' } });
      }
      return;
    }
    send(
      res,
      methodMismatch
        ? { status: 405, body: { error: 'method not allowed' } }
        : { status: 404, body: { error: 'not found' } },
    );
  }
}

function send(res: ServerResponse, r: HttpResponse): void {
  if (res.headersSent) return;
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...r.headers };
  let payload: string | Buffer = '';
  if (typeof r.body === 'string' || Buffer.isBuffer(r.body)) payload = r.body;
  else if (r.body !== undefined) {
    payload = JSON.stringify(r.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  res.writeHead(r.status, headers);
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Stop buffering but keep the socket until the 413 is written; it is closed after that.
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
