/**
 * What the on-call loop says: spoken answers, SMS replies and Slack lines. Pure functions of
 * plain values. Spoken and SMS text carries no markup; Slack text escapes what TheHive wrote.
 */
import { maskNumber } from '../adapters/twilio/phone-numbers.js';
import { formatDuration } from '../core/duration.js';
import { escapeMrkdwn, truncateText } from '../core/escape.js';
import type { OnCallHolder, OnCallNow, OnCallOverride, OnCallPerson } from '../core/oncall/rotation.js';
import { SMS_HELP } from '../core/oncall/sms-reply.js';
import type { Ack, AckHow } from './ack-store.js';
import type { AlertSnapshot } from './sla-lookup.js';

const HOW: Record<AckHow, string> = { phone: 'by phone', sms: 'by SMS', slack: 'in Slack' };

// Building a formatter costs far more than using one; a process sees one or two zones.
const formats = new Map<string, Intl.DateTimeFormat>();
function timeFormat(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formats.set(tz, f);
  }
  return f;
}

/** "03:45 UTC" in the given zone: what a person woken at night can take in. */
export function clockTime(at: number, tz: string): string {
  return `${timeFormat(tz).format(new Date(at))} ${tz === 'UTC' ? 'UTC' : tz.split('/').pop()!.replace(/_/g, ' ')} time`;
}

/** Digits are read one by one, so "~40968" is not spoken as forty thousand. */
function spokenId(alertId: string): string {
  return alertId.replace(/^~/, '').split('').join(' ');
}

function spokenTitle(title: string): string {
  return truncateText(title.replace(/\s+/g, ' ').trim(), 100);
}

export type AckAnswer =
  | { kind: 'acked'; ack: Ack; title: string }
  | { kind: 'already'; ack: Ack; title: string; byName: string }
  | { kind: 'not_open'; state: string }
  | { kind: 'not_found' };

export function spokenAckAnswer(alertId: string, a: AckAnswer, tz: string): string {
  const id = spokenId(alertId);
  switch (a.kind) {
    case 'acked':
      return `Acknowledged alert ${id}, ${spokenTitle(a.title)}. Escalation is paused until ${clockTime(a.ack.until, tz)}. Goodbye.`;
    case 'already':
      return `Alert ${id} was already acknowledged by ${a.byName}. Escalation is paused until ${clockTime(a.ack.until, tz)}. Goodbye.`;
    case 'not_open':
      return `Alert ${id} is ${a.state === 'promoted' ? 'already a case' : 'closed'}; there is nothing to acknowledge. Goodbye.`;
    case 'not_found':
      return 'This alert is no longer tracked. Goodbye.';
  }
}

export function smsAckAnswer(alertId: string, a: AckAnswer, tz: string): string {
  switch (a.kind) {
    case 'acked':
      return `Acknowledged ${alertId} (${truncateText(a.title, 60)}). Escalation paused until ${clockTime(a.ack.until, tz)}.`;
    case 'already':
      return `${alertId} was already acknowledged by ${a.byName}; escalation paused until ${clockTime(a.ack.until, tz)}.`;
    case 'not_open':
      return `${alertId} is ${a.state === 'promoted' ? 'already a case' : 'closed'}: nothing to acknowledge.`;
    case 'not_found':
      return `${alertId} is not an alert the bot tracks. ${SMS_HELP}`;
  }
}

export type EscalateAnswer =
  | { kind: 'escalated'; seniors: number }
  | { kind: 'already' }
  | { kind: 'not_open' }
  | {
      kind: 'not_found';
    }
  | { kind: 'no_seniors' };

export function escalateAnswer(alertId: string, a: EscalateAnswer, spoken: boolean): string {
  const id = spoken ? `alert ${spokenId(alertId)}` : alertId;
  switch (a.kind) {
    case 'escalated':
      return `Escalating ${id}: calling ${a.seniors} senior${a.seniors === 1 ? '' : 's'} now.${spoken ? ' Goodbye.' : ''}`;
    case 'already':
      return `${spoken ? 'The seniors' : 'Seniors'} were already called for ${id}.${spoken ? ' Goodbye.' : ''}`;
    case 'no_seniors':
      return `No seniors are configured, so ${id} cannot be escalated.${spoken ? ' Goodbye.' : ''}`;
    case 'not_open':
      return `Alert ${spoken ? spokenId(alertId) : alertId} is no longer open.${spoken ? ' Goodbye.' : ''}`;
    case 'not_found':
      return `${id} is not an alert the bot tracks.`;
  }
}

/** The line in the notice's thread (and the notice's context once the notice shows it). */
export function slackAckLine(ack: Ack, byName: string): string {
  const until = Math.floor(ack.until / 1000);
  return `:raised_hand: Acknowledged by ${byName} ${HOW[ack.how]} at <!date^${Math.floor(ack.at / 1000)}^{time}|${new Date(ack.at).toISOString()}>; escalation paused until <!date^${until}^{time}|${new Date(ack.until).toISOString()}>.`;
}

export function slackResumedLine(): string {
  return ':alarm_clock: The acknowledgement ran out with the alert still open: escalation resumed.';
}

function holderText(h: OnCallHolder | null): string {
  if (h === null || h.kind === 'nobody') return 'nobody';
  if (h.kind === 'primary')
    return `${h.phones.length} primary number${h.phones.length === 1 ? '' : 's'} (oncall.primary)`;
  return personText(h.person);
}

/** Anyone may run `/oncall`, so a bare number is shown by its last digits only. */
function personText(p: OnCallPerson): string {
  if (p.slack) return `<@${p.slack}>`;
  return p.phone === p.name ? `phone ${maskNumber(p.name)}` : escapeMrkdwn(p.name, 64);
}

function when(at: number): string {
  return `<!date^${Math.floor(at / 1000)}^{date_short_pretty} {time}|${new Date(at).toISOString()}>`;
}

/** The `/oncall` answer. */
export function onCallSummary(
  now: OnCallNow,
  seniors: OnCallPerson[],
  overrides: OnCallOverride[],
  at: number,
): string {
  const lines = [`*On call now:* ${holderText(now.holder)}${now.holder.kind === 'override' ? ' (override)' : ''}`];
  if (now.until !== null) lines.push(`*Until:* ${when(now.until)} (in ${formatDuration(now.until - at)})`);
  if (now.next !== null) lines.push(`*Next:* ${holderText(now.next)}`);
  lines.push(`*Seniors:* ${seniors.length === 0 ? 'none configured' : seniors.map(personText).join(', ')}`);
  const upcoming = overrides.filter((o) => o.endsAt > at);
  for (const o of upcoming) {
    lines.push(`*Override:* <@${o.slack}> from ${when(o.startsAt)} to ${when(o.endsAt)}, set by <@${o.by}>`);
  }
  return lines.join('\n');
}

export function handoffChannelText(incoming: OnCallHolder, until: number | null): string {
  return `:pager: Handoff: ${holderText(incoming)} is now on call${until === null ? '' : ` until ${when(until)}`}.`;
}

export function handoffDmText(until: number | null): string {
  return `:pager: You are now on call for security alerts${until === null ? '' : ` until ${when(until)}`}. Pages come by SMS and call; reply 1 or press 1 to acknowledge.`;
}

/** What a page call says, and says again on "9". */
export function pageMessage(alert: AlertSnapshot): string {
  return `Security operations alert. Severity ${alert.severity} TheHive alert ${spokenId(alert.alertId)}. Title: ${spokenTitle(alert.title)}.`;
}
