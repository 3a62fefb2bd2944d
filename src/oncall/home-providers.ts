/**
 * The Home tab's on-call and acknowledgement fields, answered from the on-call feature: the
 * rotation, overrides and acknowledgements the pager and `/oncall` use, not the bare policy.
 */

import type { OnCallHolder } from '../core/oncall/rotation.js';
import type { AckProvider, OnCallProvider } from '../home/providers.js';
import { maskNumber } from '../home/providers.js';
import type { Acknowledgement, OnCallSlot } from '../home/view-model.js';
import { type AckStore, isActive } from './ack-store.js';
import type { OnCallService } from './oncall-service.js';

/** A Slack mention when the person has an ID; a bare number shows only its last digits. */
function whoOf(h: OnCallHolder): string[] {
  if (h.kind === 'nobody') return [];
  if (h.kind === 'primary') return h.phones.map(maskNumber);
  const p = h.person;
  if (p.slack) return [p.slack];
  return [p.phone === p.name ? maskNumber(p.name) : p.name];
}

export function onCallServiceProvider(service: OnCallService): OnCallProvider {
  return {
    async current() {
      const oc = await service.onCallNow();
      const now = whoOf(oc.holder);
      if (now.length === 0 && oc.next === null) return null;
      const next: OnCallSlot | null = oc.next === null ? null : { who: whoOf(oc.next), until: null };
      return { now: { who: now, until: oc.until }, next };
    },
  };
}

export function ackStoreProvider(acks: AckStore): AckProvider {
  return {
    async forAlerts(alertIds, now) {
      const out = new Map<string, Acknowledgement>();
      for (const id of alertIds) {
        const ack = await acks.get(id);
        if (!isActive(ack, now)) continue;
        // `by` is a Slack ID or a person's name; a phone number stands for an unnamed caller.
        out.set(id, { by: /^\+\d{6,}$/.test(ack.by) ? maskNumber(ack.by) : ack.by, at: ack.at, until: ack.until });
      }
      return out;
    },
  };
}
