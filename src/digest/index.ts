import type { MetricsPort } from '../core/ports.js';
import type { Feature, FeatureDeps } from '../feature.js';
import { registerDigestOutbox } from './digest-outbox.js';
import { DigestRepository } from './digest-repository.js';
import { DigestScheduler } from './digest-scheduler.js';
import { DigestService } from './digest-service.js';
import { type AskFn, registerSecopsCommand } from './secops-command.js';

export { DigestRepository, type StoredDigest } from './digest-repository.js';
export { DigestService } from './digest-service.js';

export interface DigestFeatureOptions {
  /** null when Nanitor is not configured: no schedule, and /secops status says so. */
  metrics: MetricsPort | null;
  /** every feature of the bot; those with `activity` add their last-24-h figures */
  activitySources: () => Feature[];
  /** `/secops ask`: the confirmation feature's intake */
  ask?: AskFn;
}

/** The daily SecOps digest: scheduled posts to the digest channel and `/secops status`. */
export function createDigestFeature(deps: FeatureDeps, opts: DigestFeatureOptions): Feature {
  const repo = new DigestRepository(deps.db);
  // Even without Nanitor here: this replica's sender may deliver a digest another one queued.
  registerDigestOutbox(deps.outbox, repo, { clock: deps.clock, logger: deps.logger.child({ component: 'digest' }) });
  const service = opts.metrics ? new DigestService(deps, opts.metrics, opts.activitySources, repo) : null;
  const scheduler = service ? new DigestScheduler(deps, service, repo) : null;
  return {
    name: 'digest',
    helpLines: [
      '• `/secops status` (in a channel) — the SecOps digest now: Nanitor health score, P0 issues, trend',
      '• `/secops ask @someone <what happened>` (responders) — ask that person "did you do this?" as a detector would',
    ],
    registerSlack(app) {
      registerSecopsCommand(app, { service, logger: deps.logger, responders: deps.responders, ask: opts.ask });
    },
    async start() {
      if (!scheduler) {
        deps.logger.info('digest is off: NANITOR_BASE_URL is not set', { component: 'digest' });
        return;
      }
      scheduler.start();
    },
    async stop() {
      await scheduler?.stop();
    },
  };
}
