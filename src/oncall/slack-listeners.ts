/**
 * Slack entry points of the on-call loop: the notice's Acknowledge button, `/hive ack` (wired
 * through the SLA listener's switch) and `/oncall`. Listeners ack first; acting is for
 * responders only, and a refusal says why.
 */
import type { App, BlockButtonAction } from '@slack/bolt';
import { formatDuration, parseDuration } from '../core/duration.js';
import type { OnCallPolicy } from '../core/oncall/rotation.js';
import { resolveSeniors } from '../core/oncall/rotation.js';
import type { Clock } from '../core/ports.js';
import type { HomeSignals } from '../feature.js';
import { ACK_ACTION } from '../sla/notice-blocks.js';
import type { Responders } from '../slack/responders.js';
import type { OnCallService } from './oncall-service.js';
import type { OverrideStore } from './override-store.js';
import { onCallSummary, smsAckAnswer } from './wording.js';

export const ONCALL_USAGE =
  'Usage: `/oncall` (who is on call) · `/oncall override @someone <duration, e.g. 2h>` · `/oncall clear` · `/oncall help`';

const OVERRIDE_MIN_MS = 60_000;
const OVERRIDE_MAX_MS = 14 * 86_400_000;

export interface OnCallSlackDeps {
  service: OnCallService;
  overrides: OverrideStore;
  policy: OnCallPolicy;
  responders: Responders;
  clock: Clock;
  /** Home tabs to refresh when an acknowledgement or override changes what they show */
  home?: HomeSignals;
}

/** `<@U123|name>` (should_escape: true) or `<@U123>`; null for anything else. */
export function parseUserMention(text: string): string | null {
  const m = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$/.exec(text);
  return m ? m[1]! : null;
}

/** Acknowledge from Slack, for the button and `/hive ack`: responders only. */
export async function slackAcknowledge(
  d: Pick<OnCallSlackDeps, 'service' | 'responders'>,
  alertId: string,
  userId: string,
) {
  if (!(await d.responders.isResponder(userId))) {
    return { ok: false, message: `Only ${d.responders.describe()} may acknowledge TheHive alerts.` };
  }
  if (!/^~?[A-Za-z0-9_-]{1,64}$/.test(alertId)) return { ok: false, message: 'That is not a TheHive alert id.' };
  const answer = await d.service.acknowledge(alertId, { slack: userId }, 'slack');
  return { ok: answer.kind === 'acked', message: smsAckAnswer(alertId, answer, d.service.tz) };
}

export function registerOnCallListeners(app: App, d: OnCallSlackDeps): void {
  app.action<BlockButtonAction>(ACK_ACTION, async ({ ack, action, body, respond }) => {
    await ack();
    const outcome = await slackAcknowledge(d, action.value ?? '', body.user.id);
    if (outcome.ok) d.home?.changed('responders');
    // A click on the Home has no response_url: the answer goes on the Home, as promote/snooze do.
    await (respond
      ? respond({ response_type: 'ephemeral', replace_original: false, text: outcome.message })
      : d.home?.reply(body.user.id, outcome.message));
  });

  app.command('/oncall', async ({ ack, command, respond }) => {
    await ack();
    const reply = (text: string) => respond({ response_type: 'ephemeral', text });
    const [verb = '', who, duration, ...rest] = command.text.trim().split(/\s+/).filter(Boolean);
    const sub = verb.toLowerCase();
    if (sub === '') {
      const now = d.clock.now().getTime();
      const summary = onCallSummary(
        await d.service.onCallNow(),
        resolveSeniors(d.policy),
        await d.overrides.current(now),
        now,
      );
      return void (await reply(summary));
    }
    if (sub === 'help') return void (await reply(ONCALL_USAGE));
    if (sub !== 'override' && sub !== 'clear') return void (await reply(ONCALL_USAGE));
    if (!(await d.responders.isResponder(command.user_id))) {
      return void (await reply(`Only ${d.responders.describe()} may change who is on call.`));
    }
    const now = d.clock.now().getTime();
    if (sub === 'clear') {
      if (who !== undefined) return void (await reply(ONCALL_USAGE));
      const ended = await d.overrides.clear(command.user_id, now);
      if (ended > 0) d.home?.changed('responders');
      return void (await reply(
        ended === 0 ? 'There was no override to clear.' : 'Override cleared: the rotation is back.',
      ));
    }
    const slack = who === undefined ? null : parseUserMention(who);
    if (slack === null || duration === undefined || rest.length > 0) return void (await reply(ONCALL_USAGE));
    let ms: number;
    try {
      ms = parseDuration(duration);
    } catch {
      return void (await reply(`"${duration.slice(0, 20)}" is not a duration such as 30m, 2h or 1d.\n${ONCALL_USAGE}`));
    }
    if (ms < OVERRIDE_MIN_MS || ms > OVERRIDE_MAX_MS) {
      return void (await reply('An override lasts from 1m to 14d.'));
    }
    await d.overrides.add({ slack, startsAt: now, endsAt: now + ms, by: command.user_id }, now);
    d.home?.changed('responders');
    await reply(`<@${slack}> is on call for the next ${formatDuration(ms)}; pages go to them.`);
  });
}
