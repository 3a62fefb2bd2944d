/**
 * Button clicks and DMs for the confirmation flow. Listeners ack first, then work; whatever the
 * clicker needs to know comes back as an ephemeral reply, so a refused click changes nothing.
 */
import type { App, BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import type { DmHandler } from '../slack/listeners/direct-messages.js';
import { answerNo, answerYes, mute, takeComment } from './answers.js';
import { ACTIONS } from './blocks.js';
import type { ConfirmContext } from './context.js';
import type { ConfirmAlert, IntakeInput } from './types.js';

type Answer = (ctx: ConfirmContext, value: string, by: string) => Promise<string | null>;

/** We cannot tell how far a failed click got, so say only that and what to do. */
const CLICK_FAILED =
  "Sorry, something went wrong on my side while handling that click, so I can't tell whether it counted. Please try again in a minute; if it keeps failing, contact the security team directly.";

export function registerConfirmListeners(app: App, ctx: ConfirmContext, track: <T>(p: Promise<T>) => Promise<T>): void {
  const button = (actionId: string, answer: Answer) => {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      let reply: string | null;
      try {
        reply = await track(answer(ctx, action.value ?? '', body.user.id));
      } catch (err) {
        ctx.logger.error('confirm: button handler failed', { action: actionId, value: action.value, err });
        reply = CLICK_FAILED;
      }
      // A click on the Home tab has no response_url, so Bolt gives no respond(): the Home shows the answer.
      if (reply) await (respond ? ephemeral(respond, reply) : ctx.home?.reply(body.user.id, reply));
    });
  };
  button(ACTIONS.yes, answerYes);
  button(ACTIONS.no, answerNo);
  button(ACTIONS.mute, mute);
  // Link buttons still send an interaction that must be acked; the browser does the rest.
  for (const linkOnly of [ACTIONS.duoOpen, ACTIONS.openLink]) {
    app.action(linkOnly, async ({ ack }) => {
      await ack();
    });
  }
}

async function ephemeral(respond: RespondFn, text: string): Promise<void> {
  await respond({ response_type: 'ephemeral', replace_original: false, text });
}

/** The test alert and what became of its question DM: recorded as sent, given up, or neither yet. */
export interface TestAlertOutcome {
  alert: ConfirmAlert;
  dm: 'sent' | 'failed' | 'unconfirmed';
}

/** DM `test`: a harmless alert for the sender, through the whole flow. */
export function testAlertHandler(raise: (input: IntakeInput) => Promise<TestAlertOutcome>): DmHandler {
  return async ({ command, userId, say }) => {
    if (command !== 'test') return false;
    const outcome = await raise({
      user: userId,
      title: TEST_TITLE,
      description: 'This is a harmless test alert you asked for. Answer it to see how a real one works.',
      reason: 'You typed "test" in a DM with me.',
      source: 'test',
    });
    await say(testOutcome(outcome));
    return true;
  };
}

const TEST_TITLE = 'Test alert';

/** What became of the test alert, in the user's words; never claims a DM was sent, or was not, unless known. */
function testOutcome({ alert, dm }: TestAlertOutcome): string {
  const n = `test alert #${alert.id}`;
  switch (alert.status) {
    case 'asked':
    case 'verifying':
      if (dm === 'sent') return `I've sent you ${n}. Nothing is wrong; answer it to see how a real one works.`;
      return dm === 'failed'
        ? `I couldn't deliver ${n} to you. Nothing is wrong.`
        : `I've queued ${n} for you, but Slack hasn't confirmed it yet; it should arrive shortly. Nothing is wrong.`;
    case 'ignored':
      return `I didn't send you ${n}: you muted alerts titled "${TEST_TITLE}", and the mute is still on. Nothing is wrong.`;
    case 'new':
      return `I couldn't look you up in Slack just now, so ${n} is not sent yet; I'll keep trying.`;
    case 'escalated':
      return `${n} went straight to the security team (${alert.escalationReason ?? 'escalated'}).`;
    default:
      return `${n} is ${alert.status}.`;
  }
}

/** After a "no", the user's next DM is their explanation. */
export function commentHandler(ctx: ConfirmContext): DmHandler {
  return async ({ userId, text, channel }) => takeComment(ctx, userId, text, channel);
}
