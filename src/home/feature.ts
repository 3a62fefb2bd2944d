/**
 * The App Home tab: employees see their own alerts and mutes, responders also see the team's
 * TheHive alerts, on-call, the last digest and the day's escalations. Built before the other
 * features (main.ts) so they can signal changes through `signals`.
 */
import type { App } from '@slack/bolt';
import type { Feature, FeatureDeps, HomeSignals } from '../feature.js';
import { RULE_REMOVE_ACTION } from './employee-sections.js';
import { HomeReader } from './home-reader.js';
import { buildHome } from './home-view.js';
import { HomeOpeners } from './openers.js';
import type { AckProvider, OnCallProvider } from './providers.js';
import { HomePublisher, type HomePublisherOptions } from './publisher.js';
import { removeIgnoreRule } from './rule-removal.js';
import type { ResponderExtras } from './view-model.js';

const TEAM_CACHE_MS = 300;

export interface HomeFeatureOptions {
  hiveConfigured: boolean;
  acks?: AckProvider | null;
  oncall?: OnCallProvider | null;
  publisher?: HomePublisherOptions;
}

export interface HomeFeature extends Feature {
  signals: HomeSignals;
  publisher: HomePublisher;
}

export function createHomeFeature(deps: FeatureDeps, opts: HomeFeatureOptions): HomeFeature {
  const logger = deps.logger.child({ component: 'home' });
  const openers = new HomeOpeners(deps.db);
  const reader = new HomeReader({
    db: deps.db,
    sla: deps.config.policy.sla,
    hiveConfigured: opts.hiveConfigured,
    acks: opts.acks ?? null,
    oncall: opts.oncall ?? null,
  });
  // Every responder's Home shows the same team sections: read them once per burst of publishes.
  // Any change signal drops the cache, so a publish caused by a change never shows what was before it.
  let team: { at: number; extras: Promise<ResponderExtras> } | null = null;
  const teamExtras = (now: number) => {
    if (!team || now - team.at > TEAM_CACHE_MS || now < team.at) team = { at: now, extras: reader.responder(now) };
    const current = team;
    current.extras.catch(() => {
      if (team === current) team = null;
    });
    return current.extras;
  };
  const publisher = new HomePublisher(
    {
      client: deps.slack,
      openers,
      isResponder: (userId) => deps.responders.isResponder(userId),
      logger,
      render: async (userId, notice) => {
        const now = deps.clock.now().getTime();
        const responder = (await deps.responders.isResponder(userId)) ? await teamExtras(now) : null;
        return { ...buildHome({ ...(await reader.employee(userId, now)), notice }, responder, now) };
      },
    },
    opts.publisher,
  );
  const signals: HomeSignals = {
    changed: (who) => {
      team = null;
      publisher.changed(who);
    },
    reply: (userId, text) => {
      team = null;
      publisher.reply(userId, text);
    },
  };

  return {
    name: 'home',
    signals,
    publisher,
    registerSlack(app: App) {
      app.event('app_home_opened', async ({ event }) => {
        // The event also fires for the Messages tab, which has nothing to publish.
        if (event.tab !== 'home') return;
        await publisher.opened(event.user, deps.clock.now().getTime());
      });
      app.action(RULE_REMOVE_ACTION, async ({ ack, body, action }) => {
        await ack();
        const value = 'value' in action && typeof action.value === 'string' ? action.value : '';
        const outcome = await removeIgnoreRule(deps.db, value, body.user.id, deps.clock.now().getTime());
        logger.info('home: ignore rule removal', { user: body.user.id, rule: value, ok: outcome.ok });
        signals.reply(body.user.id, outcome.message);
      });
    },
    async start() {
      logger.info('home: on; Home tabs are published for people who open them');
    },
    async stop() {
      await publisher.stop();
    },
  };
}
