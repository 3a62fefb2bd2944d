/**
 * The "did you do this?" feature: intake → DM → Duo → confirmed, or escalation to the channel.
 * State lives in the database; this object only wires the parts and tracks background work
 * so `stop()` can let it finish.
 */
import type { PushSecondFactorPort, SecondFactorPort } from '../core/ports.js';
import type { Feature, FeatureActivity, FeatureDeps } from '../feature.js';
import type { RetryPolicy } from '../retry/retry.js';
import { processAlert } from './asking.js';
import type { ConfirmContext } from './context.js';
import { DeadlineScheduler } from './deadline-scheduler.js';
import { DuoStateStore } from './duo-states.js';
import { keys, registerConfirmOutbox } from './escalation.js';
import { registerConfirmRoutes } from './http-routes.js';
import { IgnoreRuleStore } from './ignore-rule-store.js';
import { PushPoller } from './push/push-poller.js';
import { DEFAULT_PUSH_TUNING, type PushTuning } from './push/push-runner.js';
import { PushStore } from './push/push-store.js';
import { KnexConfirmationRepo } from './repository.js';
import {
  commentHandler,
  registerConfirmListeners,
  type TestAlertOutcome,
  testAlertHandler,
} from './slack-listeners.js';
import { moveAlert } from './transitions.js';
import type { IntakeInput, IntakeResult } from './types.js';

export type ConfirmFeature = Feature & {
  intake(input: IntakeInput): Promise<IntakeResult>;
  /** Duo Push's state for /healthz: off (not configured), ok, or degraded (keys refused, unreachable) */
  duoPushHealth(): 'off' | 'checking' | 'ok' | 'degraded';
};

export interface ConfirmFeatureOptions {
  secondFactor: SecondFactorPort | null;
  /** Duo Push through the Auth API; null when DUO_AUTH_API_* is not set */
  push?: PushSecondFactorPort | null;
  /** push polling tuning (tests shorten it) and how often lapsed pushes are looked for (default 5 s) */
  pushTuning?: Partial<PushTuning> & { scanIntervalMs?: number };
  /** identifies this replica as the owner of push leases */
  replicaId?: string;
  /**
   * how often the lease holder re-runs the sweep of unfinished work and re-reads the earliest
   * deadline, which bounds how late a deadline set on another replica fires (default 30 s)
   */
  sweepIntervalMs?: number;
  /** retries of a failed Slack look-up (default: waits of 250 ms, 1 s, 4 s) */
  lookupRetry?: RetryPolicy;
  /** new alerts processed at once (Slack look-ups, the question); past it intake answers 429 (default 200) */
  maxProcessing?: number;
}

const STOP_WAIT_MS = 2000;
const TIMEOUT_CONCURRENCY = 8;
const BACKLOG_CHECK_MS = 1000;
/** How long the `test` DM waits for its question to be delivered before answering. */
const TEST_DM_WAIT_MS = 5000;
const DEFAULT_SWEEP_INTERVAL_MS = 30_000;
const DEFAULT_MAX_PROCESSING = 200;
const DEFAULT_LOOKUP_RETRY: RetryPolicy = { retries: 3, minDelayMs: 250, factor: 4 };

export function createConfirmFeature(deps: FeatureDeps, opts: ConfirmFeatureOptions): ConfirmFeature {
  const logger = deps.logger.child({ component: 'confirm' });
  const repo = new KnexConfirmationRepo(deps.db);
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  };
  let scheduler: DeadlineScheduler | null = null;
  let sweepTimer: NodeJS.Timeout | null = null;
  const stopping = new AbortController();
  const push = opts.push ?? null;
  let poller: PushPoller | null = null;
  let pushHealth: 'off' | 'checking' | 'ok' | 'degraded' = push ? 'checking' : 'off';
  const ctx: ConfirmContext = {
    repo,
    duoStates: new DuoStateStore(deps.db),
    rules: new IgnoreRuleStore(deps.db),
    outbox: deps.outbox,
    slack: deps.slack,
    secondFactor: opts.secondFactor,
    policy: deps.config.policy.confirm,
    clock: deps.clock,
    logger,
    escalationChannel: deps.config.slack.escalationChannel,
    lookupRetry: opts.lookupRetry ?? DEFAULT_LOOKUP_RETRY,
    stopping: stopping.signal,
    changed: () => scheduler?.rearm(),
    push,
    pushes: new PushStore(deps.db),
    pushTuning: { ...DEFAULT_PUSH_TUNING, ...opts.pushTuning },
    replicaId: opts.replicaId ?? 'replica',
    startPush: (alertId) => poller?.kick(alertId),
    duoUsernameFrom: deps.config.duoUsernameFrom ?? 'email_local',
    home: deps.home,
  };
  poller = push ? new PushPoller(ctx, opts.pushTuning?.scanIntervalMs ?? 5000, track) : null;

  /** /auth/v2/check: one clear line when the keys are wrong; /healthz shows Duo degraded, not the bot down. */
  const checkPush = async () => {
    if (!push) return;
    const r = await push.check();
    const was = pushHealth;
    pushHealth = r.ok ? 'ok' : 'degraded';
    if (!r.ok)
      logger.error(
        `confirm: Duo Push is not working: ${r.detail}; a "yes" is escalated as 2fa_unavailable until it is fixed`,
      );
    else if (was !== 'ok') logger.info('confirm: Duo Auth API keys accepted (/auth/v2/check)');
  };
  let pushCheckTimer: NodeJS.Timeout | null = null;

  const runInBackground = (what: string, work: () => Promise<void>) => {
    void track(work()).catch((err: unknown) => logger.error(`confirm: ${what} failed`, { err }));
  };

  registerConfirmOutbox(deps.outbox, ctx);

  /**
   * Time-outs only write their status and queue their escalation (the outbox posts it), so a
   * slow channel holds none of them up; a few run at once to keep a burst short.
   */
  const fireDue = async (now: Date) => {
    const due = await repo.due(now.getTime());
    for (let i = 0; i < due.length; i += TIMEOUT_CONCURRENCY) {
      await Promise.all(
        due.slice(i, i + TIMEOUT_CONCURRENCY).map((alert) => {
          const patch = alert.dmTs ? {} : { outcomeDetail: 'the question DM was never confirmed as delivered' };
          return track(moveAlert(ctx, alert, { type: 'timed_out' }, patch)).catch((err: unknown) =>
            logger.error('confirm: time-out failed', { alert: alert.id, err }),
          );
        }),
      );
    }
  };

  /**
   * Finishes what a crashed process or a failed Slack call left undone (alerts still `new`, asks
   * without a DM, unposted escalations). Every step is claimed, so overlapping replicas are safe.
   */
  let sweeping = false;
  const sweep = async () => {
    if (sweeping || stopping.signal.aborted) return;
    sweeping = true;
    try {
      for (const alert of await repo.unfinished()) {
        if (stopping.signal.aborted || !deps.lease.isHeld()) break;
        await processAlert(ctx, alert);
      }
    } finally {
      sweeping = false;
    }
  };

  /**
   * New alerts whose processing (Slack look-ups, the question) is under way. The outbox bounds
   * what waits to be sent, but not this: a Slack slow to answer look-ups (429s honoured for
   * seconds) would pile alerts up in memory, so past a bound intake pushes back as well.
   */
  let processing = 0;
  const maxProcessing = opts.maxProcessing ?? DEFAULT_MAX_PROCESSING;

  /** The outbox depth, read at most once a second: cheap under a burst of intake. */
  let depth = { value: 0, at: 0 };
  const backlogFull = async () => {
    if (processing >= maxProcessing) return true;
    if (Date.now() - depth.at > BACKLOG_CHECK_MS) depth = { value: await deps.outbox.depth(), at: Date.now() };
    return depth.value >= deps.config.policy.delivery.maxBacklog;
  };

  const intake = async (input: IntakeInput): Promise<IntakeResult> => {
    const { alert, created } = await repo.create(input, deps.clock.now().getTime());
    if (created) {
      processing += 1;
      runInBackground('processing a new alert', () =>
        processAlert(ctx, alert).finally(() => {
          processing -= 1;
        }),
      );
    }
    return { id: alert.id, status: alert.status, created };
  };

  /**
   * The `test` DM waits for the outcome so its reply can say what actually happened. A database
   * that drops meanwhile is waited out: the DM may well have reached Slack, and the reply must not
   * say it did not.
   */
  const raiseTestAlert = async (input: IntakeInput): Promise<TestAlertOutcome> => {
    const { alert, created } = await repo.create(input, deps.clock.now().getTime());
    if (created) await track(processAlert(ctx, alert));
    const deadline = Date.now() + TEST_DM_WAIT_MS;
    let current = alert;
    for (;;) {
      try {
        current = (await repo.get(alert.id)) ?? current;
        if (current.dmTs) return { alert: current, dm: 'sent' };
        if (current.status !== 'asked') return { alert: current, dm: 'unconfirmed' };
        const row = await deps.outbox.repo.byKey(deps.db, keys.dm(alert.id));
        if (row?.status === 'failed') return { alert: current, dm: 'failed' };
      } catch (err) {
        logger.warn('confirm: cannot read the test alert yet; waiting', { alert: alert.id, err });
      }
      if (Date.now() > deadline) return { alert: current, dm: 'unconfirmed' };
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  return {
    name: 'confirm',
    helpLines: ['• `test` — send yourself a harmless test security alert, to see how confirmation works'],
    dmHandlers: [testAlertHandler(raiseTestAlert), commentHandler(ctx)],
    intake,
    duoPushHealth: () => pushHealth,
    registerSlack(app) {
      registerConfirmListeners(app, ctx, track);
    },
    registerHttp(http) {
      registerConfirmRoutes(http, { ctx, db: deps.db, apiToken: deps.config.apiToken, intake, backlogFull });
    },
    async start() {
      const mode = ctx.policy.secondFactor ?? 'auto';
      const using = mode === 'prompt' || (mode === 'auto' && !push) ? opts.secondFactor : push;
      logger.info(
        using
          ? `confirm: on, verifying "yes" answers with ${using.name} (confirm.second_factor: ${mode})`
          : `confirm: on, but no Duo application for confirm.second_factor: ${mode} is set, so a "yes" is escalated as unverified (2fa_unavailable)`,
      );
      if (push) {
        runInBackground('Duo Auth API check', checkPush);
        pushCheckTimer = setInterval(() => runInBackground('Duo Auth API check', checkPush), 60_000);
        pushCheckTimer.unref();
        poller?.start();
      }
      if (deps.config.apiToken === null) logger.info('confirm: REST API off (API_TOKEN is not set)');
      scheduler = new DeadlineScheduler(repo, deps.lease, deps.clock, fireDue, logger);
      scheduler.start();
      deps.lease.onChange((held) => {
        if (held) runInBackground('sweep', sweep);
      });
      if (deps.lease.isHeld()) runInBackground('sweep', sweep);
      sweepTimer = setInterval(() => {
        if (!deps.lease.isHeld()) return;
        runInBackground('periodic sweep', sweep);
      }, opts.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
      sweepTimer.unref();
    },
    async stop() {
      stopping.abort();
      if (sweepTimer) clearInterval(sweepTimer);
      if (pushCheckTimer) clearInterval(pushCheckTimer);
      await poller?.stop();
      await scheduler?.stop();
      const pending = Promise.allSettled([...inFlight]);
      await Promise.race([pending, new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
      await poller?.releaseAll();
    },
    async activity(since: Date): Promise<FeatureActivity> {
      const counts = await repo.countTransitionsSince(since.getTime());
      return {
        confirmations: {
          asked: counts['confirm.asked'] ?? 0,
          confirmed: counts['confirm.confirmed'] ?? 0,
          escalated: counts['confirm.escalated'] ?? 0,
        },
      };
    },
  };
}
