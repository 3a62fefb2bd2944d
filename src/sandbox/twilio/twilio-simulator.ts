/**
 * A local stand-in for api.twilio.com: the 2010-04-01 Messages and Calls
 * resources with Basic auth, form bodies and Twilio's JSON and error shapes,
 * plus signed status callbacks. The real twilio client runs against it.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { readBody } from '../read-body.js';
import { listen, sendJson } from '../sim-http.js';
import {
  type CallbackDelivery,
  type CallOutcome,
  type LifecycleContext,
  runCallLifecycle,
  runMessageLifecycle,
  type SmsOutcome,
} from './status-lifecycle.js';
import { createCall, createMessage, type FormParams } from './twilio-create.js';
import {
  type Answerer,
  answerCall,
  type CallTranscript,
  deliverWebhook,
  gatherActionOf,
  inboundSmsRequest,
  type KeyPress,
  messagesOf,
  type PhoneText,
  type WebhookReply,
} from './twilio-phone-side.js';
import {
  API_VERSION,
  type CallRecord,
  callJson,
  type MessageRecord,
  messageJson,
  newSid,
  parseBasicAuth,
  spokenTextOf,
  type TwilioErrorBody,
  twilioError,
} from './twilio-wire.js';

export type { CallbackDelivery, CallOutcome, SmsOutcome } from './status-lifecycle.js';
export type { Answerer, CallTranscript, KeyPress, PhoneText, WebhookReply } from './twilio-phone-side.js';
export type { CallRecord, MessageRecord } from './twilio-wire.js';

/** Twilio's opt-out keywords: after one, no SMS reaches that number from ours until START. */
const STOP_WORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'];
const START_WORDS = ['START', 'YES', 'UNSTOP'];

export interface TwilioSimulatorBehaviour {
  /** Move created messages and calls through their statuses and POST status callbacks. Default true. */
  lifecycle: boolean;
  /** Delay before each status step. Default 20 ms. */
  stepDelayMs: number;
  /** How long an answered call lasts before it completes (time to press keys). Default stepDelayMs. */
  answeredCallMs?: number;
  smsOutcome: SmsOutcome;
  callOutcome: CallOutcome;
}

export interface TwilioSimulatorOptions extends Partial<TwilioSimulatorBehaviour> {
  accountSid: string;
  authToken: string;
}

export interface FaultOptions {
  status: 400 | 403 | 404 | 429 | 500 | 502 | 503;
  code?: number;
  message?: string;
}

export interface StatusChange {
  kind: 'message' | 'call';
  sid: string;
  status: string;
}

export interface ReceivedRequest {
  method: string;
  path: string;
}

const FAULT_DEFAULTS: Record<FaultOptions['status'], { code: number; message: string }> = {
  400: { code: 20001, message: 'Bad Request' },
  403: { code: 20403, message: 'Forbidden' },
  404: { code: 20404, message: 'The requested resource was not found' },
  429: { code: 20429, message: 'Too Many Requests' },
  500: { code: 20500, message: 'Internal Server Error' },
  502: { code: 20502, message: 'Bad Gateway' },
  503: { code: 20503, message: 'Service Unavailable' },
};

const ROUTE = new RegExp(`^/${API_VERSION}/Accounts/([^/]+)/(Messages|Calls)(?:/([^/]+))?\\.json$`);

/** Form posts of a message or call; far below this even with a long TwiML body. */
const MAX_BODY_BYTES = 64 * 1024;

function sendError(res: ServerResponse, error: TwilioErrorBody, headers: Record<string, string> = {}): void {
  sendJson(res, error.status, error, headers);
}

type TwilioEvent = 'message' | 'call' | 'status' | 'text' | 'keys';

export class TwilioSimulator {
  readonly url: string;
  private readonly server: Server;
  private readonly accountSid: string;
  private readonly authToken: string;
  private behaviour: TwilioSimulatorBehaviour;
  private readonly messageRecords = new Map<string, MessageRecord>();
  private readonly callRecords = new Map<string, CallRecord>();
  private readonly deliveries: CallbackDelivery[] = [];
  private readonly received: ReceivedRequest[] = [];
  private readonly faults: FaultOptions[] = [];
  private readonly events = new EventEmitter();
  private readonly lifecycles = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();
  /** numbers that texted STOP (Twilio keeps this per sender/recipient pair; the bot has one number) */
  private readonly optedOut = new Set<string>();
  private messagingWebhook: string | null = null;
  /** texts people sent to our number and the bot's replies, oldest first */
  private readonly textLog: PhoneText[] = [];
  private readonly pressLog: KeyPress[] = [];
  /** the TwiML a call is at after keys were pressed (the bot's last answer), by call sid */
  private readonly callAt = new Map<string, string>();

  private constructor(server: Server, url: string, options: TwilioSimulatorOptions) {
    this.server = server;
    this.url = url;
    this.accountSid = options.accountSid;
    this.authToken = options.authToken;
    this.behaviour = {
      lifecycle: options.lifecycle ?? true,
      stepDelayMs: options.stepDelayMs ?? 20,
      ...(options.answeredCallMs === undefined ? {} : { answeredCallMs: options.answeredCallMs }),
      smsOutcome: options.smsOutcome ?? 'delivered',
      callOutcome: options.callOutcome ?? 'completed',
    };
  }

  static async start(options: TwilioSimulatorOptions): Promise<TwilioSimulator> {
    const server = createServer();
    const port = await listen(server);
    const simulator = new TwilioSimulator(server, `http://127.0.0.1:${port}`, options);
    server.on('request', (req, res) => {
      simulator.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, twilioError(500, 20500, `Internal Server Error: ${String(err)}`));
      });
    });
    return simulator;
  }

  /** Change outcomes at run time (the sandbox phone panel does this). */
  configure(changes: Partial<TwilioSimulatorBehaviour>): void {
    this.behaviour = { ...this.behaviour, ...changes };
  }

  /** Where texts to our number are posted (the number's Messaging webhook, PUBLIC_URL/twilio/sms). */
  setMessagingWebhook(url: string | null): void {
    this.messagingWebhook = url;
  }

  /**
   * Someone answers a call and presses `keys` (each posted, signed, to the call's `<Gather>` action).
   * With machine detection asked for, Twilio tells the bot who answered (`AnsweredBy`).
   */
  async answerCall(sid: string, answerer: Answerer, keys: string[] = []): Promise<CallTranscript> {
    const call = this.callRecords.get(sid);
    if (!call) throw new Error(`no call ${sid}`);
    return answerCall(structuredClone(call), this.authToken, answerer, keys);
  }

  /**
   * The person on a live call presses `keys`: each goes to the `<Gather>` the call is at now (the
   * page call's, or the bot's answer to an earlier key), as a human answerer.
   */
  async pressKeys(sid: string, keys: string[]): Promise<KeyPress> {
    const call = this.callRecords.get(sid);
    if (!call) throw new Error(`no call ${sid}`);
    if (!this.awaitsKeys(sid)) throw new Error(`call ${sid} is not waiting for keys`);
    const at = { ...structuredClone(call), twiml: this.callAt.get(sid) ?? call.twiml };
    const transcript = await answerCall(at, this.authToken, 'human', keys);
    const last = transcript.replies.at(-1);
    if (last?.status === 200) this.callAt.set(sid, last.body);
    const press: KeyPress = {
      callSid: sid,
      keys: keys.join(''),
      heard: transcript.replies.flatMap((reply) => (reply.status === 200 ? spokenTextOf(reply.body) : [])),
      httpStatus: last?.status ?? null,
      at: new Date(),
    };
    this.pressLog.push(press);
    this.events.emit('keys', structuredClone(press));
    return press;
  }

  /** Whether the TwiML a call is at now (after any keys) still has a `<Gather>` to post keys to. */
  awaitsKeys(sid: string): boolean {
    const call = this.callRecords.get(sid);
    return call !== undefined && gatherActionOf(this.callAt.get(sid) ?? call.twiml ?? '') !== null;
  }

  /** Keys pressed on calls so far, oldest first. */
  keyPresses(): KeyPress[] {
    return this.pressLog.map((press) => structuredClone(press));
  }

  /** Texts people sent to our number and the `<Message>` replies they got, oldest first. */
  texts(): PhoneText[] {
    return this.textLog.map((text) => structuredClone(text));
  }

  /** A text from `from` to our number `to`, delivered to the Messaging webhook; STOP and START as Twilio handles them. */
  async textFromPhone(from: string, to: string, body: string): Promise<WebhookReply> {
    if (this.messagingWebhook === null) throw new Error('no Messaging webhook is configured for the number');
    const keyword = body.trim().toUpperCase();
    if (STOP_WORDS.includes(keyword)) this.optedOut.add(from);
    if (START_WORDS.includes(keyword)) this.optedOut.delete(from);
    const request = inboundSmsRequest(this.authToken, this.accountSid, this.messagingWebhook, from, to, body);
    this.logText({ sid: request.params.MessageSid!, from, to, body, direction: 'inbound', at: new Date() });
    const reply = await deliverWebhook(request);
    // Twilio sends a `<Message>` in the webhook's answer back to the sender, from our number.
    if (reply.status === 200) {
      for (const text of messagesOf(reply.body)) {
        this.logText({ sid: newSid('SM'), from: to, to: from, body: text, direction: 'reply', at: new Date() });
      }
    }
    return reply;
  }

  private logText(text: PhoneText): void {
    this.textLog.push(text);
    this.events.emit('text', structuredClone(text));
  }

  /** The next `count` API requests fail with a Twilio-shaped error of this status. */
  failNext(count: number, fault: FaultOptions): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  messages(): MessageRecord[] {
    return [...this.messageRecords.values()].map((message) => structuredClone(message));
  }

  calls(): CallRecord[] {
    return [...this.callRecords.values()].map((call) => structuredClone(call));
  }

  /** Every status callback POSTed so far, with the receiver's answer. */
  callbackDeliveries(): CallbackDelivery[] {
    return this.deliveries.map((delivery) => structuredClone(delivery));
  }

  /** Every HTTP request received, faults and auth failures included. */
  requests(): ReceivedRequest[] {
    return [...this.received];
  }

  on(event: 'message', listener: (message: MessageRecord) => void): this;
  on(event: 'call', listener: (call: CallRecord) => void): this;
  on(event: 'status', listener: (change: StatusChange) => void): this;
  on(event: 'text', listener: (text: PhoneText) => void): this;
  on(event: 'keys', listener: (press: KeyPress) => void): this;
  on(event: TwilioEvent, listener: (payload: never) => void): this {
    this.events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off(event: TwilioEvent, listener: (payload: never) => void): this {
    this.events.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Resolves once every lifecycle started so far has run to its end (callbacks included). */
  async idle(): Promise<void> {
    while (this.lifecycles.size > 0) await Promise.allSettled([...this.lifecycles]);
  }

  async stop(): Promise<void> {
    this.shutdown.abort();
    await Promise.allSettled([...this.lifecycles]);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', this.url).pathname;
    const method = req.method ?? 'GET';
    this.received.push({ method, path });
    const rawBody = (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
    const route = ROUTE.exec(path);
    if (!route) return sendError(res, twilioError(404, 20404, `The requested resource ${path} was not found`));

    const fault = this.faults.shift();
    if (fault) {
      const defaults = FAULT_DEFAULTS[fault.status];
      return sendError(res, twilioError(fault.status, fault.code ?? defaults.code, fault.message ?? defaults.message));
    }

    const credentials = parseBasicAuth(req.headers.authorization);
    if (credentials?.username !== this.accountSid || credentials.password !== this.authToken) {
      return sendError(res, twilioError(401, 20003, 'Authenticate'), {
        'WWW-Authenticate': 'Basic realm="Twilio API"',
      });
    }
    const [, accountSid, collection, sid] = route;
    if (accountSid !== this.accountSid) {
      return sendError(res, twilioError(404, 20404, `The requested resource ${path} was not found`));
    }

    if (method === 'POST' && sid === undefined) {
      const form = new URLSearchParams(rawBody) as FormParams;
      return collection === 'Messages' ? this.createMessage(res, form) : this.createCall(res, form);
    }
    if (method === 'GET' && sid !== undefined) {
      const record = collection === 'Messages' ? this.messageRecords.get(sid) : this.callRecords.get(sid);
      if (!record) return sendError(res, twilioError(404, 20404, `The requested resource ${path} was not found`));
      return sendJson(
        res,
        200,
        collection === 'Messages' ? messageJson(record as MessageRecord) : callJson(record as CallRecord),
      );
    }
    return sendError(res, twilioError(405, 20004, 'Method not allowed'));
  }

  private createMessage(res: ServerResponse, form: FormParams): void {
    const to = form.get('To');
    if (to !== null && this.optedOut.has(to)) {
      sendError(res, twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'));
      return;
    }
    const created = createMessage(form, this.accountSid, new Date());
    if (!created.ok) {
      sendError(res, created.error);
      return;
    }
    const message = created.record;
    this.messageRecords.set(message.sid, message);
    sendJson(res, 201, messageJson(message));
    this.events.emit('message', structuredClone(message));
    if (this.behaviour.lifecycle) this.track(runMessageLifecycle(message, this.behaviour.smsOutcome, this.context()));
  }

  private createCall(res: ServerResponse, form: FormParams): void {
    const created = createCall(form, this.accountSid, new Date());
    if (!created.ok) {
      sendError(res, created.error);
      return;
    }
    const call = created.record;
    this.callRecords.set(call.sid, call);
    sendJson(res, 201, callJson(call));
    this.events.emit('call', structuredClone(call));
    if (this.behaviour.lifecycle) this.track(runCallLifecycle(call, this.behaviour.callOutcome, this.context()));
  }

  private track(lifecycle: Promise<void>): void {
    const tracked = lifecycle.catch(() => {
      // Aborted by stop(): the remaining steps are simply not played.
    });
    this.lifecycles.add(tracked);
    void tracked.finally(() => this.lifecycles.delete(tracked));
  }

  private context(): LifecycleContext {
    const signal = this.shutdown.signal;
    return {
      authToken: this.authToken,
      stepDelayMs: this.behaviour.stepDelayMs,
      ...(this.behaviour.answeredCallMs === undefined ? {} : { answeredCallMs: this.behaviour.answeredCallMs }),
      signal,
      now: () => new Date(),
      sleep: (ms) => sleep(ms, undefined, { signal }),
      changed: (kind, sid, status) => this.events.emit('status', { kind, sid, status } satisfies StatusChange),
      delivered: (delivery) => this.deliveries.push(delivery),
    };
  }
}
