/**
 * What the user sees in their DM while a push is out, and the one seam through which those DMs
 * are sent and updated (today the Slack outbox; re-point `sendDm`/`updateDm` to move them).
 */
import { escapeMrkdwn } from '../../core/escape.js';
import type { ConfirmContext } from '../context.js';
import type { ConfirmAlert } from '../types.js';

type Block = Record<string, unknown>;
export type DmMessage = { text: string; blocks: Block[] };

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });
const section = (text: string): Block => ({ type: 'section', text: mrkdwn(text) });
const context = (text: string): Block => ({ type: 'context', elements: [mrkdwn(text)] });

export function pushSentMessage(alert: ConfirmAlert, deviceName: string, code: string | null): DmMessage {
  const device = escapeMrkdwn(deviceName, 80);
  const lines = [`:iphone: I sent a Duo Push to *${device}*. Approve it on your phone to confirm it was you.`];
  if (code) lines.push(`:1234: Duo will ask for a verification code: type *${escapeMrkdwn(code, 16)}* in Duo Mobile.`);
  return {
    text: `Duo Push sent to ${device}: approve it to confirm alert #${alert.id}`,
    blocks: [
      section(lines.join('\n')),
      context(`Alert #${alert.id}: ${escapeMrkdwn(alert.title, 150)} · the push times out after about a minute`),
    ],
  };
}

/** The push message once it is over: no code, no instructions left to follow. */
export function pushSettledMessage(alert: ConfirmAlert, deviceName: string | null, outcome: string): DmMessage {
  const device = deviceName ? ` to *${escapeMrkdwn(deviceName, 80)}*` : '';
  return {
    text: `Duo Push for alert #${alert.id}: ${outcome}`,
    blocks: [
      section(`Duo Push${device}: ${outcome}`),
      context(`Alert #${alert.id}: ${escapeMrkdwn(alert.title, 150)}`),
    ],
  };
}

export async function sendDm(ctx: ConfirmContext, channel: string, message: DmMessage): Promise<string | null> {
  try {
    return (await ctx.outbox.post({ channel, ...message })).ts;
  } catch (err) {
    ctx.logger.warn('confirm: push DM failed', { channel, err });
    return null;
  }
}

export async function updateDm(ctx: ConfirmContext, channel: string, ts: string, message: DmMessage): Promise<void> {
  try {
    await ctx.outbox.update({ channel, ts, ...message });
  } catch (err) {
    ctx.logger.warn('confirm: push DM update failed', { channel, err });
  }
}
