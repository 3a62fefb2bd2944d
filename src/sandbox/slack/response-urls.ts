import { randomBytes } from 'node:crypto';
import { blockKitErrors } from './block-limits.js';
import { blocksParam, stringParam } from './chat-methods.js';
import type { MessageRef } from './types.js';
import type { Workspace } from './workspace.js';

/** Where a response_url (or a slash command's ack payload) lands: the invoking user, their channel, the clicked message. */
export interface ResponseTarget {
  userId: string;
  channelId: string;
  original?: MessageRef;
}

export interface ResponseReply {
  status: number;
  body: { ok: boolean; error?: string };
}

/** Issues response_urls for commands and clicks and applies what the app POSTs to them. */
export class ResponseUrls {
  private readonly targets = new Map<string, ResponseTarget>();

  constructor(
    private readonly workspace: Workspace,
    private readonly baseUrl: () => string,
  ) {}

  create(target: ResponseTarget): string {
    const id = randomBytes(12).toString('hex');
    this.targets.set(id, target);
    return `${this.baseUrl()}/respond/${id}`;
  }

  handle(id: string, body: unknown): ResponseReply {
    const target = this.targets.get(id);
    if (!target) return { status: 404, body: { ok: false, error: 'expired_url' } };
    if (typeof body !== 'object' || body === null)
      return { status: 400, body: { ok: false, error: 'invalid_payload' } };
    return applyResponse(this.workspace, target, body as Record<string, unknown>);
  }
}

function flag(value: unknown): boolean {
  return value === true || value === 'true';
}

/**
 * Applies a response message the way Slack does: delete or replace the original message, post in the
 * channel when `response_type` is `in_channel`, and otherwise show it only to the user (the default).
 */
export function applyResponse(
  workspace: Workspace,
  target: ResponseTarget,
  body: Record<string, unknown>,
): ResponseReply {
  const { original } = target;
  if (flag(body.delete_original)) {
    if (!original || !workspace.remove(original.channel, original.ts)) {
      return { status: 404, body: { ok: false, error: 'message_not_found' } };
    }
    return { status: 200, body: { ok: true } };
  }
  const blocks = blocksParam(body);
  if (blocks === 'invalid' || (blocks && blockKitErrors(blocks).length)) {
    return { status: 400, body: { ok: false, error: 'invalid_blocks' } };
  }
  const text = stringParam(body, 'text') ?? '';
  if (text === '' && !blocks?.length) return { status: 400, body: { ok: false, error: 'no_text' } };
  const threadTs = stringParam(body, 'thread_ts');

  if (flag(body.replace_original) && original) {
    const updated = workspace.update(original.channel, original.ts, { text, blocks });
    return updated
      ? { status: 200, body: { ok: true } }
      : { status: 404, body: { ok: false, error: 'message_not_found' } };
  }
  if (body.response_type === 'in_channel') {
    workspace.post({
      channel: target.channelId,
      user: workspace.botUserId,
      bot_id: workspace.seed.botId,
      text,
      ...(blocks ? { blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
    return { status: 200, body: { ok: true } };
  }
  workspace.postEphemeral({
    channel: target.channelId,
    user: target.userId,
    text,
    ...(blocks ? { blocks } : {}),
    ...(threadTs ? { thread_ts: threadTs } : {}),
    via: 'response_url',
  });
  return { status: 200, body: { ok: true } };
}
