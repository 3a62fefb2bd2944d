import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import {
  type ConfirmPolicy,
  DEFAULT_CONFIRM_POLICY,
  type SecondFactorMode,
  validateConfirmPolicy,
  type Weekday,
} from '../core/confirm/policy.js';
import { DEFAULT_DIGEST_THRESHOLDS, type DigestThresholds, validateThresholds } from '../core/digest/index.js';
import { parseDuration } from '../core/duration.js';
import { DEFAULT_ONCALL_POLICY, validateOnCallPolicy } from '../core/oncall/policy.js';
import type { OnCallPolicy } from '../core/oncall/rotation.js';
import type { Severity } from '../core/ports.js';
import {
  DEFAULT_DELIVERY_POLICY,
  DEFAULT_ON_CALL,
  DEFAULT_SLA_POLICY,
  type DeliveryPolicy,
  isE164,
  NOTIFY_METHODS,
  type NotifyMethod,
  type OnCall,
  type SlaPolicy,
  type SlaTier,
  validateDeliveryPolicy,
  validateOnCall,
  validateSlaPolicy,
} from '../core/sla/policy.js';
import { ConfigError } from './config-error.js';

export interface Policy {
  confirm: ConfirmPolicy;
  sla: SlaPolicy;
  oncall: OnCall;
  digest: DigestThresholds;
  /** people, rotation and seniors by name (issue 10); `oncall` keeps the resolved numbers */
  onCallPolicy: OnCallPolicy;
  delivery: DeliveryPolicy;
}

export function defaultPolicy(): Policy {
  return structuredClone({
    confirm: DEFAULT_CONFIRM_POLICY,
    sla: DEFAULT_SLA_POLICY,
    oncall: DEFAULT_ON_CALL,
    digest: DEFAULT_DIGEST_THRESHOLDS,
    onCallPolicy: DEFAULT_ONCALL_POLICY,
    delivery: DEFAULT_DELIVERY_POLICY,
  });
}

type Obj = Record<string, unknown>;

/**
 * Reads the policy file and overlays it on the defaults. Every key is optional; an
 * unknown key or a bad value is an error naming its path, so a typo in a policy
 * cannot silently fall back to a default.
 */
export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`POLICY_FILE: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let doc: unknown;
  try {
    doc = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(
      `POLICY_FILE: ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  return parsePolicy(doc ?? {}, `POLICY_FILE ${path}`);
}

function parsePolicy(doc: unknown, source: string): Policy {
  const fail = (path: string, problem: string): never => {
    throw new ConfigError(`${source}: ${path}: ${problem}`);
  };
  const policy = defaultPolicy();
  const root = object(doc, 'policy', fail);
  onlyKeys(root, ['confirm', 'sla', 'oncall', 'digest', 'delivery'], '', fail);

  if (root.confirm !== undefined) {
    const c = object(root.confirm, 'confirm', fail);
    onlyKeys(c, ['timeout', 'business_hours', 'max_ignore', 'second_factor', 'reuse_verification'], 'confirm', fail);
    if (c.second_factor !== undefined) {
      policy.confirm.secondFactor = string(c.second_factor, 'confirm.second_factor', fail) as SecondFactorMode;
    }
    if (c.reuse_verification === 'off' || c.reuse_verification === 0) policy.confirm.reuseVerificationMs = 0;
    else if (c.reuse_verification !== undefined) {
      policy.confirm.reuseVerificationMs = duration(c.reuse_verification, 'confirm.reuse_verification', fail);
    }
    if (c.timeout !== undefined) policy.confirm.timeoutMs = duration(c.timeout, 'confirm.timeout', fail);
    if (c.max_ignore !== undefined) policy.confirm.maxIgnoreMs = duration(c.max_ignore, 'confirm.max_ignore', fail);
    if (c.business_hours === null) policy.confirm.businessHours = null;
    else if (c.business_hours !== undefined) {
      const b = object(c.business_hours, 'confirm.business_hours', fail);
      onlyKeys(b, ['tz', 'days', 'start', 'end'], 'confirm.business_hours', fail);
      policy.confirm.businessHours = {
        tz: b.tz === undefined ? 'UTC' : string(b.tz, 'confirm.business_hours.tz', fail),
        days:
          b.days === undefined
            ? ['mon', 'tue', 'wed', 'thu', 'fri']
            : (stringList(b.days, 'confirm.business_hours.days', fail).map((d) => d.toLowerCase()) as Weekday[]),
        start: b.start === undefined ? '09:00' : string(b.start, 'confirm.business_hours.start', fail),
        end: b.end === undefined ? '17:00' : string(b.end, 'confirm.business_hours.end', fail),
      };
    }
  }

  if (root.sla !== undefined) parseSla(object(root.sla, 'sla', fail), policy.sla, fail);

  if (root.oncall !== undefined) parseOnCall(object(root.oncall, 'oncall', fail), policy, fail);

  if (root.digest !== undefined) {
    const d = object(root.digest, 'digest', fail);
    onlyKeys(d, ['health', 'p0'], 'digest', fail);
    if (d.health !== undefined) {
      const h = object(d.health, 'digest.health', fail);
      onlyKeys(h, ['warn_below', 'fail_below'], 'digest.health', fail);
      if (h.warn_below !== undefined)
        policy.digest.health.warnBelow = number(h.warn_below, 'digest.health.warn_below', fail);
      if (h.fail_below !== undefined)
        policy.digest.health.failBelow = number(h.fail_below, 'digest.health.fail_below', fail);
    }
    if (d.p0 !== undefined) {
      const p = object(d.p0, 'digest.p0', fail);
      onlyKeys(p, ['warn_above', 'fail_above'], 'digest.p0', fail);
      if (p.warn_above !== undefined) policy.digest.p0.warnAbove = number(p.warn_above, 'digest.p0.warn_above', fail);
      if (p.fail_above !== undefined) policy.digest.p0.failAbove = number(p.fail_above, 'digest.p0.fail_above', fail);
    }
  }

  if (root.delivery !== undefined) {
    const d = object(root.delivery, 'delivery', fail);
    onlyKeys(d, ['max_backlog', 'fold_notices_after', 'fold_pages_after'], 'delivery', fail);
    if (d.max_backlog !== undefined) policy.delivery.maxBacklog = number(d.max_backlog, 'delivery.max_backlog', fail);
    if (d.fold_notices_after !== undefined)
      policy.delivery.foldNoticesAfter = number(d.fold_notices_after, 'delivery.fold_notices_after', fail);
    if (d.fold_pages_after !== undefined)
      policy.delivery.foldPagesAfter = number(d.fold_pages_after, 'delivery.fold_pages_after', fail);
  }

  const problems = [
    ...validateDeliveryPolicy(policy.delivery),
    ...validateConfirmPolicy(policy.confirm),
    ...validateSlaPolicy(policy.sla),
    ...validateOnCall(policy.oncall),
    ...validateOnCallPolicy(policy.onCallPolicy),
    ...quietHoursProblems(policy),
    ...validateThresholds(policy.digest),
  ];
  if (problems.length > 0) throw new ConfigError(`${source}: ${problems.join('; ')}`);
  return policy;
}

type Fail = (path: string, problem: string) => never;

function parseSla(s: Obj, sla: SlaPolicy, fail: Fail): void {
  onlyKeys(s, ['poll_interval', 'max_age', 'snooze', 'severities', 'high_risk', 'ack_timeout'], 'sla', fail);
  if (s.ack_timeout !== undefined) sla.ackTimeoutMs = duration(s.ack_timeout, 'sla.ack_timeout', fail);
  if (sla.ackTimeoutMs !== undefined && sla.ackTimeoutMs <= 0) fail('sla.ack_timeout', 'must be greater than zero');
  if (s.poll_interval !== undefined) sla.pollIntervalMs = duration(s.poll_interval, 'sla.poll_interval', fail);
  if (s.max_age !== undefined) sla.maxAgeMs = duration(s.max_age, 'sla.max_age', fail);
  if (s.snooze !== undefined) sla.snoozeMs = duration(s.snooze, 'sla.snooze', fail);
  if (s.severities !== undefined) {
    const sev = object(s.severities, 'sla.severities', fail);
    onlyKeys(sev, ['1', '2', '3', '4'], 'sla.severities', fail);
    for (const [key, value] of Object.entries(sev)) {
      const path = `sla.severities.${key}`;
      const sp = object(value, path, fail);
      onlyKeys(sp, ['enabled', 'tiers', 'business_hours'], path, fail);
      const target = sla.severities[Number(key) as Severity];
      if (sp.enabled !== undefined) target.enabled = boolean(sp.enabled, `${path}.enabled`, fail);
      if (sp.business_hours !== undefined) {
        target.businessHours = boolean(sp.business_hours, `${path}.business_hours`, fail);
      }
      if (sp.tiers !== undefined) {
        if (!Array.isArray(sp.tiers)) fail(`${path}.tiers`, 'must be a list');
        target.tiers = (sp.tiers as unknown[]).map((t, i): SlaTier => {
          const tp = `${path}.tiers[${i}]`;
          const tier = object(t, tp, fail);
          onlyKeys(tier, ['after', 'notify'], tp, fail);
          if (tier.after === undefined) fail(`${tp}.after`, 'is required');
          return {
            afterMs: duration(tier.after, `${tp}.after`, fail),
            notify: methods(tier.notify, `${tp}.notify`, fail),
          };
        });
      }
    }
  }
  if (s.high_risk !== undefined) {
    const h = object(s.high_risk, 'sla.high_risk', fail);
    onlyKeys(h, ['words', 'severities', 'notify'], 'sla.high_risk', fail);
    if (h.words !== undefined) sla.highRisk.words = stringList(h.words, 'sla.high_risk.words', fail);
    if (h.notify !== undefined) sla.highRisk.notify = methods(h.notify, 'sla.high_risk.notify', fail);
    if (h.severities !== undefined) {
      if (!Array.isArray(h.severities)) fail('sla.high_risk.severities', 'must be a list of 1-4');
      sla.highRisk.severities = (h.severities as unknown[]).map((v, i) => {
        if (v !== 1 && v !== 2 && v !== 3 && v !== 4) fail(`sla.high_risk.severities[${i}]`, 'must be 1, 2, 3 or 4');
        return v as Severity;
      });
    }
  }
}

/**
 * `oncall:` with people, a rotation and seniors by name or number. `policy.oncall` keeps plain
 * numbers (primary, and the seniors resolved to their phones) for the code that pages them.
 */
function parseOnCall(o: Obj, policy: Policy, fail: Fail): void {
  onlyKeys(o, ['primary', 'seniors', 'people', 'rotation'], 'oncall', fail);
  const target = policy.onCallPolicy;
  if (o.people !== undefined) {
    const people = object(o.people, 'oncall.people', fail);
    for (const [name, value] of Object.entries(people)) {
      const path = `oncall.people.${name}`;
      const p = object(value, path, fail);
      onlyKeys(p, ['slack', 'phone'], path, fail);
      target.people[name] = {
        slack: p.slack === undefined ? null : string(p.slack, `${path}.slack`, fail),
        phone: p.phone === undefined ? null : string(p.phone, `${path}.phone`, fail),
      };
    }
  }
  if (o.rotation !== undefined && o.rotation !== null) {
    const r = object(o.rotation, 'oncall.rotation', fail);
    onlyKeys(r, ['members', 'shift', 'handoff', 'tz'], 'oncall.rotation', fail);
    if (r.members === undefined) fail('oncall.rotation.members', 'is required');
    if (r.handoff === undefined) fail('oncall.rotation.handoff', 'is required');
    target.rotation = {
      members: stringList(r.members, 'oncall.rotation.members', fail),
      shiftMs: r.shift === undefined ? WEEK_MS : shiftDuration(r.shift, fail),
      handoff: string(r.handoff, 'oncall.rotation.handoff', fail),
      tz: r.tz === undefined ? 'UTC' : string(r.tz, 'oncall.rotation.tz', fail),
    };
  }
  if (o.primary !== undefined) {
    const numbers = stringList(o.primary, 'oncall.primary', fail);
    numbers.forEach((n, i) => {
      if (!isE164(n)) fail(`oncall.primary[${i}]`, 'must be an E.164 number such as +15550000001');
    });
    policy.oncall.primary = numbers;
    target.primary = numbers;
  }
  if (o.seniors !== undefined) {
    const refs = stringList(o.seniors, 'oncall.seniors', fail);
    target.seniors = refs.map((ref, i) => {
      if (isE164(ref)) return { phone: ref };
      if (/^\+?\d[\d\s-]*$/.test(ref)) fail(`oncall.seniors[${i}]`, 'must be an E.164 number such as +15550000001');
      if (target.people[ref] === undefined)
        fail(`oncall.seniors[${i}]`, `'${ref}' is neither in oncall.people nor an E.164 number`);
      return { name: ref };
    });
    policy.oncall.seniors = target.seniors.flatMap((ref) =>
      'phone' in ref ? [ref.phone] : target.people[ref.name]?.phone ? [target.people[ref.name]!.phone!] : [],
    );
  }
}

const WEEK_MS = 7 * 86_400_000;

/** Rotations are mostly weekly, so a shift may also be written in weeks ("1w", "2w"). */
function shiftDuration(v: unknown, fail: Fail): number {
  const weeks = typeof v === 'string' ? /^\s*(\d+)w\s*$/.exec(v) : null;
  if (weeks) return Number(weeks[1]) * WEEK_MS;
  return duration(v, 'oncall.rotation.shift', fail);
}

/** A quiet-hours severity needs the hours it counts in. */
function quietHoursProblems(policy: Policy): string[] {
  if (policy.confirm.businessHours !== null) return [];
  return Object.entries(policy.sla.severities)
    .filter(([, sp]) => sp.businessHours === true)
    .map(([key]) => `sla.severities.${key}.business_hours: true needs confirm.business_hours (the hours it counts in)`);
}

function object(v: unknown, path: string, fail: Fail): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(path, 'must be a mapping');
  return v as Obj;
}

function onlyKeys(o: Obj, allowed: string[], path: string, fail: Fail): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key))
      fail(path ? `${path}.${key}` : key, `unknown key (expected one of ${allowed.join(', ')})`);
  }
}

function duration(v: unknown, path: string, fail: Fail): number {
  if (typeof v !== 'string') return fail(path, `must be a duration string such as "45s", "30m", "2h", "7d"`);
  try {
    return parseDuration(v);
  } catch (err) {
    return fail(path, (err as Error).message);
  }
}

function string(v: unknown, path: string, fail: Fail): string {
  if (typeof v !== 'string' || v.trim() === '') return fail(path, 'must be a non-empty string');
  return v;
}

function number(v: unknown, path: string, fail: Fail): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return fail(path, 'must be a number');
  return v;
}

function boolean(v: unknown, path: string, fail: Fail): boolean {
  if (typeof v !== 'boolean') return fail(path, 'must be true or false');
  return v;
}

function stringList(v: unknown, path: string, fail: Fail): string[] {
  if (!Array.isArray(v)) return fail(path, 'must be a list');
  return v.map((item, i) => string(typeof item === 'number' ? String(item) : item, `${path}[${i}]`, fail));
}

function methods(v: unknown, path: string, fail: Fail): NotifyMethod[] {
  const list = stringList(v ?? [], path, fail);
  if (list.length === 0) fail(path, `must list at least one of ${NOTIFY_METHODS.join(', ')}`);
  list.forEach((m, i) => {
    if (!NOTIFY_METHODS.includes(m as NotifyMethod))
      fail(`${path}[${i}]`, `unknown method '${m}' (expected ${NOTIFY_METHODS.join(', ')})`);
  });
  return list as NotifyMethod[];
}
