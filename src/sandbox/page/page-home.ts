/**
 * The sandbox page's Home tab: open it as the selected person (Slack sends `app_home_opened`),
 * read the view the bot published, and click its buttons (view block_actions). Kept apart from
 * the page's other actions; page-server.ts mounts these routes and forwards `home` events.
 */
import type { PublishedHome, SlackSimulator } from '../slack/index.js';
import { PageActionError } from './page-actions.js';

type Json = Record<string, unknown>;

function field(body: Json, key: string, max: number, optional = false): string | undefined {
  const value = body[key];
  if (optional && (value === undefined || value === null || value === '')) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw new PageActionError(`${key} is required`);
  if (value.length > max) throw new PageActionError(`${key} is longer than ${max} characters`);
  return value;
}

function asPageError<T>(action: () => T): T {
  try {
    return action();
  } catch (err) {
    throw new PageActionError(err instanceof Error ? err.message : String(err));
  }
}

export function homeRoutes(slack: SlackSimulator): Record<string, (body: Json) => unknown> {
  return {
    '/api/home/open': (body) => ({ envelope: asPageError(() => slack.openHome(field(body, 'user', 40)!)) }),
    '/api/home/view': (body) => ({ home: slack.home.view(field(body, 'user', 40)!) ?? null }),
    '/api/home/click': (body) => ({
      envelope: asPageError(() =>
        slack.clickHomeButton(
          field(body, 'user', 40)!,
          field(body, 'actionId', 255)!,
          field(body, 'value', 2000, true),
        ),
      ),
    }),
  };
}

export type HomeEvent = { type: 'home'; item: PublishedHome };

/** Pushes every published Home to the page; returns the unsubscribe. */
export function watchHome(slack: SlackSimulator, publish: (event: HomeEvent) => void): () => void {
  const onHome = (item: PublishedHome) => publish({ type: 'home', item });
  slack.on('home', onHome);
  return () => slack.off('home', onHome);
}
