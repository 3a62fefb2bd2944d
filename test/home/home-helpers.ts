import type { PublishedHome, SlackSimulator } from '../../src/sandbox/slack/index.js';
import { eventually } from '../sla/sla-helpers.js';

export const text = (home: PublishedHome | undefined) => (home ? JSON.stringify(home.view.blocks) : '');

/** Waits for `userId`'s published Home to satisfy `check` (a regexp on its blocks' JSON, or a predicate). */
export function waitForHome(
  sim: SlackSimulator,
  userId: string,
  check: RegExp | ((home: PublishedHome) => boolean),
  what = String(check),
  timeoutMs = 8000,
): Promise<PublishedHome> {
  return eventually(
    () => {
      const home = sim.home.view(userId);
      if (!home) return undefined;
      return (typeof check === 'function' ? check(home) : check.test(text(home))) ? home : undefined;
    },
    timeoutMs,
    `${userId}'s Home: ${what}`,
  );
}

export const HOME_FAST = { debounceMs: 30, perMinute: 6000, burst: 50 };

type Button = { action_id: string; value?: string };

/** Every button on a Home, in order (actions elements and section accessories). */
export function buttonsOf(home: PublishedHome | undefined): Button[] {
  return (home?.view.blocks ?? []).flatMap((b) => [
    ...((b.elements as Button[] | undefined) ?? []).filter((e) => (e as { type?: string }).type === 'button'),
    ...(b.accessory ? [b.accessory as Button] : []),
  ]);
}
