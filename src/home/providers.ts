/**
 * What the Home shows but other features own: acknowledgements and on-call rotations are built
 * elsewhere, so the Home asks for them through these small interfaces and shows the field only
 * when a provider is wired in (main.ts).
 */
import type { OnCall } from '../core/sla/policy.js';
import type { Acknowledgement, OnCallNow } from './view-model.js';

export interface AckProvider {
  /** the current acknowledgement of each of these TheHive alerts; an alert missing from the map is not acknowledged */
  forAlerts(alertIds: readonly string[], now: number): Promise<Map<string, Acknowledgement>>;
}

export interface OnCallProvider {
  current(now: number): Promise<OnCallNow | null>;
}

/** Phone numbers on a screen many people see keep only enough to recognise them. */
export function maskNumber(e164: string): string {
  return e164.length <= 7 ? '•••' : `${e164.slice(0, 3)}•••${e164.slice(-4)}`;
}

/** Without rotations the policy's `oncall.primary` numbers are on call, with no end and no next. */
export function policyOnCall(oncall: OnCall): OnCallProvider {
  return {
    async current() {
      if (oncall.primary.length === 0) return null;
      return { now: { who: oncall.primary.map(maskNumber), until: null }, next: null };
    },
  };
}
