/**
 * The TheHive SLA feature, wired from what main.ts constructed: TheHive (or null when not
 * configured) and Twilio (or null). Off features still answer `/hive` honestly.
 */
import type { PhonePort, TicketingPort } from '../core/ports.js';
import type { Feature, FeatureDeps } from '../feature.js';
import { SlaMonitor } from './monitor.js';
import { SlaNotifier } from './notifier.js';
import type { SlaOnCallLink } from './oncall-link.js';
import { SlaRepository } from './repository.js';
import { ResponderActions } from './responder-actions.js';
import { registerSlaListeners } from './slack-listeners.js';
import { SlaStormFolder } from './storm.js';
import { registerTwilioStatusRoute } from './twilio-status-route.js';

export interface SlaFeatureOptions {
  ticketing: TicketingPort | null;
  phone: PhonePort | null;
  twilioAuthToken?: string;
  /** `/hive ack <alertId>`, owned by the on-call feature */
  ack?: (alertId: string, userId: string) => Promise<{ message: string }>;
  /** the on-call feature's link (`OnCallFeature.link`): rotation paging, acknowledgements */
  oncall?: SlaOnCallLink;
}

export interface SlaFeature extends Feature {
  /** null while TheHive is not configured */
  monitor: SlaMonitor | null;
  repo: SlaRepository;
}

export function createSlaFeature(deps: FeatureDeps, opts: SlaFeatureOptions): SlaFeature {
  const { config, db, clock } = deps;
  const logger = deps.logger.child({ component: 'sla' });
  const policy = config.policy.sla;
  const repo = new SlaRepository(db);
  const ticketing = opts.ticketing;

  let monitor: SlaMonitor | null = null;
  let notifier: SlaNotifier | null = null;
  let actions: ResponderActions | null = null;
  if (ticketing) {
    notifier = new SlaNotifier({
      db,
      repo,
      outbox: deps.outbox,
      ticketing,
      phone: opts.phone,
      oncall: config.policy.oncall,
      policy,
      alertsChannel: config.slack.alertsChannel,
      clock,
      logger,
      onCallLink: opts.oncall,
    });
    deps.outbox.setFolder(
      new SlaStormFolder({ db, outbox: deps.outbox, policy: config.policy.delivery, clock, logger }),
    );
    monitor = new SlaMonitor({
      db,
      repo,
      ticketing,
      notifier,
      policy,
      lease: deps.lease,
      clock,
      logger,
      pollIntervalMs: config.thehive?.pollIntervalMs ?? policy.pollIntervalMs,
      home: deps.home,
    });
    actions = new ResponderActions({
      db,
      repo,
      ticketing,
      notifier,
      monitor,
      responders: deps.responders,
      policy,
      clock,
      logger,
      home: deps.home,
    });
  }

  return {
    name: 'sla',
    monitor,
    repo,
    helpLines: ['• `/hive list` — open TheHive alerts and their SLA tiers; `/hive help` for promote and snooze'],
    registerSlack(app) {
      registerSlaListeners(app, {
        actions,
        repo,
        clock,
        tiersOf: (severity) => policy.severities[severity].tiers.length,
        ack: opts.ack,
        home: deps.home,
        logger,
      });
    },
    registerHttp(http) {
      const reporter = notifier;
      registerTwilioStatusRoute(http, {
        db,
        repo,
        authToken: opts.twilioAuthToken ?? null,
        publicUrl: deps.config.publicUrl,
        clock,
        logger,
        reportUndelivered: reporter ? (n, status) => reporter.reportDeliveryFailure(n, status) : null,
      });
    },
    async start() {
      if (!monitor) {
        logger.info('TheHive SLA monitor is off: THEHIVE_URL is not set');
        return;
      }
      if (!opts.phone) logger.info('Twilio is not configured: SLA tiers will send Slack notices only');
      monitor.start();
    },
    async stop() {
      await monitor?.stop();
    },
    activity: ticketing ? async (since) => ({ sla: await repo.alerts.activity(since.getTime()) }) : undefined,
  };
}
