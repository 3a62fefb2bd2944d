/**
 * Vendor error and latency metrics taken at the ports, so the adapters stay unaware of them:
 * the composition root passes each configured adapter through one of these before handing it
 * to the features. Each wraps the instance's own methods and returns the same instance.
 */
import type { MetricsPort, PhonePort, PushSecondFactorPort, SecondFactorPort, TicketingPort } from '../core/ports.js';
import { duoErrors, nanitorErrors, thehiveErrors, thehivePollDuration, twilioErrors } from './metrics.js';

type AsyncMethod = (...args: never[]) => Promise<unknown>;

/** Replaces `target[key]` with a version that reports each failure (rejection) to `onError`. */
function countFailures<T extends object, K extends keyof T>(target: T, key: K, onError: (err: unknown) => void): void {
  const original = (target[key] as AsyncMethod).bind(target);
  (target as Record<K, AsyncMethod>)[key] = async (...args: never[]) => {
    try {
      return await original(...args);
    } catch (err) {
      onError(err);
      throw err;
    }
  };
}

export function measureTicketing<T extends TicketingPort>(ticketing: T): T {
  const list = ticketing.listOpenAlerts.bind(ticketing);
  ticketing.listOpenAlerts = async () => {
    const end = thehivePollDuration.startTimer();
    try {
      return await list();
    } finally {
      end();
    }
  };
  countFailures(ticketing, 'listOpenAlerts', () => thehiveErrors.inc({ operation: 'list' }));
  countFailures(ticketing, 'getAlert', () => thehiveErrors.inc({ operation: 'get' }));
  countFailures(ticketing, 'promote', () => thehiveErrors.inc({ operation: 'promote' }));
  return ticketing;
}

export function measureNanitor<T extends MetricsPort>(nanitor: T): T {
  countFailures(nanitor, 'healthScore', () => nanitorErrors.inc({ operation: 'health_score' }));
  countFailures(nanitor, 'p0Count', () => nanitorErrors.inc({ operation: 'p0_count' }));
  return nanitor;
}

export function measurePhone<T extends PhonePort>(phone: T): T {
  const code = (err: unknown) => {
    const c = (err as { code?: unknown })?.code;
    return typeof c === 'string' && /^[a-z_]{1,32}$/.test(c) ? c : 'error';
  };
  countFailures(phone, 'sendSms', (err) => twilioErrors.inc({ operation: 'sms', code: code(err) }));
  countFailures(phone, 'call', (err) => twilioErrors.inc({ operation: 'call', code: code(err) }));
  return phone;
}

export function measureSecondFactor<T extends SecondFactorPort>(duo: T): T {
  const healthy = duo.healthy.bind(duo);
  duo.healthy = async () => {
    const ok = await healthy().catch((err: unknown) => {
      duoErrors.inc({ operation: 'health' });
      throw err;
    });
    if (!ok) duoErrors.inc({ operation: 'health' });
    return ok;
  };
  countFailures(duo, 'authUrl', () => duoErrors.inc({ operation: 'auth_url' }));
  const verify = duo.verify.bind(duo);
  duo.verify = async (code, username) => {
    const outcome = await verify(code, username).catch((err: unknown) => {
      duoErrors.inc({ operation: 'verify' });
      throw err;
    });
    // 'denied' and 'wrong_user' are the user's answer; 'error' and 'unavailable' (unreachable) are Duo failing us.
    if (!outcome.ok && (outcome.reason === 'error' || outcome.reason === 'unavailable'))
      duoErrors.inc({ operation: 'verify' });
    return outcome;
  };
  return duo;
}

/** Duo Push (Auth API): a long poll that ends without news is not a failure (the adapter answers 'waiting'). */
export function measurePush<T extends PushSecondFactorPort>(push: T): T {
  const check = push.check.bind(push);
  push.check = async () => {
    const result = await check();
    if (!result.ok) duoErrors.inc({ operation: 'push_check' });
    return result;
  };
  countFailures(push, 'preauth', () => duoErrors.inc({ operation: 'preauth' }));
  countFailures(push, 'push', () => duoErrors.inc({ operation: 'push' }));
  countFailures(push, 'status', () => duoErrors.inc({ operation: 'push_status' }));
  return push;
}
