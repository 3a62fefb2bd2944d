/** Small Block Kit helpers shared by the Home views. Sections are verbatim so Slack links nothing. */
import { truncateText } from '../core/escape.js';
import type { Block } from './block-budget.js';

export const mrkdwn = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });
export const section = (text: string): Block => ({ type: 'section', text: mrkdwn(text) });
export const context = (text: string): Block => ({ type: 'context', elements: [mrkdwn(text)] });
export const header = (text: string): Block => ({
  type: 'header',
  text: { type: 'plain_text', text: truncateText(text, 150), emoji: true },
});
export const divider = (): Block => ({ type: 'divider' });

export function button(
  actionId: string,
  text: string,
  value: string,
  style?: 'primary' | 'danger',
  confirm?: { title: string; text: string; yes: string },
): Block {
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text: truncateText(text, 75), emoji: true },
    value,
    ...(style ? { style } : {}),
    ...(confirm
      ? {
          confirm: {
            title: { type: 'plain_text', text: truncateText(confirm.title, 100) },
            text: { type: 'plain_text', text: truncateText(confirm.text, 300) },
            confirm: { type: 'plain_text', text: truncateText(confirm.yes, 30) },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        }
      : {}),
  };
}

/** block_ids must be unique within a view, so each actions block is named after what it acts on. */
export const actions = (blockId: string, elements: Block[]): Block => ({
  type: 'actions',
  block_id: truncateText(blockId, 255),
  elements,
});

/** `<!date…>` shows in each reader's own zone; the fallback is UTC. */
export function when(ms: number, format = '{date_short_pretty} {time}'): string {
  const fallback = `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^${format}|${fallback}>`;
}

/** A mention only for a well-formed user id, so stored text can never become another control sequence. */
export function mentionOrLabel(who: string, escapeLabel: (s: string) => string): string {
  return /^[UW][A-Z0-9]{2,30}$/.test(who) ? `<@${who}>` : escapeLabel(who);
}
