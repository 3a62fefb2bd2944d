import type { App } from '@slack/bolt';
import type { Block, KnownBlock } from '@slack/web-api';
import type { Logger } from 'winston';
import type { DigestService } from './digest-service.js';

const SECOPS_HELP = [
  '*`/secops` — security operations status*',
  '• `/secops status` — post the Daily SecOps Status here now: the Nanitor health score and open P0 issues ' +
    '(✅ / ⚠️ / ❌), the change since the last scheduled digest, and the last 24 h of confirmations and SLA breaches. ' +
    "If I'm not a member of this channel, only you will see it.",
  '• `/secops help` — this message',
  'The same digest is posted on a schedule in the digest channel; asking here does not replace it.',
].join('\n');

const SECOPS_USAGE = 'Usage: `/secops status` or `/secops help`.';

const NANITOR_OFF =
  'The SecOps digest is off: Nanitor is not configured (NANITOR_BASE_URL and NANITOR_API_TOKEN are not set), ' +
  'so there is no health score or P0 count to show.';

/** `/secops status|help`. Acks at once (Slack allows 3 s), then builds the digest, which can take longer. */
export function registerSecopsCommand(app: App, deps: { service: DigestService | null; logger: Logger }): void {
  app.command('/secops', async ({ command, ack, respond }) => {
    const sub = command.text.trim().toLowerCase();
    if (sub === 'help') return ack({ response_type: 'ephemeral', text: SECOPS_HELP });
    if (sub !== 'status') {
      const shown = command.text.trim().length > 0 ? 'I do not know that one. ' : '';
      return ack({ response_type: 'ephemeral', text: `${shown}${SECOPS_USAGE}` });
    }
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
