import type { Config } from '../config/env.js';
import { escalationInversions, type NotifyMethod, SEVERITIES } from '../core/sla/policy.js';

/**
 * Warnings for a configuration that starts but would page no one: Twilio and TheHive are configured and the
 * tiers say sms/call/escalate, yet the policy names no on-call numbers. Without this the first sign is a Slack
 * thread saying "nobody to call" when a tier fires. Also warns when the tiers escalate a higher severity less
 * than a lower one.
 */
export function pagingWarnings(config: Pick<Config, 'thehive' | 'twilio' | 'policy'>, policyFile?: string): string[] {
  if (!config.thehive) return [];
  const { sla, oncall } = config.policy;
  const warnings: string[] = [];
  const source = policyFile ? `in ${policyFile}` : '(POLICY_FILE is not set, so the built-in policy has none)';
  const usedBy = (methods: NotifyMethod[]): string[] => {
    const where = SEVERITIES.filter(
      (s) =>
        sla.severities[s].enabled && sla.severities[s].tiers.some((t) => t.notify.some((m) => methods.includes(m))),
    ).map((s) => `severity ${s}`);
    const hr = sla.highRisk;
    if (hr.words.length > 0 && hr.severities.length > 0 && hr.notify.some((m) => methods.includes(m)))
      where.push('high-risk words');
    return where;
  };
  if (config.twilio) {
    const phone = usedBy(['sms', 'call']);
    if (phone.length > 0 && oncall.primary.length === 0) {
      warnings.push(
        `paging reaches no one: tiers of ${phone.join(', ')} send SMS or call, but oncall.primary is empty ${source}; ` +
          'add the on-call numbers (policy.example.yaml)',
      );
    }
    const escalate = usedBy(['escalate']);
    if (escalate.length > 0 && oncall.seniors.length === 0) {
      warnings.push(
        `escalation reaches no one: tiers of ${escalate.join(', ')} escalate, but oncall.seniors is empty ${source}`,
      );
    }
  }
  const inversions = escalationInversions(sla);
  if (inversions.length > 0) {
    warnings.push(`the SLA tiers escalate a higher severity less than a lower one: ${inversions.join('; ')}`);
  }
  return warnings;
}
