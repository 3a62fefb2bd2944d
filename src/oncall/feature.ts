/**
 * The on-call feature (issue 10): acknowledgements by keypress, SMS and Slack; escalate-now;
 * `/oncall` with overrides; handoff announcements. Wired from what main.ts constructed; with
 * Twilio off the webhooks refuse every request and "escalate" says no seniors can be called.
 */
import { optedOutNotice } from '../core/oncall/paging.js';
import type { PhonePort } from '../core/ports.js';
import type { Feature, FeatureDeps } from '../feature.js';
import type { SlaOnCallLink } from '../sla/oncall-link.js';
import { AckStore } from './ack-store.js';
import { HandoffAnnouncer } from './handoff-announcer.js';
import { OnCallRecords } from './oncall-records.js';
import { OnCallService } from './oncall-service.js';
import { OverrideStore } from './override-store.js';
import {
  OutboxHandoffSender,
  OutboxSeniorPager,
  OutboxThreadAnnouncer,
  registerOnCallPageHandlers,
} from './senders.js';
import { SlaLookup } from './sla-lookup.js';
import { registerOnCallListeners, slackAcknowledge } from './slack-listeners.js';
import { registerOnCallTwilioRoutes } from './twilio-routes.js';

export interface OnCallFeatureOptions {
  /** the Twilio adapter, built with `gatherUrl` so its calls can be answered; null when off */
  phone: PhonePort | null;
  twilioAuthToken?: string;
}

export interface OnCallFeature extends Feature {
  service: OnCallService;
  /** the acknowledgements the service records, for the Home tab's "acknowledged by" */
  acks: AckStore;
  /** `/hive ack <alertId>`: responders only; the SLA feature's `/hive` switch calls this */
  slackAck(alertId: string, userId: string): Promise<{ ok: boolean; message: string }>;
  handoffs: HandoffAnnouncer;
  /** what the SLA tiers use (pass to createSlaFeature) */
  link: SlaOnCallLink;
}

export function createOnCallFeature(deps: FeatureDeps, opts: OnCallFeatureOptions): OnCallFeature {
  const { config, db, clock, outbox, responders } = deps;
  const logger = deps.logger.child({ component: 'oncall' });
  const policy = config.policy.onCallPolicy;
  const records = new OnCallRecords(db);
  const overrides = new OverrideStore(db);
  const lookup = new SlaLookup(db);
  const alertsChannel = config.slack.alertsChannel;
  const announcer = new OutboxThreadAnnouncer(outbox, alertsChannel);
  registerOnCallPageHandlers(outbox, records, () => clock.now().getTime());
  const acks = new AckStore(db);
  const handoffSender = new OutboxHandoffSender(outbox, alertsChannel);
  const service = new OnCallService({
    policy,
    sla: config.policy.sla,
    businessHours: config.policy.confirm.businessHours,
    acks,
    overrides,
    records,
    lookup,
    pager: opts.phone ? new OutboxSeniorPager(db, outbox) : null,
    announcer,
    clock,
    logger,
  });
  const handoffs = new HandoffAnnouncer({
    db,
    policy,
    records,
    overrides,
    // A handoff changes who is on call on every responder's Home.
    sender: {
      announce: async (trx, at, holder, until) => {
        await handoffSender.announce(trx, at, holder, until);
        deps.home?.changed('responders');
      },
    },
    replicaId: deps.lease.holder,
    isLeader: () => deps.lease.isHeld(),
    clock,
    logger,
  });
  const knownNumbers = () =>
    new Set(
      [...Object.values(policy.people).map((p) => p.phone), ...policy.primary, ...config.policy.oncall.seniors].filter(
        (n): n is string => n !== null,
      ),
    );

  const link: SlaOnCallLink = {
    slaInputs: (alertId) => service.slaInputs(alertId),
    planPage: (methods) => service.planPage(methods),
    ackLine: (alertId) => service.ackLine(alertId),
    endAck: (alertId, reason) => service.endAck(alertId, reason),
    recordPage: (trx, page) => records.recordPage(page, trx),
    markOptedOut: (trx, phone, now) => records.markOptedOut(phone, now, trx),
    optedOutNotice: (phone) => optedOutNotice(service.nameOf({ phone })),
    connectNotice: (hooks) => announcer.connect(hooks),
  };
  // A STOP seen by the SMS webhook: told once (the caller recorded it first), through the outbox.
  const reportOptOut = async (phone: string) => {
    const now = clock.now().getTime();
    await outbox.send({
      kind: 'slack_post',
      key: `oncall:optout:${phone}:${now}`,
      to: alertsChannel,
      payload: { text: link.optedOutNotice(phone) },
    });
  };

  return {
    name: 'oncall',
    service,
    handoffs,
    link,
    acks,
    slackAck: async (alertId, userId) => {
      const outcome = await slackAcknowledge({ service, responders }, alertId, userId);
      if (outcome.ok) deps.home?.changed('responders');
      return outcome;
    },
    helpLines: ['• `/oncall` — who is on call now, until when, and who is next'],
    registerSlack(app) {
      registerOnCallListeners(app, { service, overrides, policy, responders, clock, home: deps.home });
    },
    registerHttp(http) {
      registerOnCallTwilioRoutes(http, {
        service,
        lookup,
        records,
        authToken: opts.twilioAuthToken ?? null,
        publicUrl: config.publicUrl,
        knownNumbers,
        reportOptOut,
        clock,
        logger,
      });
    },
    async start() {
      if (!opts.phone) logger.info('Twilio is not configured: keypad and SMS acknowledgements are off');
      handoffs.start();
    },
    async stop() {
      await handoffs.stop();
      await service.idle();
    },
  };
}
