import { EventEmitter } from 'node:events';
import type { Logger } from 'winston';
import { ActivityLog, type EphemeralPredicate, type MessagePredicate, type WaitOptions } from './activity-log.js';
import { HomeTabs, type HomeTabsOptions } from './home-tabs.js';
import { SimHttpServer } from './http-server.js';
import {
  appMentionEvent,
  blockActionsPayload,
  eventCallback,
  findButton,
  messageChangedEvent,
  messageEvent,
  slashCommandPayload,
} from './payloads.js';
import { applyResponse, type ResponseTarget, ResponseUrls } from './response-urls.js';
import { SocketHub } from './socket-hub.js';
import type {
  AckRecord,
  AckStats,
  ApiFault,
  DisconnectReason,
  EphemeralMessage,
  MessageRef,
  SimChannel,
  SimUser,
  SlackMessage,
  SlackSimulatorEvents,
  WorkspaceSeed,
} from './types.js';
import { WebApi } from './web-api.js';
import { defaultSeed, Workspace, type WorkspaceChange } from './workspace.js';

export interface SlackSimulatorOptions {
  /** Replaces parts of the seeded workspace (team, app, bot ids, users, channels). */
  workspace?: Partial<WorkspaceSeed>;
  botToken?: string;
  appToken?: string;
  /** How long a delivery may go unacknowledged before Slack gives up on it (Slack: 3 s). */
  ackTimeoutMs?: number;
  /** Retries of an unacknowledged event (Slack: 3). */
  maxRetries?: number;
  /** chat.postMessage messages allowed per channel per second; unset means no pacing. */
  perChannelPerSecond?: number;
  /** How often the server pings each socket. */
  pingIntervalMs?: number;
  /** Time between sending `disconnect` and closing the socket. */
  disconnectGraceMs?: number;
  /** the App Home tab: views.publish rate limit, or a manifest without a Home tab */
  home?: HomeTabsOptions;
  /** The app's declared slash commands (manifest.yaml); others are refused as Slack's client refuses them. */
  slashCommands?: string[];
  logger?: Logger;
}

const DEFAULT_ACK_WAIT_MS = 5000;

/**
 * A local Slack that the real @slack/bolt (Socket Mode) and @slack/web-api talk to unchanged: Web API
 * under `apiUrl`, Socket Mode links handed out by apps.connections.open, response_urls, and a seeded
 * workspace. Tests and the sandbox page play the humans through its methods and watch its events.
 */
export class SlackSimulator extends EventEmitter<SlackSimulatorEvents> {
  readonly botToken: string;
  readonly appToken: string;
  private readonly workspace: Workspace;
  private readonly activity = new ActivityLog();
  private readonly hub: SocketHub;
  private readonly webApi: WebApi;
  private readonly http: SimHttpServer;
  private readonly responseUrls: ResponseUrls;
  private readonly logger: Logger | undefined;
  /** App Home: publish, open, click (src/sandbox/slack/home-tabs.ts) */
  readonly home: HomeTabs;
  private readonly slashCommands: string[] | undefined;

  private constructor(options: SlackSimulatorOptions) {
    super();
    this.botToken = options.botToken ?? 'xoxb-0000000000-sim-bot-token';
    this.appToken = options.appToken ?? 'xapp-1-A0SECOPS-0000-sim-app-token';
    this.logger = options.logger;
    this.slashCommands = options.slashCommands;
    const seed = { ...defaultSeed(), ...options.workspace };
    this.workspace = new Workspace(seed, (change) => this.onWorkspaceChange(change));
    this.hub = new SocketHub({
      appId: seed.appId,
      ackTimeoutMs: options.ackTimeoutMs ?? 3000,
      maxRetries: options.maxRetries ?? 3,
      pingIntervalMs: options.pingIntervalMs ?? 5000,
      disconnectGraceMs: options.disconnectGraceMs ?? 50,
      onEnvelope: (envelope) => this.emit('envelope', envelope),
      onAck: (ack, context) => this.onAck(ack, context),
      onConnectionsChanged: (open) => this.emit('connection', { open }),
    });
    this.home = new HomeTabs(
      {
        workspace: this.workspace,
        deliver: (type, payload) => this.hub.deliver(type, payload),
        sendEvent: (event) => this.sendEvent(event),
        onPublish: (home) => this.emit('home', home),
      },
      options.home,
    );
    this.webApi = new WebApi(this.workspace, {
      extraMethods: this.home.methods,
      retryAfter: (method, nowMs) => this.home.retryAfter(method, nowMs),
      botToken: this.botToken,
      appToken: this.appToken,
      perChannelPerSecond: options.perChannelPerSecond,
      openConnectionUrl: () =>
        `ws://127.0.0.1:${this.http.port}/link/?ticket=${this.hub.issueTicket()}&app_id=${seed.appId}`,
    });
    this.responseUrls = new ResponseUrls(this.workspace, () => this.baseUrl);
    this.http = new SimHttpServer({
      api: (method, params, token) => this.webApi.call(method, params, token, Date.now()),
      respond: (id, body) => this.responseUrls.handle(id, body),
      upgrade: (req, socket, head) => this.hub.handleUpgrade(req, socket, head),
    });
  }

  static async start(options: SlackSimulatorOptions = {}): Promise<SlackSimulator> {
    const sim = new SlackSimulator(options);
    await sim.http.listen(0);
    sim.logger?.info('slack simulator listening', { apiUrl: sim.apiUrl });
    return sim;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.http.port}`;
  }

  /** What to pass as `slackApiUrl`; the trailing slash matters to @slack/web-api. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  get seed(): WorkspaceSeed {
    return this.workspace.seed;
  }

  get users(): SimUser[] {
    return this.workspace.allUsers();
  }

  get channels(): SimChannel[] {
    return this.workspace.allChannels();
  }

  dmChannelFor(userId: string): string {
    return this.workspace.dmChannelFor(this.requireUser(userId).id);
  }

  /** A user writes to the bot in their DM; returns the envelope id of the `message` event. */
  sendDm(userId: string, text: string, options: { threadTs?: string } = {}): string {
    const user = this.requireUser(userId);
    const message = this.workspace.post({
      channel: this.workspace.dmChannelFor(user.id),
      user: user.id,
      text,
      ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
    });
    return this.sendEvent(messageEvent(message, this.seed));
  }

  /** A user edits a message they sent; Slack reports it as a `message_changed` message event. */
  editMessage(ref: MessageRef, text: string): string {
    const before = this.workspace.find(ref.channel, ref.ts);
    if (!before) throw new Error(`no message ${ref.ts} in ${ref.channel}`);
    const previous = structuredClone(before);
    const after = this.workspace.update(ref.channel, ref.ts, { text, blocks: before.blocks })!;
    return this.sendEvent(messageChangedEvent(previous, after, this.seed, this.workspace.nextTs()));
  }

  /** Another integration posts into a channel (`subtype: bot_message`), e.g. a scanner's alert. */
  postBotMessage(channelId: string, text: string, botId = 'B0SCANNER'): string {
    const message = this.workspace.post({ channel: channelId, user: '', bot_id: botId, subtype: 'bot_message', text });
    const { user: _unused, ...event } = messageEvent(message, this.seed);
    return this.sendEvent({ ...event, username: 'scanner' });
  }

  /** Delivers any Events API event (wrapped in an event_callback); returns the envelope id. */
  sendEvent(event: Record<string, unknown>): string {
    return this.hub.deliver('events_api', eventCallback(event, this.seed, Date.now()));
  }

  /** A user @-mentions the bot in a channel; the app receives `app_mention`. */
  sendMention(userId: string, channelId: string, text: string): string {
    const user = this.requireUser(userId);
    const channel = this.requireChannel(channelId);
    const mention = `<@${this.seed.botUserId}>`;
    const message = this.workspace.post({
      channel: channel.id,
      user: user.id,
      text: text.includes(mention) ? text : `${mention} ${text}`,
    });
    return this.sendEvent(appMentionEvent(message, this.seed));
  }

  slashCommand(userId: string, channelId: string, command: string, text = ''): string {
    const declared = this.slashCommands;
    if (declared && !declared.includes(command)) {
      throw new Error(`${command} is not a valid command. The app's commands are ${declared.join(', ')}.`);
    }
    const user = this.requireUser(userId);
    const channel = this.requireChannel(channelId);
    const target: ResponseTarget = { userId: user.id, channelId: channel.id };
    const responseUrl = this.responseUrls.create(target);
    const payload = slashCommandPayload({ user, channel, command, text, seed: this.seed, responseUrl });
    return this.hub.deliver('slash_commands', payload, target);
  }

  /** A user clicks a button on a recorded message; throws if that message has no such button. */
  clickButton(userId: string, ref: MessageRef, actionId: string, value?: string): string {
    const user = this.requireUser(userId);
    const channel = this.requireChannel(ref.channel);
    const message = this.workspace.find(channel.id, ref.ts);
    if (!message) throw new Error(`no message ${ref.ts} in ${ref.channel}`);
    const button = findButton(message.blocks, actionId);
    if (!button) throw new Error(`message ${ref.ts} has no button with action_id ${actionId}`);
    const target: ResponseTarget = {
      userId: user.id,
      channelId: channel.id,
      original: { channel: channel.id, ts: ref.ts },
    };
    const payload = blockActionsPayload({
      user,
      channel,
      message,
      action: value === undefined ? button : { ...button, value },
      seed: this.seed,
      responseUrl: this.responseUrls.create(target),
      nowMs: Date.now(),
    });
    return this.hub.deliver('interactive', payload, target);
  }

  /** A user opens the app's Home tab (or its Messages tab); returns the envelope id. */
  openHome(userId: string, tab: 'home' | 'messages' = 'home'): string {
    return this.home.open(this.requireUser(userId), tab);
  }

  /** A user clicks a button on their published Home; `value` picks among buttons sharing an action_id. */
  clickHomeButton(userId: string, actionId: string, value?: string): string {
    return this.home.click(this.requireUser(userId), actionId, value);
  }

  messages(channelId?: string): SlackMessage[] {
    return this.workspace.messages(channelId);
  }

  ephemerals(userId?: string): EphemeralMessage[] {
    return this.workspace.ephemerals(userId);
  }

  /** A position in the activity log to pass as `since` to the wait methods. */
  mark(): number {
    return this.activity.mark();
  }

  waitForMessage(predicate: MessagePredicate, options?: WaitOptions | number): Promise<SlackMessage> {
    return this.activity.waitForMessage(predicate, options);
  }

  waitForEphemeral(predicate: EphemeralPredicate, options?: WaitOptions | number): Promise<EphemeralMessage> {
    return this.activity.waitForEphemeral(predicate, options);
  }

  /** Resolves when the envelope (or a retry of it) is acked; rejects once Slack would have given up. */
  waitForAck(envelopeId: string, timeoutMs = DEFAULT_ACK_WAIT_MS): Promise<AckRecord> {
    return this.hub.waitForAck(envelopeId, timeoutMs);
  }

  ackStats(): AckStats {
    return this.hub.stats();
  }

  connections(): number {
    return this.hub.count();
  }

  disconnect(reason: DisconnectReason): void {
    this.hub.disconnectAll(reason);
  }

  /** Down: the port refuses connections and open sockets drop. Up again: same port, same state. */
  async setDown(down: boolean): Promise<void> {
    if (down) {
      this.hub.terminateAll();
      await this.http.close();
    } else {
      await this.http.listen();
    }
  }

  failNext(method: string, count: number, fault: ApiFault): void {
    this.webApi.failNext(method, count, fault);
  }

  /** Loses the next `count` acks in transit, so Bolt (which always acks events) meets the retry path. */
  dropNextAcks(count: number): void {
    this.hub.dropNextAcks(count);
  }

  async stop(): Promise<void> {
    await this.hub.stop();
    await this.http.close();
    this.activity.failAll('slack simulator stopped');
  }

  private onWorkspaceChange(change: WorkspaceChange): void {
    this.activity.record(change);
    if (change.kind === 'ephemeral') {
      this.emit('ephemeral', change.ephemeral);
      return;
    }
    this.emit(change.kind, change.message);
    const { message } = change;
    // Real Slack echoes the app's own DM posts back as message events; bots must ignore themselves.
    if (change.kind === 'message' && message.bot_id === this.seed.botId && this.workspace.isDm(message.channel)) {
      this.sendEvent(messageEvent(message, this.seed));
    }
  }

  /** A slash command's ack may carry the response itself (accepts_response_payload). */
  private onAck(ack: AckRecord, context: unknown): void {
    this.emit('ack', ack);
    const payload = ack.payload;
    if (ack.type !== 'slash_commands' || !payload || (payload.text === undefined && payload.blocks === undefined))
      return;
    const reply = applyResponse(this.workspace, context as ResponseTarget, payload);
    if (reply.status !== 200) this.logger?.warn('slash command ack payload rejected', { error: reply.body.error });
  }

  private requireUser(userId: string): SimUser {
    const user = this.workspace.user(userId);
    if (!user) throw new Error(`no user ${userId} in the simulated workspace`);
    if (user.deleted) throw new Error(`user ${userId} is deactivated and cannot act`);
    return user;
  }

  private requireChannel(channelId: string): SimChannel {
    const channel = this.workspace.channel(channelId);
    if (!channel) throw new Error(`no channel ${channelId} in the simulated workspace`);
    return channel;
  }
}
