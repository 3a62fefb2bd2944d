import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'winston';

export interface HttpRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /**
   * Raw body, read lazily and capped so a client cannot exhaust memory; a route whose callers
   * send small bodies (Twilio) passes a smaller cap. Over the cap the request ends as 413 and its
   * connection is closed, whatever the handler does with the error.
   */
  body(maxBytes?: number): Promise<Buffer>;
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
 * Limits that keep a slow or idle client from holding sockets: each is what a real caller
 * (Twilio, Duo's redirect, a detector, a health check) needs with a wide margin, and far
 * below Node's defaults (60 s for headers, 5 min for a request, no connection cap).
 */
export interface HttpLimits {
  /** the request line and headers must arrive within this */
  headersTimeoutMs: number;
  /** the whole request, body included, must arrive within this */
  requestTimeoutMs: number;
  /** a kept-alive socket with no new request is closed after this */
  keepAliveTimeoutMs: number;
  /** sockets beyond this many are closed as they arrive */
  maxConnections: number;
  /** how often the two time-outs above are checked */
  checkIntervalMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 2_000,
  maxConnections: 512,
  checkIntervalMs: 500,
};

/**
 * A deliberately small router on node:http: the bot serves a handful of routes
 * (health, REST API, Duo callback, Twilio webhooks), and each feature adds its own
 * with `route()`. Handlers return a response instead of writing to the socket, so
 * they stay easy to test and cannot forget to end a response.
 */
export class HttpServer {
  private readonly routes: Route[] = [];
  private server: Server | null = null;
  private readonly limits: HttpLimits;
  private refusedSince = 0;

  constructor(
    private readonly logger: Logger,
    limits: Partial<HttpLimits> = {},
  ) {
    this.limits = { ...DEFAULT_HTTP_LIMITS, ...limits };
  }

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
    const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxConnections, checkIntervalMs } = this.limits;
    this.server = createServer(
      {
        headersTimeout: headersTimeoutMs,
        requestTimeout: requestTimeoutMs,
        connectionsCheckingInterval: checkIntervalMs,
      },
      (req, res) => {
        this.dispatch(req, res).catch((err: unknown) => {
          // Anything a request can make us throw (a malformed URL or escape) ends as a 400, never as a hung socket.
          this.logger.warn('bad http request', { method: req.method, err });
          send(res, { status: 400, body: { error: 'bad request' } });
        });
      },
    );
    // Short, so idle keep-alive sockets neither pile up nor hold shutdown open.
    this.server.keepAliveTimeout = keepAliveTimeoutMs;
    this.server.maxConnections = maxConnections;
    // Node times a request out only once its first byte has arrived: a socket that never sends
    // one would stay open forever, so each gets the header time-out until its first request.
    const firstRequest = new WeakMap<Socket, NodeJS.Timeout>();
    this.server.on('connection', (socket: Socket) => {
      const timer = setTimeout(() => socket.destroy(), headersTimeoutMs);
      timer.unref();
      firstRequest.set(socket, timer);
      socket.once('close', () => clearTimeout(timer));
    });
    this.server.on('request', (req: IncomingMessage) => clearTimeout(firstRequest.get(req.socket)));
    this.server.on('drop', () => {
      // One line a minute at most: a flood must not turn into a flood of log lines.
      const now = Date.now();
      if (now - this.refusedSince < 60_000) return;
      this.refusedSince = now;
      this.logger.warn('http connection limit reached; refusing new connections', { maxConnections });
    });
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
      let tooLarge = false;
      const request: HttpRequest = {
        method,
        path: url.pathname,
        params,
        query: url.searchParams,
        headers: req.headers,
        body: (maxBytes = MAX_BODY_BYTES) => {
          bodyPromise ??= readBody(req, Math.min(maxBytes, MAX_BODY_BYTES)).catch((err: unknown) => {
            if (err instanceof BodyTooLargeError) tooLarge = true;
            throw err;
          });
          return bodyPromise;
        },
        remoteAddress: req.socket.remoteAddress,
      };
      let response: HttpResponse;
      try {
        response = await route.handler(request);
      } catch (err) {
        if (!(err instanceof BodyTooLargeError)) {
          this.logger.error('http handler failed', { method, path: url.pathname, err });
          response = { status: 500, body: { error: 'internal error' } };
        } else response = { status: 413 };
      }
      if (tooLarge) {
        // Also when the handler caught the error and answered otherwise: the rest of the body is
        // never read, so the connection cannot be reused.
        send(res, { status: 413, headers: { connection: 'close' }, body: { error: 'request body too large' } });
        res.on('finish', () => lingeringClose(req.socket));
        return;
      }
      send(res, response);
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

/**
 * Closes after a 413 without trusting the rest of the body. Node destroys a `Connection: close`
 * socket as soon as the response is flushed; the client's still-arriving body would then be
 * answered with a RST, and a client that had not yet read the 413 (a busy machine) would lose it.
 * So, as web servers do, keep reading and discarding for a bounded time and amount, and close once
 * the client has closed its side (it does on our FIN).
 */
function lingeringClose(socket: Socket): void {
  socket.removeListener('finish', socket.destroy);
  if (!socket.writableEnded) socket.end();
  let discarded = 0;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_MAX_BYTES) socket.destroy();
  });
  socket.once('end', () => socket.destroy());
  socket.once('close', () => clearTimeout(timer));
  socket.resume();
}

const LINGER_MS = 2000;
const LINGER_MAX_BYTES = 1024 * 1024;

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

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Refused before a byte is read when the client says up front that it is too large.
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      reject(new BodyTooLargeError());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
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
