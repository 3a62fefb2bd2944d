/**
 * Block Kit for the confirmation flow. Pure: alert in, blocks out. Every piece of alert text is
 * untrusted and goes through escapeMrkdwn; sections are `verbatim` so Slack auto-links nothing.
 * Links from alerts only ever appear as a button's `url`, which Slack does not parse as mrkdwn.
 */

import type { EscalationReason } from '../core/confirm/state-machine.js';
import { formatDuration } from '../core/duration.js';
import { escapeMrkdwn, truncateText } from '../core/escape.js';
import { isSlackUserId } from './intake-validation.js';
import type { ConfirmAlert } from './types.js';

export const ACTIONS = {
  yes: 'confirm_yes',
  no: 'confirm_no',
  duoOpen: 'confirm_duo_open',
  openLink: 'confirm_open_link',
  mute: 'confirm_mute',
} as const;

type Block = Record<string, unknown>;

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });
const section = (text: string): Block => ({ type: 'section', text: mrkdwn(text) });
const context = (text: string): Block => ({ type: 'context', elements: [mrkdwn(text)] });
const plain = (text: string) => ({ type: 'plain_text', text: truncateText(text, 75), emoji: true });

/** A mention only for a well-formed user ID, so stored text can never become another control sequence. */
const mention = (userId: string) => (isSlackUserId(userId) ? `<@${userId}>` : escapeMrkdwn(userId, 64));

/** `<!date…>` renders in each reader's own time zone; the fallback is UTC. */
function when(ms: number): string {
  const fallback = new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${fallback} UTC>`;
}

function linkButton(url: string | null): Block[] {
  if (!url) return [];
  return [{ type: 'button', action_id: ACTIONS.openLink, text: plain('Open details'), url }];
}

/**
 * Slack refuses a whole message (invalid_blocks) when one section's text passes 3,000 chars, and
 * a max-size REST alert (title 200, description 3,000, reason 500) would. So the reason gets its
 * own section and the description is cut to fit beside the title and a short label.
 */
const TITLE_MAX = 200;
const DESCRIPTION_MAX = 2700;
const REASON_MAX = 500;

function what(alert: ConfirmAlert, label = ''): Block[] {
  const blocks = [
    section(`${label}*${escapeMrkdwn(alert.title, TITLE_MAX)}*\n${escapeMrkdwn(alert.description, DESCRIPTION_MAX)}`),
  ];
  if (alert.reason) blocks.push(section(`_Why you:_ ${escapeMrkdwn(alert.reason, REASON_MAX)}`));
  return blocks;
}

export function askMessage(alert: ConfirmAlert): { text: string; blocks: Block[] } {
  const test = alert.source === 'test' ? ' (test alert — nothing is wrong)' : '';
  const blocks: Block[] = [
    section(`:wave: *Security check${test}:* did you do this?`),
    ...what(alert),
    context(
      `Seen ${when(alert.createdAt)}${alert.deadline ? ` · please answer by ${when(alert.deadline)}` : ''} · alert #${alert.id}`,
    ),
    {
      type: 'actions',
      block_id: `confirm:${alert.id}`,
      elements: [
        {
          type: 'button',
          action_id: ACTIONS.yes,
          value: String(alert.id),
          style: 'primary',
          text: plain('Yes, it was me'),
        },
        {
          type: 'button',
          action_id: ACTIONS.no,
          value: String(alert.id),
          style: 'danger',
          text: plain("No, it wasn't me"),
        },
        ...linkButton(alert.url),
      ],
    },
  ];
  return { text: `Security check: did you do this? ${escapeMrkdwn(alert.title, 200)}`, blocks };
}

/** The ask message after it has been answered: no buttons left to click. */
export function answeredMessage(alert: ConfirmAlert, outcome: string): { text: string; blocks: Block[] } {
  return {
    text: `Security check: ${escapeMrkdwn(alert.title, 200)} — ${outcome}`,
    blocks: [...what(alert), context(`${outcome} · alert #${alert.id}`)],
  };
}

export function verifyMessage(
  alert: ConfirmAlert,
  authUrl: string,
  expiresAt: number,
): { text: string; blocks: Block[] } {
  return {
    text: 'Thanks. Please confirm it was you with Duo.',
    blocks: [
      section(
        `Thanks. To confirm it was you, open Duo and approve the request.\n:iphone: *Have your phone or security key ready first:* the Duo push times out after about a minute.`,
      ),
      {
        type: 'actions',
        block_id: `duo:${alert.id}`,
        elements: [
          {
            type: 'button',
            action_id: ACTIONS.duoOpen,
            style: 'primary',
            text: plain('Verify with Duo'),
            url: authUrl,
          },
        ],
      },
      context(`The link works once, until ${when(expiresAt)} · alert #${alert.id}`),
    ],
  };
}

export function confirmedMessage(alert: ConfirmAlert, muteChoicesMs: number[]): { text: string; blocks: Block[] } {
  return {
    text: 'Verified — thanks! Nothing else to do.',
    blocks: [
      section(`:white_check_mark: Verified with Duo — thanks! Nothing else to do for alert #${alert.id}.`),
      section(`Expecting more alerts titled *${escapeMrkdwn(alert.title, 200)}*? You can mute them for yourself:`),
      // One block per choice: Slack wants action_ids unique within a block, and one id keeps routing simple.
      ...muteChoicesMs.map((ms) => ({
        type: 'actions',
        block_id: `mute:${alert.id}:${ms}`,
        elements: [
          {
            type: 'button',
            action_id: ACTIONS.mute,
            value: `${alert.id}:${ms}`,
            text: plain(`Mute for ${formatDuration(ms)}`),
          },
        ],
      })),
    ],
  };
}

const REASON_LABELS: Record<EscalationReason, string> = {
  denied: 'the user said it was NOT them',
  '2fa_failed': 'the user said yes, but the Duo check failed',
  '2fa_unavailable': 'the user said yes, but it could not be verified (Duo unavailable)',
  no_response: 'no answer in time',
  unknown_user: 'no active Slack user matches this alert',
};

export function escalationMessage(alert: ConfirmAlert): { text: string; blocks: Block[] } {
  const reason = alert.escalationReason ?? 'denied';
  // The mention is built from the ID Slack resolved for us, never from alert text.
  const who = alert.userId ? mention(alert.userId) : `${escapeMrkdwn(alert.userRef, 191)} (not found in Slack)`;
  const test = alert.source === 'test' ? ' [TEST]' : '';
  const blocks: Block[] = [
    section(
      `:rotating_light: *Security alert escalated${test}:* ${REASON_LABELS[reason]} (\`${reason}\`)\n*Who:* ${who}`,
    ),
    ...what(alert, '*What:* '),
  ];
  const more: string[] = [];
  if (alert.outcomeDetail) more.push(`*Detail:* ${escapeMrkdwn(alert.outcomeDetail, 500)}`);
  if (alert.url) more.push(`*Link:* ${escapeMrkdwn(alert.url, 300)}`);
  if (more.length) blocks.push(section(more.join('\n')));
  if (alert.url) blocks.push({ type: 'actions', elements: linkButton(alert.url) });
  blocks.push(
    context(
      `Alert #${alert.id} · raised ${when(alert.createdAt)} · any explanation from the user follows in this thread`,
    ),
  );
  return { text: `Security alert #${alert.id} escalated: ${REASON_LABELS[reason]}`, blocks };
}

export function commentReply(userId: string, comment: string): string {
  return `Explanation from ${mention(userId)}:\n${escapeMrkdwn(comment, 2900)}`;
}
