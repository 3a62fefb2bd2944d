/**
 * Button clicks and DMs for the confirmation flow. Listeners ack first, then work; whatever the
 * clicker needs to know comes back as an ephemeral reply, so a refused click changes nothing.
 */
import type { App, BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import type { DmHandler } from '../slack/listeners/direct-messages.js';
import { answerNo, answerYes, mute, takeComment } from './answers.js';
import { ACTIONS } from './blocks.js';
import type { ConfirmContext } from './context.js';
import type { IntakeInput, IntakeResult } from './types.js';

type Answer = (ctx: ConfirmContext, value: string, by: string) => Promise<string | null>;

export function registerConfirmListeners(app: App, ctx: ConfirmContext, track: <T>(p: Promise<T>) => Promise<T>): void {
  const button = (actionId: string, answer: Answer) => {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      const reply = await track(answer(ctx, action.value ?? '', body.user.id));
      if (reply) await ephemeral(respond, reply);
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

/** DM `test`: a harmless alert for the sender, through the whole flow. */
export function testAlertHandler(intake: (input: IntakeInput) => Promise<IntakeResult>): DmHandler {
  return async ({ command, userId, say }) => {
    if (command !== 'test') return false;
    const result = await intake({
      user: userId,
      title: 'Test alert',
      description: 'This is a harmless test alert you asked for. Answer it to see how a real one works.',
      reason: 'You typed `test` in a DM with me.',
      source: 'test',
    });
    await say(`OK — I'm sending you test alert #${result.id} now. Nothing is wrong.`);
    return true;
  };
}

/** After a "no", the user's next DM is their explanation. */
export function commentHandler(ctx: ConfirmContext): DmHandler {
  return async ({ userId, text, channel }) => takeComment(ctx, userId, text, channel);
}
