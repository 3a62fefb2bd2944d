import type { EphemeralMessage, SimChannel, SimUser, SlackMessage, WorkspaceSeed } from './types.js';

function person(id: string, first: string, last: string, extra: Partial<SimUser> = {}): SimUser {
  const name = first.toLowerCase();
  return {
    id,
    name,
    realName: `${first} ${last}`,
    firstName: first,
    lastName: last,
    email: `${name}@example.com`,
    deleted: false,
    isBot: false,
    tz: 'Europe/London',
    ...extra,
  };
}

/** The workspace the sandbox and the end-to-end tests share unless a test seeds its own. */
export function defaultSeed(): WorkspaceSeed {
  const botUserId = 'U0BOT';
  return {
    teamId: 'T0SECOPS',
    teamName: 'SecOps',
    teamDomain: 'secops',
    appId: 'A0SECOPS',
    botUserId,
    botId: 'B0BOT',
    users: [
      person('U0ALICE', 'Alice', 'Archer'),
      person('U0BOB', 'Bob', 'Baker', { tz: 'America/New_York' }),
      person('U0CAROL', 'Carol', 'Chen', { tz: 'America/Los_Angeles' }),
      person('U0DAVE', 'Dave', 'Dunn'),
      person('U0ERIN', 'Erin', 'Ellis', { deleted: true }),
      person('U0SCANNER', 'Scanner', 'Bot', { email: undefined, isBot: true, botId: 'B0SCANNER', name: 'scanner' }),
      person(botUserId, 'SecOps', 'Bot', { email: undefined, isBot: true, botId: 'B0BOT', name: 'secops-bot' }),
    ],
    channels: [
      { id: 'C0ESCAL', name: 'security-escalations', members: ['U0CAROL', 'U0DAVE', botUserId] },
      { id: 'C0ALERTS', name: 'secops-alerts', members: ['U0CAROL', botUserId] },
      { id: 'C0DIGEST', name: 'secops-digest', members: ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE', botUserId] },
      { id: 'C0GENERAL', name: 'general', members: ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE', 'U0SCANNER'] },
    ],
  };
}

export type WorkspaceChange =
  | { kind: 'message' | 'update' | 'delete'; message: SlackMessage }
  | { kind: 'ephemeral'; ephemeral: EphemeralMessage };

/**
 * The workspace's state: directory, conversations and their history. It knows nothing about HTTP or
 * WebSockets; every mutation is reported to `onChange` so the simulator can log, emit and echo it.
 */
export class Workspace {
  readonly seed: WorkspaceSeed;
  private readonly usersById = new Map<string, SimUser>();
  private readonly channelsById = new Map<string, SimChannel>();
  private readonly history = new Map<string, SlackMessage[]>();
  private readonly ephemeralLog: EphemeralMessage[] = [];
  private lastTsMicros = 0;

  constructor(
    seed: WorkspaceSeed,
    private readonly onChange: (change: WorkspaceChange) => void,
  ) {
    this.seed = seed;
    for (const user of seed.users) this.usersById.set(user.id, user);
    for (const channel of seed.channels)
      this.channelsById.set(channel.id, { ...channel, members: [...channel.members] });
  }

  get botUserId(): string {
    return this.seed.botUserId;
  }

  user(id: string): SimUser | undefined {
    return this.usersById.get(id);
  }

  userByEmail(email: string): SimUser | undefined {
    const wanted = email.trim().toLowerCase();
    return [...this.usersById.values()].find((user) => user.email?.toLowerCase() === wanted);
  }

  allUsers(): SimUser[] {
    return [...this.usersById.values()];
  }

  allChannels(): SimChannel[] {
    return [...this.channelsById.values()];
  }

  /** The bot's DM with a user; Slack keeps one IM per pair, so the id is derived, not allocated. */
  dmChannelFor(userId: string): string {
    const id = this.dmChannelId(userId);
    if (!this.channelsById.has(id)) {
      this.channelsById.set(id, { id, name: userId, members: [userId, this.botUserId] });
    }
    return id;
  }

  /** The id the DM has or will have, without opening it. */
  dmChannelId(userId: string): string {
    return `D${userId.replace(/^[UW]/, '')}`;
  }

  isDm(channelId: string): boolean {
    return channelId.startsWith('D');
  }

  /** Resolves what chat.postMessage accepts as `channel`: an id, a `#name`, or a user id (meaning their DM). */
  resolveChannel(ref: string): SimChannel | undefined {
    if (/^[UW]/.test(ref)) {
      const user = this.usersById.get(ref);
      return user && !user.deleted ? this.channelsById.get(this.dmChannelFor(ref)) : undefined;
    }
    const byId = this.channelsById.get(ref);
    if (byId) return byId;
    const name = ref.replace(/^#/, '');
    return [...this.channelsById.values()].find((channel) => channel.name === name && !channel.id.startsWith('D'));
  }

  channel(id: string): SimChannel | undefined {
    return this.channelsById.get(id);
  }

  /** Slack timestamps are unique per channel and sortable; microsecond clock ticks keep ours unique overall. */
  nextTs(nowMs: number = Date.now()): string {
    this.lastTsMicros = Math.max(nowMs * 1000, this.lastTsMicros + 1);
    const seconds = Math.floor(this.lastTsMicros / 1_000_000);
    const micros = String(this.lastTsMicros % 1_000_000).padStart(6, '0');
    return `${seconds}.${micros}`;
  }

  post(message: Omit<SlackMessage, 'ts' | 'edits'>): SlackMessage {
    const stored: SlackMessage = { ...message, ts: this.nextTs(), edits: 0 };
    const list = this.history.get(stored.channel) ?? [];
    list.push(stored);
    this.history.set(stored.channel, list);
    this.onChange({ kind: 'message', message: snapshot(stored) });
    return stored;
  }

  find(channel: string, ts: string): SlackMessage | undefined {
    return this.history.get(channel)?.find((message) => message.ts === ts);
  }

  update(channel: string, ts: string, change: Pick<SlackMessage, 'text' | 'blocks'>): SlackMessage | undefined {
    const stored = this.find(channel, ts);
    if (!stored) return undefined;
    stored.text = change.text;
    stored.blocks = change.blocks;
    stored.edits += 1;
    this.onChange({ kind: 'update', message: snapshot(stored) });
    return stored;
  }

  remove(channel: string, ts: string): boolean {
    const list = this.history.get(channel);
    const index = list?.findIndex((message) => message.ts === ts) ?? -1;
    if (!list || index < 0) return false;
    const [removed] = list.splice(index, 1);
    this.onChange({ kind: 'delete', message: snapshot(removed!) });
    return true;
  }

  postEphemeral(ephemeral: Omit<EphemeralMessage, 'ts'>): EphemeralMessage {
    const stored: EphemeralMessage = { ...ephemeral, ts: this.nextTs() };
    this.ephemeralLog.push(stored);
    this.onChange({ kind: 'ephemeral', ephemeral: { ...stored } });
    return stored;
  }

  messages(channel?: string): SlackMessage[] {
    const lists = channel === undefined ? [...this.history.values()] : [this.history.get(channel) ?? []];
    return lists
      .flat()
      .map(snapshot)
      .sort((a, b) => compareTs(a.ts, b.ts));
  }

  ephemerals(user?: string): EphemeralMessage[] {
    return this.ephemeralLog.filter((e) => user === undefined || e.user === user).map((e) => ({ ...e }));
  }
}

/** Callers get copies so a later chat.update cannot change a message a test already holds. */
export function snapshot(message: SlackMessage): SlackMessage {
  return structuredClone(message);
}

/** Slack ts strings are fixed-width decimals; comparing them as text avoids float rounding. */
export function compareTs(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
