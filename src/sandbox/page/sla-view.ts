/**
 * What the bot will do about each TheHive alert, read from the bot's own SLA rows (the same ones `/hive list`
 * reads) and the bot's own policy evaluation at the next deadline: the TheHive panel shows this rather than
 * guessing from the alert's age, so a snooze or a high-risk breach shows there exactly as the bot sees it.
 */
import type { Policy } from '../../config/policy.js';
import { evaluateSla } from '../../core/sla/evaluate.js';
import type { NotifyMethod } from '../../core/sla/policy.js';
import { TrackedAlertRepository } from '../../sla/tracked-alert-repository.js';
import type { Db } from '../../store/db.js';

export interface SlaView {
  /** index of the highest tier fired, -1 for none (as /hive list counts, plus one) */
  firedTier: number;
  tiers: number;
  firedLabel: string | null;
  snoozedUntil: number | null;
  /** when the bot looks at this alert again; null when nothing more will be sent */
  nextDue: number | null;
  /** what fires next and when (a look at nextDue may only end a snooze); null when nothing will */
  next: { at: number; label: string; notify: NotifyMethod[] } | null;
}

export type SlaViewSource = () => Promise<Record<string, SlaView>>;

/** Open alerts the bot tracks, keyed by TheHive alert id. */
export function botSlaView(db: Db, policy: Policy): SlaViewSource {
  const repo = new TrackedAlertRepository(db);
  return async () => {
    const views: Record<string, SlaView> = {};
    for (const a of await repo.listOpen(500)) {
      const state = { firedTier: a.firedTier, snoozedUntil: a.snoozedUntil, highRiskFired: a.highRiskFired };
      let next: SlaView['next'] = null;
      for (let at = a.nextDue, look = 0; at !== null && look < 5 && next === null; look++) {
        const decision = evaluateSla(a, state, policy.sla, at);
        if (decision.kind === 'fire') next = { at, label: decision.tierLabel, notify: decision.notify };
        at = decision.kind === 'wait' && decision.next !== null && decision.next > at ? decision.next : null;
      }
      views[a.alertId] = {
        firedTier: a.firedTier,
        tiers: policy.sla.severities[a.severity].tiers.length,
        firedLabel: a.firedLabel,
        snoozedUntil: a.snoozedUntil,
        nextDue: a.nextDue,
        next,
      };
    }
    return views;
  };
}
