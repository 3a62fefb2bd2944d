/**
 * Promote and snooze, shared by the notice buttons and `/hive`. Only responders may; every
 * outcome is a message for the person who asked, and every change is audited with who did it.
 */
import type { Logger } from 'winston';
import { formatDuration } from '../core/duration.js';
import { escapeMrkdwn } from '../core/escape.js';
import type { Clock, TicketCase, TicketingPort } from '../core/ports.js';
import type { SlaPolicy } from '../core/sla/policy.js';
import { isSecOpsError } from '../errors.js';
import type { HomeSignals } from '../feature.js';
import { clip } from '../log.js';
import type { Responders } from '../slack/responders.js';
import { appendAudit } from '../store/audit.js';
import type { Db } from '../store/db.js';
import type { SlaMonitor } from './monitor.js';
import { displayId } from './notice-blocks.js';
import type { SlaNotifier } from './notifier.js';
import type { SlaRepository } from './repository.js';

export type ActionOutcome = { ok: boolean; message: string };

export const SNOOZE_MINUTES_MIN = 1;
export const SNOOZE_MINUTES_MAX = 1440;

/**
 * What a TheHive alert id can look like (`~40968`, or an older Elasticsearch id); anything else,
 * such as 40 KB pasted into `/hive promote`, is no alert and is not sent to TheHive or logged whole.
 */
const PLAUSIBLE_ALERT_ID = /^[A-Za-z0-9~_.:-]{1,128}$/;

export interface ResponderActionsDeps {
  db: Db;
  repo: SlaRepository;
  ticketing: TicketingPort;
  notifier: SlaNotifier;
  monitor: SlaMonitor;
  responders: Responders;
  policy: SlaPolicy;
  clock: Clock;
  logger: Logger;
  home?: HomeSignals;
}

export class ResponderActions {
  constructor(private readonly d: ResponderActionsDeps) {}

  /** null when the user may act; else the refusal, naming who may. */
  async refuse(userId: string): Promise<ActionOutcome | null> {
    if (await this.d.responders.isResponder(userId)) return null;
    return {
      ok: false,
      message: `Only ${this.d.responders.describe()} may list, promote or snooze TheHive alerts.`,
    };
  }

  async promote(alertId: string, userId: string): Promise<ActionOutcome> {
    const refused = await this.refuse(userId);
    if (refused) return refused;
    const id = displayId(alertId);
    if (!PLAUSIBLE_ALERT_ID.test(alertId)) return noSuchAlert(id);
    const tracked = await this.d.repo.alerts.get(alertId);
    if (tracked?.state === 'promoted' && tracked.caseId !== null && tracked.caseNumber !== null) {
      const existing = { id: tracked.caseId, number: tracked.caseNumber };
      return {
        ok: true,
        message: `Alert ${id} is already case #${existing.number}: ${this.d.ticketing.caseUrl(existing)}`,
      };
    }
    let created: TicketCase;
    try {
      created = await this.d.ticketing.promote(alertId);
    } catch (err) {
      if (isSecOpsError(err, 'not_found')) {
        this.d.logger.info('promote of an alert TheHive does not have', {
          component: 'sla',
          alert: alertId,
          user: userId,
        });
        return noSuchAlert(id);
      }
      // A vendor failure is one line (its code and words); only the unexpected keeps its stack.
      const known = isSecOpsError(err);
      this.d.logger.warn('promote failed', {
        component: 'sla',
        alert: alertId,
        user: userId,
        ...(known ? { code: err.code, reason: clip(err.message, 300) } : { err }),
      });
      const reason = known ? (err.userMessage ?? err.message) : 'unexpected error (see the bot log)';
      return { ok: false, message: `Could not promote alert ${id} to a case: ${escapeMrkdwn(reason, 300)}` };
    }
    const now = this.d.clock.now();
    await this.d.repo.alerts.markPromoted(alertId, created, userId, now.getTime());
    await this.d.notifier.onCall?.endAck(alertId, 'promoted');
    this.d.home?.changed('responders');
    await appendAudit(this.d.db, {
      at: now,
      actor: userId,
      action: 'sla.promoted',
      subject: `hive:${alertId}`,
      details: { caseId: created.id, caseNumber: created.number },
    });
    const after = await this.d.repo.alerts.get(alertId);
    if (after) {
      await this.d.notifier
        .refreshNotice(after)
        .catch((err: unknown) =>
          this.d.logger.warn('could not update the SLA notice after promotion', { alert: alertId, err }),
        );
    }
    return {
      ok: true,
      message: `Alert ${id} promoted to case #${created.number}: ${this.d.ticketing.caseUrl(created)}. Escalation stopped.`,
    };
  }

  async snooze(alertId: string, userId: string, minutes?: number): Promise<ActionOutcome> {
    const refused = await this.refuse(userId);
    if (refused) return refused;
    const id = displayId(alertId);
    if (!PLAUSIBLE_ALERT_ID.test(alertId)) return noSuchAlert(id);
    const ms = minutes === undefined ? this.d.policy.snoozeMs : minutes * 60_000;
    const now = this.d.clock.now();
    const until = now.getTime() + ms;
    if (!(await this.d.repo.alerts.snooze(alertId, until, now.getTime()))) {
      const tracked = await this.d.repo.alerts.get(alertId);
      const why = tracked ? `it is ${tracked.state}` : 'it is not an open alert I am tracking';
      return { ok: false, message: `Cannot snooze alert ${id}: ${why}.` };
    }
    await appendAudit(this.d.db, {
      at: now,
      actor: userId,
      action: 'sla.snoozed',
      subject: `hive:${alertId}`,
      details: { until, minutes: ms / 60_000 },
    });
    await this.d.monitor.rearm();
    this.d.home?.changed('responders');
    const tracked = await this.d.repo.alerts.get(alertId);
    if (tracked?.noticeTs) {
      // The snooze itself has taken effect; a Slack hiccup here only leaves the notice stale.
      const warn = (err: unknown) =>
        this.d.logger.warn('could not update the SLA notice after a snooze', { alert: alertId, err });
      await this.d.notifier.refreshNotice(tracked).catch(warn);
      await this.d.notifier
        .threadReply(alertId, `:zzz: <@${userId}> snoozed this alert for ${formatDuration(ms)}.`)
        .catch(warn);
    }
    return {
      ok: true,
      message: `Alert ${id} snoozed for ${formatDuration(ms)}: no notification until <!date^${Math.floor(until / 1000)}^{time}|${new Date(until).toISOString()}>; then the tier due fires once.`,
    };
  }
}

function noSuchAlert(id: string): ActionOutcome {
  return { ok: false, message: `There is no alert ${id} in TheHive. \`/hive list\` shows the open ones.` };
}
