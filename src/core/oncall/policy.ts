/**
 * Checks on the `oncall:` part of the policy that the types cannot express, each naming its
 * path. Phone numbers are never echoed: they are personal data.
 */
import { isKnownTimeZone } from '../confirm/zoned-time.js';
import { isE164 } from '../sla/policy.js';
import { type OnCallPolicy, parseLocalHandoff } from './rotation.js';

export const DEFAULT_ONCALL_POLICY: OnCallPolicy = { people: {}, rotation: null, seniors: [], primary: [] };

const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;
const PERSON_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function isSlackUserId(value: string): boolean {
  return SLACK_USER.test(value);
}

export function validateOnCallPolicy(p: OnCallPolicy): string[] {
  const problems: string[] = [];
  for (const [name, person] of Object.entries(p.people)) {
    const path = `oncall.people.${name}`;
    if (!PERSON_NAME.test(name)) problems.push(`${path}: a name is letters, digits, '.', '_' or '-'`);
    if (person.slack !== null && !isSlackUserId(person.slack)) {
      problems.push(`${path}.slack must be a Slack user ID such as U0ALICE`);
    }
    if (person.phone !== null && !isE164(person.phone)) {
      problems.push(`${path}.phone is not an E.164 number ("+", country code, number)`);
    }
    if (person.slack === null && person.phone === null) problems.push(`${path} needs a slack user or a phone`);
  }
  const r = p.rotation;
  if (r !== null) {
    if (r.members.length === 0) problems.push('oncall.rotation.members must name at least one person');
    r.members.forEach((m, i) => {
      if (p.people[m] === undefined) problems.push(`oncall.rotation.members[${i}] '${m}' is not in oncall.people`);
    });
    if (!Number.isSafeInteger(r.shiftMs) || r.shiftMs < 1000) {
      problems.push('oncall.rotation.shift must be a duration of at least 1s');
    }
    if (!isKnownTimeZone(r.tz)) problems.push(`oncall.rotation.tz: unknown time zone '${r.tz}'`);
    if (parseLocalHandoff(r.handoff) === null) {
      problems.push(`oncall.rotation.handoff must be a local time "YYYY-MM-DDTHH:MM", got '${r.handoff}'`);
    }
  }
  p.seniors.forEach((ref, i) => {
    const path = `oncall.seniors[${i}]`;
    if ('phone' in ref) {
      if (!isE164(ref.phone)) problems.push(`${path} is neither a person in oncall.people nor an E.164 number`);
    } else if (p.people[ref.name] === undefined) {
      problems.push(`${path} '${ref.name}' is not in oncall.people`);
    } else if (p.people[ref.name]!.phone === null) {
      problems.push(`${path} '${ref.name}' has no phone to call`);
    }
  });
  return problems;
}
