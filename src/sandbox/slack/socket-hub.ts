import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { AckRecord, AckStats, DisconnectReason, Envelope, EnvelopeType } from './types.js';

export interface SocketHubOptions {
  appId: string;
  ackTimeoutMs: number;
  /** Slack retries an unacknowledged event three times. */
  maxRetries: number;
  pingIntervalMs: number;
  disconnectGraceMs: number;
  onEnvelope: (envelope: Envelope) => void;
  onAck: (ack: AckRecord, context: unknown) => void;
  onConnectionsChanged: (open: number) => void;
}

interface Delivery {
  envelope: Envelope;
  /** The envelope id of the first attempt; waiters and retries are keyed by it. */
  rootId: string;
  /** Opaque data the caller wants back with the ack (e.g. who ran a slash command). */
  context: unknown;
  sentAt: number | undefined;
  timer: NodeJS.Timeout | undefined;
}

interface AckWaiter {
  resolve: (ack: AckRecord) => void;
  reject: (err: Error) => void;
}

/**
 * The Socket Mode side of the simulator: tickets from apps.connections.open, the `/link/` WebSocket,
 * `hello`/`disconnect` frames, round-robin delivery over open connections, ack tracking and retries.
 */
export class SocketHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly sockets: WebSocket[] = [];
  private readonly pending = new Map<string, Delivery>();
  private readonly queued: Delivery[] = [];
  private readonly acked = new Map<string, AckRecord>();
  private readonly failedRoots = new Set<string>();
  private readonly waiters = new Map<string, AckWaiter[]>();
  private readonly acks: AckRecord[] = [];
  private timedOut = 0;
  private nextSocket = 0;
  private droppedAcksLeft = 0;
  private readonly pingTimer: NodeJS.Timeout;

  constructor(private readonly options: SocketHubOptions) {
    // Slack pings; @slack/socket-mode treats a silent server as dead after serverPingTimeout.
    this.pingTimer = setInterval(() => {
      for (const socket of this.sockets) socket.ping();
    }, options.pingIntervalMs);
  }

  issueTicket(): string {
    const ticket = randomBytes(16).toString('hex');
    this.tickets.add(ticket);
    return ticket;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sim');
    const ticket = url.searchParams.get('ticket') ?? '';
    // A ticket is good for one connection, which is why clients call apps.connections.open per reconnect.
    if (url.pathname !== '/link/' || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  count(): number {
    return this.sockets.length;
  }

  /** Queues an envelope for delivery; returns its envelope id. */
  deliver(type: EnvelopeType, payload: Record<string, unknown>, context?: unknown): string {
    const envelope: Envelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      accepts_response_payload: type === 'slash_commands',
      ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
    };
    this.dispatch({ envelope, rootId: envelope.envelope_id, context, sentAt: undefined, timer: undefined });
    return envelope.envelope_id;
  }

  /** Pretends the next `count` acks were lost on the way, so the retry path can be exercised with a real client. */
  dropNextAcks(count: number): void {
    this.droppedAcksLeft += count;
  }

  waitForAck(envelopeId: string, timeoutMs: number): Promise<AckRecord> {
    const done = this.acked.get(envelopeId);
    if (done) return Promise.resolve(done);
    if (this.failedRoots.has(envelopeId)) return Promise.reject(new Error(`envelope ${envelopeId} was never acked`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no ack for envelope ${envelopeId} within ${timeoutMs} ms`));
      }, timeoutMs);
      const list = this.waiters.get(envelopeId) ?? [];
      list.push({
        resolve: (ack) => {
          clearTimeout(timer);
          resolve(ack);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.waiters.set(envelopeId, list);
    });
  }

  stats(): AckStats {
    const latencies = this.acks.map((ack) => ack.latencyMs);
    const sorted = [...latencies].sort((a, b) => a - b);
    const pick = (q: number) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : undefined;
    return {
      acked: this.acks.length,
      timedOut: this.timedOut,
      pending: this.pending.size + this.queued.length,
      latenciesMs: latencies,
      p50Ms: pick(0.5),
      p95Ms: pick(0.95),
      maxMs: sorted.at(-1),
    };
  }

  /** Tells every client to reconnect, then closes the sockets the way Slack's link servers do. */
  disconnectAll(reason: DisconnectReason): void {
    for (const socket of [...this.sockets]) {
      socket.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-sim' } }));
      setTimeout(() => socket.close(1000), this.options.disconnectGraceMs).unref();
    }
  }

  /** Drops every connection at once, as if the link servers vanished (no close handshake). */
  terminateAll(): void {
    for (const socket of [...this.sockets]) socket.terminate();
  }

  /**
   * Closes every socket with a close handshake (waiting at most `graceMs`), then cuts what is left.
   * Bolt's stop() does not wait for its own close handshake; cutting the TCP connection under it makes
   * undici report an error and leaves a 30 s handshake timer that keeps the test process alive.
   */
  async stop(graceMs = 500): Promise<void> {
    clearInterval(this.pingTimer);
    for (const delivery of [...this.pending.values(), ...this.queued]) clearTimeout(delivery.timer);
    this.pending.clear();
    this.queued.length = 0;
    const closed = this.sockets.map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
    for (const socket of this.sockets) if (socket.readyState === socket.OPEN) socket.close(1001);
    let graceTimer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      graceTimer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all(closed), grace]);
    clearTimeout(graceTimer);
    this.terminateAll();
    this.wss.close();
    for (const [id, list] of this.waiters)
      for (const waiter of list) waiter.reject(new Error(`stopped before ${id} was acked`));
    this.waiters.clear();
  }

  private accept(ws: WebSocket): void {
    this.sockets.push(ws);
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onClientFrame(data);
    });
    ws.on('close', () => this.forget(ws));
    ws.on('error', () => this.forget(ws));
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.length,
        debug_info: { host: `applink-sim-${this.sockets.length}`, build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.options.appId },
      }),
    );
    this.options.onConnectionsChanged(this.sockets.length);
    for (const delivery of this.queued.splice(0)) this.dispatch(delivery);
  }

  private forget(ws: WebSocket): void {
    const index = this.sockets.indexOf(ws);
    if (index < 0) return;
    this.sockets.splice(index, 1);
    this.options.onConnectionsChanged(this.sockets.length);
  }

  private dispatch(delivery: Delivery): void {
    const open = this.sockets.filter((socket) => socket.readyState === socket.OPEN);
    // With no app connected Slack holds the envelope; ours waits for the next hello.
    if (open.length === 0) {
      this.queued.push(delivery);
      return;
    }
    const socket = open[this.nextSocket++ % open.length]!;
    delivery.sentAt = performance.now();
    this.pending.set(delivery.envelope.envelope_id, delivery);
    delivery.timer = setTimeout(() => this.onAckTimeout(delivery), this.options.ackTimeoutMs);
    socket.send(JSON.stringify(delivery.envelope));
    this.options.onEnvelope(structuredClone(delivery.envelope));
  }

  private onAckTimeout(delivery: Delivery): void {
    const { envelope } = delivery;
    this.pending.delete(envelope.envelope_id);
    this.timedOut += 1;
    const attempt = envelope.retry_attempt ?? 0;
    // Only Events API deliveries are retried; a command or click that times out just shows the user an error.
    if (envelope.type === 'events_api' && attempt < this.options.maxRetries) {
      const retry: Envelope = {
        ...envelope,
        envelope_id: randomUUID(),
        retry_attempt: attempt + 1,
        retry_reason: 'timeout',
      };
      this.dispatch({ ...delivery, envelope: retry, sentAt: undefined, timer: undefined });
      return;
    }
    this.failedRoots.add(delivery.rootId);
    for (const waiter of this.waiters.get(delivery.rootId) ?? []) {
      waiter.reject(new Error(`envelope ${delivery.rootId} was never acked`));
    }
    this.waiters.delete(delivery.rootId);
  }

  private onClientFrame(data: RawData): void {
    let frame: { envelope_id?: unknown; payload?: unknown };
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (typeof frame.envelope_id !== 'string') return;
    const delivery = this.pending.get(frame.envelope_id);
    // Late acks for attempts that already timed out are ignored, as Slack does.
    if (!delivery) return;
    if (this.droppedAcksLeft > 0) {
      this.droppedAcksLeft -= 1;
      return;
    }
    clearTimeout(delivery.timer);
    this.pending.delete(frame.envelope_id);
    const ack: AckRecord = {
      envelopeId: frame.envelope_id,
      type: delivery.envelope.type,
      retryAttempt: delivery.envelope.retry_attempt ?? 0,
      latencyMs: performance.now() - (delivery.sentAt ?? performance.now()),
      payload:
        frame.payload && typeof frame.payload === 'object' ? (frame.payload as Record<string, unknown>) : undefined,
    };
    this.acks.push(ack);
    for (const id of new Set([delivery.rootId, ack.envelopeId])) {
      this.acked.set(id, ack);
      for (const waiter of this.waiters.get(id) ?? []) waiter.resolve(ack);
      this.waiters.delete(id);
    }
    this.options.onAck(ack, delivery.context);
  }
}
