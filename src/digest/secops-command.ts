import type { App } from '@slack/bolt';
import type { Block, KnownBlock } from '@slack/web-api';
import type { Logger } from 'winston';
import type { Responders } from '../slack/responders.js';
import type { DigestService } from './digest-service.js';

const SECOPS_HELP = [
  '*`/secops` — security operations status*',
  '• `/secops status` — post the Daily SecOps Status here now: the Nanitor health score and open P0 issues ' +
    '(✅ / ⚠️ / ❌), the change since the last scheduled digest, and the last 24 h of confirmations and SLA breaches. ' +
    "If I'm not a member of this channel, only you will see it.",
  '• `/secops ask @someone <what happened>` — ask that person "did you do this?" as a detector would; ' +
    'a "no", a failed Duo check or no answer reaches the escalation channel',
  '• `/secops help` — this message',
  'The same digest is posted on a schedule in the digest channel; asking here does not replace it. ' +
    '`status` and `ask` are for security responders.',
].join('\n');

const SECOPS_USAGE =
  'Usage: `/secops status` or `/secops help`; responders can also `/secops ask @someone <what happened>`.';
const ASK_USAGE =
  'Usage: `/secops ask @someone <what happened>`, e.g. `/secops ask @alice a sudo on prod-db at 02:14`.';

const NANITOR_OFF =
  'The SecOps digest is off: Nanitor is not configured (NANITOR_BASE_URL and NANITOR_API_TOKEN are not set), ' +
  'so there is no health score or P0 count to show.';

/** What `/secops ask` hands the confirmation feature: the same alert a REST call would create. */
export interface AskInput {
  user: string;
  title: string;
  description: string;
  reason: string;
  source: 'internal';
}
export type AskFn = (input: AskInput) => Promise<{ id: number; status: string; created: boolean }>;

export interface SecopsCommandDeps {
  service: DigestService | null;
  logger: Logger;
  /** who may run status and ask; without it (older wiring) status stays open */
  responders?: Responders;
  /** the confirmation feature's intake; without it `ask` says it is off */
  ask?: AskFn;
}

/** A mention as Slack sends it with should_escape (`<@U…|name>`) or without the name (`<@U…>`). */
const ASK = /^ask\s+<@([UW][A-Z0-9]{2,30})(?:\|[^>]{0,80})?>\s+([\s\S]+)$/i;
const TITLE_MAX = 120;
const DESCRIPTION_MAX = 3000;

/** `/secops status|ask|help`. Acks at once (Slack allows 3 s), then does the slow part. */
export function registerSecopsCommand(app: App, deps: SecopsCommandDeps): void {
  const refusal = async (userId: string, what: string): Promise<string | null> => {
    if (!deps.responders || (await deps.responders.isResponder(userId))) return null;
    return `Only ${deps.responders.describe()} may ${what}.`;
  };

  app.command('/secops', async ({ command, ack, respond }) => {
    const text = command.text.trim();
    const sub = text.split(/\s+/, 1)[0]!.toLowerCase();
    if (sub === 'help') return ack({ response_type: 'ephemeral', text: SECOPS_HELP });
    if (sub === 'ask') {
      const refused = await refusal(command.user_id, 'ask someone about a security event');
      if (refused) return ack({ response_type: 'ephemeral', text: refused });
      return ack({ response_type: 'ephemeral', text: await ask(deps, text, command.user_id, command.user_name) });
    }
    if (sub !== 'status') {
      const shown = text.length > 0 ? 'I do not know that one. ' : '';
      return ack({ response_type: 'ephemeral', text: `${shown}${SECOPS_USAGE}` });
    }
    const refused = await refusal(command.user_id, 'run `/secops status`');
    if (refused) return ack({ response_type: 'ephemeral', text: refused });
    if (!deps.service) return ack({ response_type: 'ephemeral', text: NANITOR_OFF });
    await ack();
    try {
      await deps.service.postOnDemand({
        userId: command.user_id,
        channel: command.channel_id,
        showEphemeral: async (digest) => {
          await respond({
            response_type: 'ephemeral',
            text: digest.text,
            blocks: digest.blocks as (KnownBlock | Block)[],
          });
        },
      });
    } catch (err) {
      deps.logger.error('/secops status failed', { component: 'digest', user: command.user_id, err });
      await respond({
        response_type: 'ephemeral',
        text: 'Sorry, the digest could not be built or shown. The error is in the bot logs.',
      }).catch(() => {});
    }
  });
}

/** Creates the alert and says what happened to the asker; the DM itself goes out in the background. */
async function ask(deps: SecopsCommandDeps, text: string, askerId: string, askerName: string): Promise<string> {
  if (!deps.ask) return 'Asking is off: the confirmation feature is not running.';
  const m = ASK.exec(text);
  if (!m) return ASK_USAGE;
  const [, userId, what] = m as unknown as [string, string, string];
  const happened = what.trim();
  if (happened.length > DESCRIPTION_MAX) return `Please keep it under ${DESCRIPTION_MAX} characters.`;
  const firstLine = happened.split('\n', 1)[0]!;
  const title = firstLine.length > TITLE_MAX ? `${firstLine.slice(0, TITLE_MAX - 1)}…` : firstLine;
  const who = /^[\w.-]{1,80}$/.test(askerName) ? askerName : askerId;
  try {
    const r = await deps.ask({
      user: userId,
      title,
      description: happened,
      reason: `asked by ${who} (${askerId})`,
      source: 'internal',
    });
    deps.logger.info('/secops ask', { component: 'confirm', alert: r.id, asker: askerId, user: userId });
    return `Asked <@${userId}> (alert #${r.id}). A "no", a failed Duo check or no answer goes to the escalation channel.`;
  } catch (err) {
    deps.logger.error('/secops ask failed', { component: 'confirm', asker: askerId, err });
    return 'Sorry, I could not create that alert. The error is in the bot logs.';
  }
}
