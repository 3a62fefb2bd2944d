/**
 * Slack entry points of the SLA feature: the notice buttons and `/hive`. Listeners ack first,
 * then answer the person who acted, ephemerally, with what happened or why not.
 */
import type { App, BlockButtonAction } from '@slack/bolt';
import { formatDuration } from '../core/duration.js';
import { escapeMrkdwn } from '../core/escape.js';
import type { Clock } from '../core/ports.js';
import type { HomeSignals } from '../feature.js';
import { displayId, PROMOTE_ACTION, SNOOZE_ACTION, severityName } from './notice-blocks.js';
import type { SlaRepository } from './repository.js';
import { type ResponderActions, SNOOZE_MINUTES_MAX, SNOOZE_MINUTES_MIN } from './responder-actions.js';

export const HIVE_USAGE =
  'Usage: `/hive promote <alertId>` · `/hive snooze <alertId> [minutes 1-1440]` · `/hive ack <alertId>` · `/hive list` · `/hive help`';

export interface SlaSlackDeps {
  /** null while TheHive is not configured: `/hive` then says so */
  actions: ResponderActions | null;
  repo: SlaRepository;
  clock: Clock;
  tiersOf: (severity: 1 | 2 | 3 | 4) => number;
  /** `/hive ack <alertId>` (the on-call feature); absent, `ack` is not offered */
  ack?: (alertId: string, userId: string) => Promise<{ message: string }>;
  /** a click on the Home tab has no response_url: its answer goes on the clicker's Home */
  home?: HomeSignals;
}

const NOT_CONFIGURED = 'TheHive is not configured (THEHIVE_URL is unset), so the SLA monitor is off.';

export function registerSlaListeners(app: App, d: SlaSlackDeps): void {
  for (const actionId of [PROMOTE_ACTION, SNOOZE_ACTION]) {
    app.action<BlockButtonAction>(actionId, async ({ ack, action, body, respond }) => {
      await ack();
      const reply = async (text: string) =>
        respond
          ? respond({ response_type: 'ephemeral', replace_original: false, text })
          : d.home?.reply(body.user.id, text);
      if (!d.actions) return void (await reply(NOT_CONFIGURED));
      const alertId = action.value ?? '';
      const outcome =
        actionId === PROMOTE_ACTION
          ? await d.actions.promote(alertId, body.user.id)
          : await d.actions.snooze(alertId, body.user.id);
      await reply(outcome.message);
    });
  }

  app.command('/hive', async ({ ack, command, respond }) => {
    await ack();
    const reply = (text: string) => respond({ response_type: 'ephemeral', text });
    const [sub = 'help', alertId, extra, ...rest] = command.text.trim().split(/\s+/).filter(Boolean);
    const verb = sub.toLowerCase();
    if (verb === 'help') return void (await reply(HIVE_USAGE));
    if (!d.actions) return void (await reply(NOT_CONFIGURED));
    if (verb === 'list' && alertId === undefined) {
      // Alert titles can carry sensitive detail, so the list is for responders like the actions are.
      const refused = await d.actions.refuse(command.user_id);
      return void (await reply(refused ? refused.message : await listText(d)));
    }
    if (verb === 'ack' && d.ack && alertId !== undefined && extra === undefined) {
      return void (await reply((await d.ack(alertId, command.user_id)).message));
    }
    if (verb === 'promote' && alertId !== undefined && extra === undefined) {
      return void (await reply((await d.actions.promote(alertId, command.user_id)).message));
    }
    if (verb === 'snooze' && alertId !== undefined && rest.length === 0) {
      const minutes = extra === undefined ? undefined : Number(extra);
      if (
        minutes !== undefined &&
        (!/^\d+$/.test(extra!) || minutes < SNOOZE_MINUTES_MIN || minutes > SNOOZE_MINUTES_MAX)
      ) {
        return void (await reply(
          `Minutes must be a whole number from ${SNOOZE_MINUTES_MIN} to ${SNOOZE_MINUTES_MAX}.\n${HIVE_USAGE}`,
        ));
      }
      return void (await reply((await d.actions.snooze(alertId, command.user_id, minutes)).message));
    }
    await reply(HIVE_USAGE);
  });
}

const LIST_LIMIT = 25;

async function listText(d: SlaSlackDeps): Promise<string> {
  const open = await d.repo.alerts.listOpen(LIST_LIMIT);
  if (open.length === 0) return 'No open TheHive alerts are being tracked.';
  const now = d.clock.now().getTime();
  const total = await d.repo.alerts.countOpen();
  const lines = open.map((a) => {
    const tier = a.firedTier < 0 ? 'no tier yet' : `tier ${a.firedTier + 1} of ${d.tiersOf(a.severity)} breached`;
    const snoozed =
      a.snoozedUntil !== null && a.snoozedUntil > now ? `, snoozed ${formatDuration(a.snoozedUntil - now)}` : '';
    const next = a.nextDue === null ? 'nothing more due' : `next in ${formatDuration(Math.max(0, a.nextDue - now))}`;
    return `• \`${displayId(a.alertId)}\` sev ${severityName(a.severity)}, age ${formatDuration(now - a.createdAt)}, ${tier}${snoozed}, ${next} — ${escapeMrkdwn(a.title, 80)}`;
  });
  const more = total > open.length ? `\n…and ${total - open.length} more.` : '';
  return `*Open TheHive alerts (${total}):*\n${lines.join('\n')}${more}`;
}
