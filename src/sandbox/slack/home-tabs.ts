import { createHash, randomBytes } from 'node:crypto';
import { blockKitErrors } from './block-limits.js';
import { type ApiBody, type ApiParams, fail, type MethodHandler, stringParam } from './chat-methods.js';
import { findButton, newTriggerId } from './payloads.js';
import type { Block, EnvelopeType, SimUser, WorkspaceSeed } from './types.js';
import type { Workspace } from './workspace.js';

/** Slack's documented limits for a Home tab view (docs.slack.dev/reference/views/home-tab-views). */
export const HOME_VIEW_LIMITS = { blocks: 100, bytes: 250_000, privateMetadata: 3000, callbackId: 255 } as const;

/** A Home tab as Slack holds it: one per user, replaced whole by each views.publish. */
export interface PublishedHome {
  userId: string;
  view: Record<string, unknown> & { id: string; hash: string; blocks: Block[] };
  /** how many times views.publish replaced it */
  publishes: number;
  publishedAt: number;
}

export interface HomeTabsOptions {
  /** views.publish calls allowed per minute for the app (Slack: Tier 4, "100+"); unset = no limit */
  publishPerMinute?: number;
  /** false answers views.publish with `not_enabled`, as for an app whose manifest has no Home tab */
  enabled?: boolean;
}

interface HomeTabsDeps {
  workspace: Workspace;
  deliver: (type: EnvelopeType, payload: Record<string, unknown>) => string;
  sendEvent: (event: Record<string, unknown>) => string;
  onPublish: (home: PublishedHome) => void;
}

const WINDOW_MS = 60_000;

function viewId(): string {
  return `V${randomBytes(5).toString('hex').toUpperCase()}`;
}

function hashOf(view: unknown, nowMs: number): string {
  return `${Math.floor(nowMs / 1000)}.${createHash('sha1').update(JSON.stringify(view)).digest('hex').slice(0, 8)}`;
}

/**
 * The App Home tab: `views.publish` with Slack's validation and error shapes, `app_home_opened`
 * events, and block_actions whose container is the view (no channel, no message, no response_url).
 */
export class HomeTabs {
  private readonly homes = new Map<string, PublishedHome>();
  private recentPublishes: number[] = [];
  readonly methods: Record<string, MethodHandler>;

  constructor(
    private readonly deps: HomeTabsDeps,
    private readonly options: HomeTabsOptions = {},
  ) {
    this.methods = { 'views.publish': (params) => this.publish(params, Date.now()) };
  }

  private get seed(): WorkspaceSeed {
    return this.deps.workspace.seed;
  }

  /** Seconds to wait when views.publish is over its per-minute allowance, else undefined. */
  retryAfter(method: string, nowMs: number): number | undefined {
    const limit = this.options.publishPerMinute;
    if (method !== 'views.publish' || limit === undefined) return undefined;
    this.recentPublishes = this.recentPublishes.filter((at) => nowMs - at < WINDOW_MS);
    if (this.recentPublishes.length < limit) {
      this.recentPublishes.push(nowMs);
      return undefined;
    }
    return Math.max(1, Math.ceil((this.recentPublishes[0]! + WINDOW_MS - nowMs) / 1000));
  }

  view(userId: string): PublishedHome | undefined {
    const home = this.homes.get(userId);
    return home ? structuredClone(home) : undefined;
  }

  all(): PublishedHome[] {
    return [...this.homes.values()].map((h) => structuredClone(h));
  }

  /** The user opens the app's Home tab; the event carries the current view when there is one. */
  open(user: SimUser, tab: 'home' | 'messages' = 'home'): string {
    const home = this.homes.get(user.id);
    return this.deps.sendEvent({
      type: 'app_home_opened',
      user: user.id,
      channel: this.deps.workspace.dmChannelFor(user.id),
      tab,
      event_ts: this.deps.workspace.nextTs(),
      ...(home && tab === 'home' ? { view: home.view } : {}),
    });
  }

  /** The user clicks a button on their published Home; throws when it has no such button. */
  click(user: SimUser, actionId: string, value?: string, nowMs = Date.now()): string {
    const home = this.homes.get(user.id);
    if (!home) throw new Error(`${user.id} has no published Home tab`);
    const candidates = home.view.blocks.filter((b) => findButton([b], actionId));
    const block =
      value === undefined ? candidates[0] : candidates.find((b) => findButton([b], actionId)?.value === value);
    const button = block ? findButton([block], actionId) : undefined;
    if (!button)
      throw new Error(
        `${user.id}'s Home has no ${actionId} button${value === undefined ? '' : ` with value ${value}`}`,
      );
    const blockId = typeof block?.block_id === 'string' ? block.block_id : button.block_id;
    return this.deps.deliver('interactive', {
      type: 'block_actions',
      user: { id: user.id, username: user.name, name: user.name, team_id: this.seed.teamId },
      api_app_id: this.seed.appId,
      token: 'sim-verification-token',
      container: { type: 'view', view_id: home.view.id },
      trigger_id: newTriggerId(),
      team: { id: this.seed.teamId, domain: this.seed.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
      view: home.view,
      actions: [
        {
          type: 'button',
          action_id: actionId,
          block_id: blockId,
          ...(button.text ? { text: button.text } : {}),
          ...(button.value !== undefined ? { value: button.value } : {}),
          ...(button.style ? { style: button.style } : {}),
          action_ts: (nowMs / 1000).toFixed(6),
        },
      ],
    });
  }

  private publish(params: ApiParams, nowMs: number): ApiBody {
    if (this.options.enabled === false) return fail('not_enabled');
    const userId = stringParam(params, 'user_id');
    const raw = params.view;
    if (!userId || raw === undefined) return invalidArguments(`missing required field: ${userId ? 'view' : 'user_id'}`);
    const user = this.deps.workspace.user(userId);
    if (!user || user.deleted || user.isBot) return fail('user_not_found');
    let view: unknown = raw;
    if (typeof raw === 'string') {
      if (Buffer.byteLength(raw) > HOME_VIEW_LIMITS.bytes) return fail('view_too_large');
      try {
        view = JSON.parse(raw);
      } catch {
        return invalidArguments('invalid json [json-pointer:/view]');
      }
    }
    const refusal = this.validate(view);
    if (refusal) return refusal;
    const current = this.homes.get(userId);
    const hash = stringParam(params, 'hash');
    if (hash !== undefined && current && hash !== current.view.hash) return fail('hash_conflict');
    const v = view as Record<string, unknown> & { blocks: Block[] };
    const id = current?.view.id ?? viewId();
    const stored: PublishedHome['view'] = {
      id,
      team_id: this.seed.teamId,
      type: 'home',
      blocks: v.blocks,
      private_metadata: typeof v.private_metadata === 'string' ? v.private_metadata : '',
      callback_id: typeof v.callback_id === 'string' ? v.callback_id : '',
      state: { values: {} },
      hash: hashOf(v, nowMs),
      title: { type: 'plain_text', text: 'View Title', emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: null,
      previous_view_id: null,
      root_view_id: id,
      app_id: this.seed.appId,
      external_id: typeof v.external_id === 'string' ? v.external_id : '',
      app_installed_team_id: this.seed.teamId,
      bot_id: this.seed.botId,
    };
    const home: PublishedHome = { userId, view: stored, publishes: (current?.publishes ?? 0) + 1, publishedAt: nowMs };
    this.homes.set(userId, home);
    this.deps.onPublish(structuredClone(home));
    return { ok: true, view: stored };
  }

  /**
   * A malformed view is `invalid_arguments` with a JSON pointer, as Slack answers a schema error;
   * a block over Block Kit's length limits is `invalid_blocks` with the same messages chat.* give.
   */
  private validate(view: unknown): ApiBody | null {
    if (typeof view !== 'object' || view === null || Array.isArray(view))
      return invalidArguments('invalid view [json-pointer:/view]');
    const v = view as Record<string, unknown>;
    if (v.type !== 'home') return invalidArguments('must be one of "home" [json-pointer:/view/type]');
    if (!Array.isArray(v.blocks)) return invalidArguments('missing required field: blocks [json-pointer:/view]');
    if (v.blocks.length > HOME_VIEW_LIMITS.blocks)
      return invalidArguments(`no more than ${HOME_VIEW_LIMITS.blocks} items allowed [json-pointer:/view/blocks]`);
    if (typeof v.private_metadata === 'string' && v.private_metadata.length > HOME_VIEW_LIMITS.privateMetadata)
      return invalidArguments(
        `must be less than ${HOME_VIEW_LIMITS.privateMetadata + 1} characters [json-pointer:/view/private_metadata]`,
      );
    const blocks = v.blocks as Block[];
    if (blocks.some((b) => typeof b !== 'object' || b === null || typeof b.type !== 'string'))
      return {
        ok: false,
        error: 'invalid_blocks',
        errors: ['missing required field: type [json-pointer:/view/blocks]'],
      };
    const ids = blocks.map((b) => b.block_id).filter((id): id is string => typeof id === 'string');
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate !== undefined)
      return {
        ok: false,
        error: 'invalid_blocks',
        errors: [`duplicate block_id ${duplicate} [json-pointer:/view/blocks]`],
      };
    const errors = blockKitErrors(blocks).map((e) => e.replace('[json-pointer:/blocks', '[json-pointer:/view/blocks'));
    return errors.length
      ? {
          ok: false,
          error: 'invalid_blocks',
          errors,
          response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
        }
      : null;
  }
}

function invalidArguments(message: string): ApiBody {
  return { ok: false, error: 'invalid_arguments', response_metadata: { messages: [`[ERROR] ${message}`] } };
}
