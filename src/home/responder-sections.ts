/** What responders see on top of their own alerts: TheHive alerts in due order, on-call, digest, escalations. */
import { formatDuration } from '../core/duration.js';
import { escapeMrkdwn } from '../core/escape.js';
import { displayId, PROMOTE_ACTION, SNOOZE_ACTION, severityName } from '../sla/notice-blocks.js';
import type { Block, BudgetSection } from './block-budget.js';
import { actions, button, context, divider, header, mentionOrLabel, section, when } from './home-blocks.js';
import type { HomeTrackedAlert, OnCallSlot, ResponderExtras } from './view-model.js';

/** The notice's Acknowledge button (DESIGN.md "Acknowledge"): one handler serves both surfaces. */
export const ACK_ACTION = 'hive_ack';

const esc = (s: string) => escapeMrkdwn(s, 100);

function tierText(a: HomeTrackedAlert, now: number): string {
  const fired = a.firedTier < 0 ? 'no tier breached yet' : `tier ${a.firedTier + 1} of ${a.tiersTotal} breached`;
  if (a.snoozedUntil !== null && a.snoozedUntil > now)
    return `${fired} · :zzz: snoozed until ${when(a.snoozedUntil, '{time}')}`;
  if (a.nextDue === null) return `${fired} · nothing more due`;
  const next = Math.min(a.firedTier + 2, a.tiersTotal);
  const overdue = a.nextDue <= now ? ' (due now)' : '';
  return `${fired} · *next:* tier ${next} ${when(a.nextDue, '{time}')}${overdue}`;
}

function ackText(a: HomeTrackedAlert): string | null {
  if (a.ack === undefined) return null;
  if (a.ack === null) return 'Not acknowledged';
  const until = a.ack.until === null ? '' : `; escalation paused until ${when(a.ack.until, '{time}')}`;
  return `:raised_hand: Acknowledged by ${mentionOrLabel(a.ack.by, esc)} ${when(a.ack.at, '{time}')}${until}`;
}

function trackedItem(a: HomeTrackedAlert, index: number, x: ResponderExtras, now: number): Block[] {
  const lines = [
    `*${displayId(a.alertId)}* — ${escapeMrkdwn(a.title, 300)}`,
    `Severity ${severityName(a.severity)} · age ${formatDuration(Math.max(0, now - a.createdAt))} · ${tierText(a, now)}`,
  ];
  const ack = ackText(a);
  if (ack) lines.push(ack);
  const buttons = [
    button(PROMOTE_ACTION, 'Promote to case', a.alertId, 'primary'),
    button(SNOOZE_ACTION, `Snooze ${formatDuration(x.snoozeMs)}`, a.alertId),
  ];
  if (x.ackAvailable && !a.ack) buttons.push(button(ACK_ACTION, 'Acknowledge', a.alertId));
  return [section(lines.join('\n')), actions(`home_hive_${index}`, buttons)];
}

export function trackedSection(x: ResponderExtras, now: number): BudgetSection {
  const empty = !x.hiveConfigured
    ? 'TheHive is not configured (THEHIVE_URL is unset), so the SLA monitor is off.'
    : 'No open TheHive alerts are being tracked.';
  return {
    head: [
      divider(),
      header(`Open TheHive alerts (${x.totalTracked})`),
      ...(x.tracked.length === 0 ? [context(empty)] : []),
    ],
    items: x.tracked.map((a, i) => trackedItem(a, i, x, now)),
    more: (hidden) => context(`…and ${hidden} more: \`/hive list\` lists every open alert.`),
    alsoHidden: Math.max(0, x.totalTracked - x.tracked.length),
  };
}

function slotText(slot: OnCallSlot): string {
  const who = slot.who.length === 0 ? 'nobody' : slot.who.map((w) => mentionOrLabel(w, esc)).join(', ');
  return slot.until === null ? who : `${who} until ${when(slot.until)}`;
}

export function onCallSection(x: ResponderExtras): BudgetSection {
  const text = x.oncall
    ? `*On call now:* ${slotText(x.oncall.now)}\n*Next:* ${x.oncall.next ? slotText(x.oncall.next) : 'no rotation configured'}`
    : '*On call:* not configured';
  return { head: [header('On call'), section(text)], items: [], more: () => context('') };
}

export function digestSection(x: ResponderExtras): BudgetSection {
  const d = x.digest;
  const text = d
    ? [
        `*Last digest* ${when(d.generatedAt)}`,
        `Health score: ${d.health === null ? 'unavailable' : `${Math.round(d.health * 1000) / 10}%`}    P0 issues: ${d.p0 === null ? 'unavailable' : d.p0}`,
        ...(d.failures.length > 0 ? [`Could not read: ${d.failures.map((f) => escapeMrkdwn(f, 200)).join('; ')}`] : []),
      ].join('\n')
    : '*Last digest:* none posted yet';
  return { head: [divider(), section(text)], items: [], more: () => context('') };
}

export function escalationsSection(x: ResponderExtras): BudgetSection {
  const { confirm, sla } = x.escalationCounts;
  return {
    head: [
      divider(),
      header('Escalations, last 24 h'),
      context(
        `${confirm} confirmation alert${confirm === 1 ? '' : 's'} escalated · ${sla} SLA tier${sla === 1 ? '' : 's'} breached`,
      ),
    ],
    items: x.escalations.map((e) => [
      context(
        e.kind === 'confirm'
          ? `${when(e.at, '{time}')} · confirmation #${escapeMrkdwn(e.ref, 20)}${e.userId ? ` about ${mentionOrLabel(e.userId, esc)}` : ''} escalated (${escapeMrkdwn(e.detail, 200)})`
          : `${when(e.at, '{time}')} · TheHive ${displayId(e.ref)}: ${escapeMrkdwn(e.detail, 200)}`,
      ),
    ]),
    more: (hidden) => context(`…and ${hidden} more in the last 24 h.`),
    alsoHidden: Math.max(0, confirm + sla - x.escalations.length),
  };
}
