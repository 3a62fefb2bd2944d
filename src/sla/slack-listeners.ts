/**
 * Slack entry points of the SLA feature: the notice buttons and `/hive`. Listeners ack first,
 * then answer the person who acted, ephemerally, with what happened or why not.
 */
import type { App, BlockButtonAction, RespondFn } from '@slack/bolt';
import type { Logger } from 'winston';
import { formatDuration } from '../core/duration.js';
import { escapeMrkdwn } from '../core/escape.js';
import type { Clock } from '../core/ports.js';
import type { HomeSignals } from '../feature.js';
import { clip } from '../log.js';
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
  logger: Logger;
}

const NOT_CONFIGURED = 'TheHive is not configured (THEHIVE_URL is unset), so the SLA monitor is off.';

const DATABASE_DOWN = "I can't reach the database right now, so I could not do that. Try again in a minute.";
const FAILED = 'Something went wrong and I could not do that; the bot log has the details.';

/**
 * Runs a listener's work after its ack so that the person always gets an answer: a failure
 * (the database down, a bug) becomes a reply saying so instead of silence.
 */
async function answering(
  d: SlaSlackDeps,
  what: string,
  reply: (text: string) => Promise<unknown>,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (err) {
    const database = isDatabaseFailure(err);
    d.logger.error(`${what} failed`, { component: 'sla', ...(database ? { reason: describe(err) } : { err }) });
    await reply(database ? DATABASE_DOWN : FAILED).catch((replyErr: unknown) =>
      d.logger.warn('could not tell the user that their command failed', { component: 'sla', err: replyErr }),
    );
  }
}

export function registerSlaListeners(app: App, d: SlaSlackDeps): void {
  for (const actionId of [PROMOTE_ACTION, SNOOZE_ACTION]) {
    app.action<BlockButtonAction>(actionId, async ({ ack, action, body, respond }) => {
      await ack();
      const reply = async (text: string) =>
        respond
          ? respond({ response_type: 'ephemeral', replace_original: false, text })
          : d.home?.reply(body.user.id, text);
      await answering(d, actionId, reply, async () => {
        if (!d.actions) return void (await reply(NOT_CONFIGURED));
        const alertId = action.value ?? '';
        const outcome =
          actionId === PROMOTE_ACTION
            ? await d.actions.promote(alertId, body.user.id)
            : await d.actions.snooze(alertId, body.user.id);
        await reply(outcome.message);
      });
    });
  }

  app.command('/hive', async ({ ack, command, respond }) => {
    await ack();
    const reply = (text: string) => respond({ response_type: 'ephemeral', text });
    await answering(d, '/hive', reply, () => hive(d, command.text, command.user_id, reply));
  });
}

async function hive(
  d: SlaSlackDeps,
  text: string,
  userId: string,
  reply: (text: string) => ReturnType<RespondFn>,
): Promise<void> {
  const [sub = 'help', alertId, extra, ...rest] = text.trim().split(/\s+/).filter(Boolean);
  const verb = sub.toLowerCase();
  if (verb === 'help') return void (await reply(HIVE_USAGE));
  if (!d.actions) return void (await reply(NOT_CONFIGURED));
  if (verb === 'list' && alertId === undefined) {
    // Alert titles can carry sensitive detail, so the list is for responders like the actions are.
    const refused = await d.actions.refuse(userId);
    return void (await reply(refused ? refused.message : await listText(d)));
  }
  if (verb === 'ack' && d.ack && alertId !== undefined && extra === undefined) {
    return void (await reply((await d.ack(alertId, userId)).message));
  }
  if (verb === 'promote' && alertId !== undefined && extra === undefined) {
    return void (await reply((await d.actions.promote(alertId, userId)).message));
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
    return void (await reply((await d.actions.snooze(alertId, userId, minutes)).message));
  }
  await reply(HIVE_USAGE);
}

/**
 * Failures of the store, on either dialect: knex's pool giving up, a connection refused or lost
 * (mysql2), a locked or unopenable file (SQLite). Not exhaustive; anything else is reported as
 * a plain failure, which is still an answer.
 */
function isDatabaseFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'KnexTimeoutError' || err.name === 'SqliteError') return true;
  if (/^Unable to acquire a connection|^aborted$|pool is probably full/i.test(clip(err.message, 100))) return true;
  const code = (err as { code?: unknown }).code;
  return (
    typeof code === 'string' &&
    (/^(ER_|SQLITE_|PROTOCOL_)/.test(code) ||
      ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code))
  );
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return clip(String(err));
  const code = (err as { code?: unknown }).code;
  return clip(`${err.name}${typeof code === 'string' ? ` ${code}` : ''}: ${err.message}`, 300);
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
