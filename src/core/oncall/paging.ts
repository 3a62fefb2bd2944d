/**
 * Who a fired tier reaches, decided from who is on call when it fires: "what to send", for a
 * sender to deliver. Pure, so the rules (rotation or override or primary; seniors by name or
 * number; a number that texted STOP is called instead) are tested without Twilio or Slack.
 */
import type { NotifyMethod } from '../sla/policy.js';
import { type OnCallHolder, type OnCallPerson, phonesOf, slackOf } from './rotation.js';

export type PhoneMethod = 'sms' | 'call' | 'escalate';

export interface PhonePage {
  method: PhoneMethod;
  to: string;
  /** an SMS turned into a call because the number cannot receive SMS (Twilio 21610) */
  insteadOfSms?: true;
}

export interface PagePlan {
  phone: PhonePage[];
  /** Slack user to mention in the notice and to DM with the notice's buttons */
  mention: string | null;
  /** the notice goes to the alerts channel */
  channel: boolean;
}

export function planPage(
  methods: readonly NotifyMethod[],
  holder: OnCallHolder,
  seniors: OnCallPerson[],
  optedOut: ReadonlySet<string>,
): PagePlan {
  const phone: PhonePage[] = [];
  const add = (page: PhonePage) => {
    if (!phone.some((p) => p.method === page.method && p.to === page.to)) phone.push(page);
  };
  const holderPhones = phonesOf(holder);
  // Calls first, so an SMS that becomes a call is folded into a call the tier already makes.
  if (methods.includes('call')) for (const to of holderPhones) add({ method: 'call', to });
  if (methods.includes('sms')) {
    for (const to of holderPhones)
      add(optedOut.has(to) ? { method: 'call', to, insteadOfSms: true } : { method: 'sms', to });
  }
  if (methods.includes('escalate')) {
    for (const s of seniors) if (s.phone !== null) add({ method: 'escalate', to: s.phone });
  }
  const mention = methods.some((m) => m !== 'escalate') ? slackOf(holder) : null;
  return { phone, mention, channel: methods.includes('slack') };
}

/** Said once in the alerts channel when a paged number turns out to have texted STOP. */
export function optedOutNotice(who: string): string {
  return (
    `:no_bell: ${who} cannot receive SMS from the bot: the number texted STOP to our Twilio number (Twilio error 21610). ` +
    'They will be paged by call instead until they text START to the same number.'
  );
}
