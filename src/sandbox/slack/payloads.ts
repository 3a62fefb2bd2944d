import { randomBytes, randomUUID } from 'node:crypto';
import type { Block, SimChannel, SimUser, SlackMessage, WorkspaceSeed } from './types.js';

/** Slack's ids are upper-case alphanumerics behind a type prefix (`Ev…`, trigger ids are dotted numbers). */
function slackId(prefix: string, length = 10): string {
  return prefix + randomBytes(length).toString('hex').toUpperCase().slice(0, length);
}

export function newEventId(): string {
  return slackId('Ev');
}

export function newTriggerId(): string {
  return `${Date.now()}.${Math.floor(Math.random() * 1e12)}.${randomBytes(16).toString('hex')}`;
}

export function channelType(channelId: string): 'im' | 'mpim' | 'group' | 'channel' {
  if (channelId.startsWith('D')) return 'im';
  if (channelId.startsWith('G')) return 'group';
  return 'channel';
}

/** Slash commands and block_actions name a DM `directmessage`, not by the other party. */
export function channelName(channel: SimChannel): string {
  return channel.id.startsWith('D') ? 'directmessage' : channel.name;
}

export function botProfile(seed: WorkspaceSeed) {
  return { id: seed.botId, app_id: seed.appId, name: 'secops-bot', deleted: false, team_id: seed.teamId };
}

/** The `message` object chat.postMessage/chat.update return and block_actions payloads carry. */
export function messageObject(message: SlackMessage, seed: WorkspaceSeed): Record<string, unknown> {
  const own = message.bot_id === seed.botId;
  return {
    type: 'message',
    ...(message.subtype ? { subtype: message.subtype } : {}),
    text: message.text,
    user: message.user,
    ts: message.ts,
    team: seed.teamId,
    ...(message.bot_id ? { bot_id: message.bot_id } : {}),
    ...(own ? { app_id: seed.appId, bot_profile: botProfile(seed) } : {}),
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
  };
}

/** The `message` event Slack sends when something is posted where the app listens. */
export function messageEvent(message: SlackMessage, seed: WorkspaceSeed): Record<string, unknown> {
  return {
    ...messageObject(message, seed),
    ...(message.bot_id ? {} : { client_msg_id: randomUUID() }),
    channel: message.channel,
    event_ts: message.ts,
    channel_type: channelType(message.channel),
  };
}

export function appMentionEvent(message: SlackMessage, seed: WorkspaceSeed): Record<string, unknown> {
  return {
    type: 'app_mention',
    client_msg_id: randomUUID(),
    text: message.text,
    user: message.user,
    ts: message.ts,
    team: seed.teamId,
    channel: message.channel,
    event_ts: message.ts,
    ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
  };
}

export function messageChangedEvent(
  before: SlackMessage,
  after: SlackMessage,
  seed: WorkspaceSeed,
  eventTs: string,
): Record<string, unknown> {
  return {
    type: 'message',
    subtype: 'message_changed',
    message: { ...messageObject(after, seed), edited: { user: after.user, ts: eventTs } },
    previous_message: messageObject(before, seed),
    channel: after.channel,
    hidden: true,
    ts: eventTs,
    event_ts: eventTs,
    channel_type: channelType(after.channel),
  };
}

/** Wraps an event the way the Events API does, including the authorization of our bot user. */
export function eventCallback(event: Record<string, unknown>, seed: WorkspaceSeed, nowMs: number) {
  return {
    token: 'sim-verification-token',
    team_id: seed.teamId,
    context_team_id: seed.teamId,
    api_app_id: seed.appId,
    event,
    type: 'event_callback',
    event_id: newEventId(),
    event_time: Math.floor(nowMs / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: seed.teamId,
        user_id: seed.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}

/** Slack posts slash commands as form fields, so every value is a string. */
export function slashCommandPayload(args: {
  user: SimUser;
  channel: SimChannel;
  command: string;
  text: string;
  seed: WorkspaceSeed;
  responseUrl: string;
}): Record<string, string> {
  const { user, channel, seed } = args;
  return {
    token: 'sim-verification-token',
    team_id: seed.teamId,
    team_domain: seed.teamDomain,
    channel_id: channel.id,
    channel_name: channelName(channel),
    user_id: user.id,
    user_name: user.name,
    command: args.command,
    text: args.text,
    api_app_id: seed.appId,
    is_enterprise_install: 'false',
    response_url: args.responseUrl,
    trigger_id: newTriggerId(),
  };
}

export function blockActionsPayload(args: {
  user: SimUser;
  channel: SimChannel;
  message: SlackMessage;
  action: { action_id: string; block_id: string; value?: string; text?: unknown; style?: string };
  seed: WorkspaceSeed;
  responseUrl: string;
  nowMs: number;
}) {
  const { user, channel, message, action, seed } = args;
  return {
    type: 'block_actions',
    user: { id: user.id, username: user.name, name: user.name, team_id: seed.teamId },
    api_app_id: seed.appId,
    token: 'sim-verification-token',
    container: {
      type: 'message',
      message_ts: message.ts,
      channel_id: channel.id,
      is_ephemeral: false,
    },
    trigger_id: newTriggerId(),
    team: { id: seed.teamId, domain: seed.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channel.id, name: channelName(channel) },
    message: messageObject(message, seed),
    state: { values: {} },
    response_url: args.responseUrl,
    actions: [
      {
        action_id: action.action_id,
        block_id: action.block_id,
        ...(action.text ? { text: action.text } : {}),
        ...(action.value !== undefined ? { value: action.value } : {}),
        ...(action.style ? { style: action.style } : {}),
        type: 'button',
        action_ts: (args.nowMs / 1000).toFixed(6),
      },
    ],
  };
}

/** Finds a button by action_id in a message's blocks (section accessories and actions blocks). */
export function findButton(
  blocks: Block[] | undefined,
  actionId: string,
): { action_id: string; block_id: string; value?: string; text?: unknown; style?: string } | undefined {
  for (const [index, block] of (blocks ?? []).entries()) {
    // Slack fills in a block_id when the app sent none; any stable value will do.
    const blockId = typeof block.block_id === 'string' ? block.block_id : `block-${index}`;
    const elements = [
      ...(Array.isArray(block.elements) ? block.elements : []),
      ...(block.accessory ? [block.accessory] : []),
    ] as Record<string, unknown>[];
    const button = elements.find((el) => el.type === 'button' && el.action_id === actionId);
    if (button) {
      return {
        action_id: actionId,
        block_id: blockId,
        value: typeof button.value === 'string' ? button.value : undefined,
        text: button.text,
        style: typeof button.style === 'string' ? button.style : undefined,
      };
    }
  }
  return undefined;
}

/** The user object users.info and users.lookupByEmail return. */
export function userObject(user: SimUser, seed: WorkspaceSeed): Record<string, unknown> {
  return {
    id: user.id,
    team_id: seed.teamId,
    name: user.name,
    deleted: user.deleted,
    real_name: user.realName,
    tz: user.tz,
    is_admin: false,
    is_owner: false,
    is_bot: user.isBot,
    is_app_user: false,
    updated: 1_700_000_000,
    profile: {
      real_name: user.realName,
      display_name: user.name,
      first_name: user.firstName,
      last_name: user.lastName,
      ...(user.email ? { email: user.email } : {}),
      ...(user.botId ? { bot_id: user.botId } : {}),
      team: seed.teamId,
    },
  };
}
