import { blockKitErrors } from './block-limits.js';
import { messageObject } from './payloads.js';
import type { Block } from './types.js';
import type { Workspace } from './workspace.js';

export type ApiParams = Record<string, unknown>;
export type ApiBody = { ok: true; [key: string]: unknown } | { ok: false; error: string; [key: string]: unknown };
export type MethodHandler = (params: ApiParams, workspace: Workspace) => ApiBody;

const MAX_TEXT_LENGTH = 40_000;

export function fail(error: string): ApiBody {
  return { ok: false, error };
}

/** Form bodies carry every value as a string; JSON bodies may carry numbers or booleans. */
export function stringParam(params: ApiParams, key: string): string | undefined {
  const value = params[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** @slack/web-api JSON-encodes arrays into form fields; JSON callers send them as arrays. */
export function blocksParam(params: ApiParams, key = 'blocks'): Block[] | undefined | 'invalid' {
  let value = params[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return 'invalid';
    }
  }
  if (!Array.isArray(value) || value.some((block) => typeof block !== 'object' || block === null)) return 'invalid';
  return value as Block[];
}

interface MessageContent {
  text: string;
  blocks?: Block[];
}

/** The text/blocks of a message, or Slack's error body for why there is none. */
function messageContent(params: ApiParams): MessageContent | { refused: ApiBody } {
  const blocks = blocksParam(params);
  if (blocks === 'invalid') return { refused: fail('invalid_blocks') };
  const errors = blocks ? blockKitErrors(blocks) : [];
  if (errors.length) return { refused: { ok: false, error: 'invalid_blocks', errors } };
  const text = stringParam(params, 'text') ?? '';
  const hasAttachments = stringParam(params, 'attachments') !== undefined || Array.isArray(params.attachments);
  if (text === '' && !blocks?.length && !hasAttachments) return { refused: fail('no_text') };
  if (text.length > MAX_TEXT_LENGTH) return { refused: fail('msg_too_long') };
  return blocks ? { text, blocks } : { text };
}

const postMessage: MethodHandler = (params, ws) => {
  const channel = ws.resolveChannel(stringParam(params, 'channel') ?? '');
  if (!channel) return fail('channel_not_found');
  if (!channel.members.includes(ws.botUserId)) return fail('not_in_channel');
  const content = messageContent(params);
  if ('refused' in content) return content.refused;
  const threadTs = stringParam(params, 'thread_ts');
  const message = ws.post({
    channel: channel.id,
    user: ws.botUserId,
    bot_id: ws.seed.botId,
    ...content,
    ...(threadTs ? { thread_ts: threadTs } : {}),
  });
  return { ok: true, channel: channel.id, ts: message.ts, message: messageObject(message, ws.seed) };
};

const update: MethodHandler = (params, ws) => {
  const channel = ws.resolveChannel(stringParam(params, 'channel') ?? '');
  if (!channel) return fail('channel_not_found');
  const existing = ws.find(channel.id, stringParam(params, 'ts') ?? '');
  if (!existing) return fail('message_not_found');
  // A bot token may only edit what that bot posted.
  if (existing.bot_id !== ws.seed.botId) return fail('cant_update_message');
  const content = messageContent(params);
  if ('refused' in content) return content.refused;
  const updated = ws.update(channel.id, existing.ts, { text: content.text, blocks: content.blocks })!;
  return {
    ok: true,
    channel: channel.id,
    ts: updated.ts,
    text: updated.text,
    message: messageObject(updated, ws.seed),
  };
};

const postEphemeral: MethodHandler = (params, ws) => {
  const channel = ws.resolveChannel(stringParam(params, 'channel') ?? '');
  if (!channel) return fail('channel_not_found');
  const user = ws.user(stringParam(params, 'user') ?? '');
  if (!user) return fail('user_not_found');
  if (!channel.members.includes(user.id)) return fail('user_not_in_channel');
  const content = messageContent(params);
  if ('refused' in content) return content.refused;
  const threadTs = stringParam(params, 'thread_ts');
  const ephemeral = ws.postEphemeral({
    channel: channel.id,
    user: user.id,
    ...content,
    ...(threadTs ? { thread_ts: threadTs } : {}),
    via: 'chat.postEphemeral',
  });
  return { ok: true, message_ts: ephemeral.ts };
};

const getPermalink: MethodHandler = (params, ws) => {
  const channel = ws.resolveChannel(stringParam(params, 'channel') ?? '');
  if (!channel) return fail('channel_not_found');
  const message = ws.find(channel.id, stringParam(params, 'message_ts') ?? '');
  if (!message) return fail('message_not_found');
  const threadQuery = message.thread_ts ? `?thread_ts=${message.thread_ts}&cid=${channel.id}` : '';
  return {
    ok: true,
    channel: channel.id,
    permalink: `https://${ws.seed.teamDomain}.slack.com/archives/${channel.id}/p${message.ts.replace('.', '')}${threadQuery}`,
  };
};

export const chatMethods: Record<string, MethodHandler> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.postEphemeral': postEphemeral,
  'chat.getPermalink': getPermalink,
};
