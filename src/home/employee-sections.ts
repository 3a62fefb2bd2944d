/** The part of a Home every employee sees: their own alerts, their mutes, and what the bot is. */
import { ACTIONS } from '../confirm/blocks.js';
import type { ConfirmStatus, EscalationReason } from '../core/confirm/state-machine.js';
import { escapeMrkdwn, truncateText } from '../core/escape.js';
import type { Block, BudgetSection } from './block-budget.js';
import { actions, button, context, divider, header, section, when } from './home-blocks.js';
import type { EmployeeHome, HomeAlert, HomeIgnoreRule } from './view-model.js';

export const RULE_REMOVE_ACTION = 'ignore_rule_remove';

const STATUS_WORDS: Record<ConfirmStatus, string> = {
  new: ':mag: being looked up',
  asked: ':question: waiting for your answer',
  verifying: ':hourglass_flowing_sand: waiting for your Duo check',
  confirmed: ':white_check_mark: confirmed by you',
  escalated: ':rotating_light: sent to the security team',
  ignored: ':mute: muted by one of your rules',
};

const REASON_WORDS: Record<EscalationReason, string> = {
  denied: 'you said it was not you',
  '2fa_failed': 'the Duo check failed',
  '2fa_unavailable': 'your answer could not be verified with Duo',
  no_response: 'there was no answer in time',
  unknown_user: 'the alert could not be matched to you in Slack',
};

/** Waiting ones first (they have buttons), then newest first. */
export function orderAlerts(alerts: readonly HomeAlert[]): HomeAlert[] {
  const pending = (a: HomeAlert) => (a.status === 'asked' ? 0 : 1);
  return [...alerts].sort((a, b) => pending(a) - pending(b) || b.createdAt - a.createdAt || b.id - a.id);
}

function alertItem(a: HomeAlert): Block[] {
  const lines = [
    `*${escapeMrkdwn(a.title, 200)}*  ·  ${when(a.createdAt)}  ·  #${a.id}`,
    `*Status:* ${STATUS_WORDS[a.status]}`,
  ];
  if (a.reason) lines.push(`*Why you were asked:* ${escapeMrkdwn(a.reason, 600)}`);
  const outcome = [a.escalationReason ? REASON_WORDS[a.escalationReason] : null, a.outcomeDetail]
    .filter((s): s is string => Boolean(s))
    .map((s) => escapeMrkdwn(s, 500));
  if (outcome.length > 0) lines.push(`*Outcome:* ${outcome.join(' — ')}`);
  const blocks: Block[] = [section(lines.join('\n'))];
  if (a.status === 'asked') {
    blocks.push(
      actions(`home_alert_${a.id}`, [
        button(ACTIONS.yes, 'Yes, it was me', String(a.id), 'primary'),
        button(ACTIONS.no, "No, it wasn't me", String(a.id), 'danger'),
      ]),
    );
  }
  return blocks;
}

function ruleItem(r: HomeIgnoreRule): Block[] {
  return [
    {
      ...section(`:mute: *${escapeMrkdwn(r.title, 200)}*\nMuted for you until ${when(r.expiresAt)}`),
      accessory: button(RULE_REMOVE_ACTION, 'Remove', String(r.id), 'danger', {
        title: 'Remove this mute?',
        text: 'Alerts with this title will ask you again.',
        yes: 'Remove',
      }),
    },
  ];
}

export function noticeBlocks(notice: string | null | undefined): Block[] {
  // The notice is our own mrkdwn (its untrusted parts already escaped); only its length is bounded here.
  return notice ? [section(`:speech_balloon: ${truncateText(notice, 2900)}`)] : [];
}

export function alertsSection(home: EmployeeHome): BudgetSection {
  const ordered = orderAlerts(home.alerts);
  const olderThanShown = Math.max(0, home.totalAlerts - ordered.length);
  return {
    head: [
      header('Your security alerts'),
      ...(ordered.length === 0 ? [context('No security alerts about you. Nothing to do.')] : []),
    ],
    items: ordered.map(alertItem),
    more: (hidden) => context(`…and ${hidden} more alerts not shown here.`),
    alsoHidden: olderThanShown,
  };
}

export function rulesSection(home: EmployeeHome): BudgetSection {
  return {
    head: [
      divider(),
      header('Your mutes'),
      ...(home.rules.length === 0
        ? [context('None. After a verified "yes" you may mute an alert title for a while.')]
        : []),
    ],
    items: home.rules.map(ruleItem),
    more: (hidden) => context(`…and ${hidden} more mutes not shown here.`),
  };
}

export function aboutSection(): BudgetSection {
  return {
    head: [
      divider(),
      section(
        '*What is this bot?* When a detector sees something unusual done with your account (a new admin grant, a login from a new country, a sudo on a production box), I ask you here whether it was you. A "yes" is checked with Duo; a "no", a failed check or no answer goes to the security team, with the reason. DM me `help` to see what else I do.',
      ),
    ],
    items: [],
    more: () => context(''),
  };
}
