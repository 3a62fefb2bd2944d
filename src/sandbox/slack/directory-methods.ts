import { type ApiBody, fail, type MethodHandler, stringParam } from './chat-methods.js';
import { channelType, userObject } from './payloads.js';
import type { SimChannel } from './types.js';
import type { Workspace } from './workspace.js';

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

const authTest: MethodHandler = (_params, ws) => ({
  ok: true,
  url: `https://${ws.seed.teamDomain}.slack.com/`,
  team: ws.seed.teamName,
  user: ws.user(ws.botUserId)?.name ?? 'bot',
  team_id: ws.seed.teamId,
  user_id: ws.botUserId,
  bot_id: ws.seed.botId,
  is_enterprise_install: false,
});

function channelObject(channel: SimChannel, ws: Workspace): Record<string, unknown> {
  const type = channelType(channel.id);
  if (type === 'im') {
    return { id: channel.id, is_im: true, user: channel.members.find((m) => m !== ws.botUserId), is_open: true };
  }
  return {
    id: channel.id,
    name: channel.name,
    is_channel: true,
    is_private: false,
    is_member: channel.members.includes(ws.botUserId),
    num_members: channel.members.length,
  };
}

const conversationsOpen: MethodHandler = (params, ws) => {
  const channelParam = stringParam(params, 'channel');
  if (channelParam) {
    const channel = ws.channel(channelParam);
    return channel ? { ok: true, channel: channelObject(channel, ws) } : fail('channel_not_found');
  }
  const users = (stringParam(params, 'users') ?? '').split(',').filter(Boolean);
  if (users.length === 0) return fail('users_list_not_supplied');
  // Group DMs (mpim) are outside what the bot needs; Slack answers this for unsupported conversation kinds.
  if (users.length > 1) return fail('method_not_supported_for_channel_type');
  const user = ws.user(users[0]!);
  if (!user) return fail('user_not_found');
  if (user.deleted) return fail('user_disabled');
  const alreadyOpen = ws.channel(ws.dmChannelId(user.id)) !== undefined;
  const channel = ws.channel(ws.dmChannelFor(user.id))!;
  const full = stringParam(params, 'return_im') === 'true';
  return {
    ok: true,
    ...(alreadyOpen ? { no_op: true, already_open: true } : {}),
    channel: full ? channelObject(channel, ws) : { id: channel.id },
  };
};

/** Slack cursors are opaque base64; ours encode the next offset the same way Slack's encode the next id. */
function decodeCursor(cursor: string | undefined): number | undefined {
  if (!cursor) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

const conversationsMembers: MethodHandler = (params, ws) => {
  const channel = ws.channel(stringParam(params, 'channel') ?? '');
  if (!channel) return fail('channel_not_found');
  const offset = decodeCursor(stringParam(params, 'cursor'));
  if (offset === undefined || offset > channel.members.length) return fail('invalid_cursor');
  const requested = Number(stringParam(params, 'limit') ?? DEFAULT_PAGE_SIZE);
  if (!Number.isInteger(requested) || requested < 0) return fail('invalid_limit');
  const limit = Math.min(requested === 0 ? DEFAULT_PAGE_SIZE : requested, MAX_PAGE_SIZE);
  const members = channel.members.slice(offset, offset + limit);
  const next = offset + members.length;
  const nextCursor = next < channel.members.length ? Buffer.from(`offset:${next}`).toString('base64') : '';
  return { ok: true, members, response_metadata: { next_cursor: nextCursor } };
};

const conversationsInfo: MethodHandler = (params, ws) => {
  const channel = ws.channel(stringParam(params, 'channel') ?? '');
  return channel ? { ok: true, channel: channelObject(channel, ws) } : fail('channel_not_found');
};

const usersInfo: MethodHandler = (params, ws): ApiBody => {
  const user = ws.user(stringParam(params, 'user') ?? '');
  return user ? { ok: true, user: userObject(user, ws.seed) } : fail('user_not_found');
};

const lookupByEmail: MethodHandler = (params, ws): ApiBody => {
  const user = ws.userByEmail(stringParam(params, 'email') ?? '');
  return user ? { ok: true, user: userObject(user, ws.seed) } : fail('users_not_found');
};

export const directoryMethods: Record<string, MethodHandler> = {
  'auth.test': authTest,
  'conversations.open': conversationsOpen,
  'conversations.members': conversationsMembers,
  'conversations.info': conversationsInfo,
  'users.info': usersInfo,
  'users.lookupByEmail': lookupByEmail,
};
