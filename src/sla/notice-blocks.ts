/**
 * What people read: the Slack notice (Block Kit), the SMS body and the spoken call text.
 * Pure functions of plain values, so every wording is testable without Slack or Twilio.
 */

import { formatDuration } from '../core/duration.js';
import { escapeMrkdwn, truncateText } from '../core/escape.js';
import { isSlackUserId } from '../core/oncall/policy.js';
import type { Severity } from '../core/ports.js';

export const PROMOTE_ACTION = 'hive_promote';
export const SNOOZE_ACTION = 'hive_snooze';
/** Handled by the on-call feature (src/oncall/slack-listeners.ts). */
export const ACK_ACTION = 'hive_ack';

const SEVERITY_NAMES: Record<Severity, string> = { 1: 'low', 2: 'medium', 3: 'high', 4: 'critical' };

export function severityName(severity: Severity): string {
  return `${severity} (${SEVERITY_NAMES[severity]})`;
}

/**
 * TheHive ids look like `~40968`; escaping would turn the tilde into a look-alike that cannot be
 * copied into `/hive`. A lone tilde cannot start strikethrough, so such ids are shown as they are.
 */
export function displayId(alertId: string): string {
  return /^~?[A-Za-z0-9_-]{1,64}$/.test(alertId) ? alertId : escapeMrkdwn(alertId, 64);
}

export interface NoticeView {
  alertId: string;
  severity: Severity;
  title: string;
  ageMs: number;
  /** e.g. "45m tier (2 of 3)" or "high-risk" */
  tierLabel: string;
  alertUrl: string;
  snoozeMs: number;
  snoozedUntil?: number | null;
  /** who acknowledged, how and until when (mrkdwn from src/oncall/wording.ts slackAckLine), if anyone has */
  acknowledged?: string | null;
  /** Slack user IDs of the people the tiers paged (rotation or override), mentioned in the notice */
  paged?: readonly string[];
  /** `by`: the Slack user who promoted it, null when not recorded */
  promoted?: { caseNumber: number; caseUrl: string; by: string | null } | null;
}

type Block = { type: string; [key: string]: unknown };

function mrkdwn(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text, verbatim: true } };
}

/**
 * `<@U…>` for each paged person. Only well-formed user IDs become mentions: anything else
 * (a hand-edited policy, a row from an older version) could otherwise inject `<!channel>`.
 */
export function pagedMentions(v: NoticeView): string | null {
  if (v.promoted) return null;
  const ids = [...new Set(v.paged ?? [])].filter(isSlackUserId);
  return ids.length > 0 ? ids.map((id) => `<@${id}>`).join(', ') : null;
}

export function noticeText(v: NoticeView): string {
  const head = v.promoted ? `Promoted to case #${v.promoted.caseNumber}` : `SLA breached (${v.tierLabel})`;
  const paged = pagedMentions(v);
  // The fallback text is mrkdwn too (and shown in push notifications), so TheHive's text is escaped here as well.
  const text = `${head}: TheHive alert ${displayId(v.alertId)}, severity ${severityName(v.severity)}: ${escapeMrkdwn(v.title, 150)}`;
  return paged ? `${text} — on call: ${paged}` : text;
}

export function noticeBlocks(v: NoticeView): Block[] {
  const headline = v.promoted
    ? `:white_check_mark: *Promoted to case #${v.promoted.caseNumber}*${v.promoted.by ? ` by <@${v.promoted.by}>` : ''} — <${v.promoted.caseUrl}|open the case>`
    : `:rotating_light: *TheHive SLA breached — ${escapeMrkdwn(v.tierLabel)}*`;
  const facts = [
    `*Title:* ${escapeMrkdwn(v.title, 300)}`,
    `*Severity:* ${severityName(v.severity)}    *Age:* ${formatDuration(v.ageMs)}    *Tier:* ${escapeMrkdwn(v.tierLabel)}`,
    `*Alert:* <${v.alertUrl}|${displayId(v.alertId)} in TheHive>`,
  ];
  const paged = pagedMentions(v);
  if (paged) facts.push(`*On call (paged):* ${paged}`);
  const blocks: Block[] = [mrkdwn(headline), mrkdwn(facts.join('\n'))];
  if (v.promoted) return blocks;
  if (v.acknowledged) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: v.acknowledged, verbatim: true }] });
  }
  if (v.snoozedUntil) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `:zzz: Snoozed until <!date^${Math.floor(v.snoozedUntil / 1000)}^{time}|${new Date(v.snoozedUntil).toISOString()}>`,
          verbatim: true,
        },
      ],
    });
  }
  blocks.push({
    type: 'actions',
    block_id: 'hive_notice_actions',
    elements: [
      {
        type: 'button',
        action_id: PROMOTE_ACTION,
        style: 'primary',
        text: { type: 'plain_text', text: 'Promote to case' },
        value: v.alertId,
      },
      {
        type: 'button',
        action_id: ACK_ACTION,
        text: { type: 'plain_text', text: 'Acknowledge' },
        value: v.alertId,
      },
      {
        type: 'button',
        action_id: SNOOZE_ACTION,
        text: { type: 'plain_text', text: `Snooze ${formatDuration(v.snoozeMs)}` },
        value: v.alertId,
      },
    ],
  });
  return blocks;
}

export interface PhoneFacts {
  alertId: string;
  severity: Severity;
  title: string;
  ageMs: number;
}

// Two concatenated segments hold 306 GSM-7 characters but only 134 UCS-2 ones; any character
// outside printable ASCII switches the whole message to UCS-2.
const TWO_SEGMENTS_ASCII = 306;
const TWO_SEGMENTS_UNICODE = 134;

/** Fits one or two SMS segments: the essentials first, the title last and cut short. */
export function smsBody(a: PhoneFacts): string {
  const head = `SecOps SLA: sev ${a.severity} ${SEVERITY_NAMES[a.severity]}, open ${formatDuration(a.ageMs)}, TheHive alert ${a.alertId}: `;
  const title = a.title.replace(/\s+/g, ' ').trim();
  const full = head + title;
  const limit = /^[\x20-\x7e]*$/.test(full) ? TWO_SEGMENTS_ASCII : TWO_SEGMENTS_UNICODE;
  if (full.length <= limit) return full;
  return `${Array.from(full)
    .slice(0, limit - 3)
    .join('')}...`;
}

/** Read aloud by Twilio; the adapter escapes it into TwiML. */
export function spokenText(a: PhoneFacts, tierLabel: string): string {
  const title = truncateText(a.title.replace(/\s+/g, ' '), 120);
  return (
    `Security operations alert. A severity ${a.severity}, ${SEVERITY_NAMES[a.severity]}, TheHive alert has breached its SLA, ${tierLabel}. ` +
    `Title: ${title}. Open for ${formatDuration(a.ageMs)}. Alert id ${a.alertId}. Please check the Slack alerts channel.`
  );
}
