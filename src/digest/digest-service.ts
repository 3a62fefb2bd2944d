import type { Block, ChatPostMessageArguments, KnownBlock } from '@slack/web-api';
import type { Logger } from 'winston';
import { buildDigest, type Digest, type MetricReading } from '../core/digest/index.js';
import type { MetricsPort } from '../core/ports.js';
import type { Feature, FeatureDeps } from '../feature.js';
import { transactionWithRetry } from '../store/db.js';
import { collectActivity } from './activity.js';
import { auditDigest, DIGEST_REF, digestPayload, slotKey } from './digest-outbox.js';
import type { DigestRepository } from './digest-repository.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export type SlotResult = 'queued' | 'already_claimed';

/** How an on-demand digest reached the person who asked. */
export type OnDemandResult = { shown: 'channel'; ts: string } | { shown: 'ephemeral' };

async function read(metric: () => Promise<number>): Promise<MetricReading> {
  try {
    return { ok: true, value: await metric() };
  } catch (err) {
    // SecOpsError messages from the Nanitor adapter name the endpoint and the problem, never the token.
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** The core builds Block Kit as plain objects; this is where they meet Slack's types. */
function message(channel: string, digest: Digest): ChatPostMessageArguments {
  const blocks = digest.blocks as (KnownBlock | Block)[];
  return { channel, text: digest.text, blocks, unfurl_links: false, unfurl_media: false };
}

/**
 * Builds a digest from Nanitor, the history and the other features, posts it and
 * records it. Used by the scheduler (one slot, posted once) and by /secops status.
 */
export class DigestService {
  private readonly logger: Logger;

  constructor(
    private readonly deps: FeatureDeps,
    private readonly metrics: MetricsPort,
    private readonly activitySources: () => Feature[],
    private readonly repo: DigestRepository,
  ) {
    this.logger = deps.logger.child({ component: 'digest' });
  }

  async build(now: Date, late: boolean): Promise<Digest> {
    const [health, p0, previous, activity] = await Promise.all([
      read(() => this.metrics.healthScore()),
      read(() => this.metrics.p0Count()),
      this.repo.previousWithValues(now),
      collectActivity(this.activitySources(), new Date(now.getTime() - DAY_MS), this.logger),
    ]);
    return buildDigest({ generatedAt: now, late, health, p0, previous, activity }, this.deps.config.policy.digest);
  }

  /**
   * Queues the digest of one scheduled slot, unless some replica (or an earlier run) already
   * claimed it. The claim and the outbox row (keyed by the slot) commit together: a slot is
   * never claimed without its post, nor posted twice. The outbox delivers it, retrying if Slack
   * is away, and its sender records the result (digest-outbox.ts), so a stop right after
   * queueing loses nothing.
   */
  async postSlot(slotAt: Date, late: boolean): Promise<SlotResult> {
    const { clock, config, outbox, lease, db } = this.deps;
    // Only saves building a digest nobody will post; the claim below decides.
    if (await this.repo.isClaimed(slotAt)) return 'already_claimed';
    const generatedAt = clock.now();
    const digest = await this.build(generatedAt, late);
    const channel = config.slack.digestChannel;
    const built = this.values(digest, generatedAt);
    const id = await transactionWithRetry(db, async (trx) => {
      const claim = { late, now: clock.now(), replica: lease.holder, built };
      const claimed = await this.repo.claimSlot(slotAt, claim, trx);
      if (claimed === null) return null;
      const key = slotKey(slotAt);
      const ref = `${DIGEST_REF}:${claimed}`;
      if (!(await outbox.enqueue(trx, { kind: 'slack_post', key, to: channel, payload: digestPayload(digest), ref }))) {
        // Only if its digests row was deleted by hand: the slot went out once already.
        throw new Error(`the outbox already has ${key} without its claim; not posting it again`);
      }
      return claimed;
    });
    if (id === null) return 'already_claimed';
    if (digest.failures.length > 0) this.logger.warn('digest has unavailable metrics', { failures: digest.failures });
    this.logger.info('digest queued', { slot: slotAt.toISOString(), late, channel });
    return 'queued';
  }

  /**
   * /secops status: the same digest in the channel where it was asked for. When the
   * bot may not post there, `showEphemeral` shows it to the asker alone instead.
   */
  async postOnDemand(request: {
    userId: string;
    channel: string;
    showEphemeral: (digest: Digest) => Promise<void>;
  }): Promise<OnDemandResult> {
    const { clock, outbox, lease } = this.deps;
    const { userId, channel } = request;
    const id = await this.repo.createOnDemand({ requestedBy: userId, now: clock.now(), replica: lease.holder });
    const generatedAt = clock.now();
    const digest = await this.build(generatedAt, false);
    let ts: string | null = null;
    try {
      ts = (await outbox.post(message(channel, digest))).ts;
    } catch (err) {
      this.logger.info('cannot post the digest in that channel; showing it to the asker only', {
        channel,
        error: (err as { data?: { error?: string } }).data?.error ?? String(err),
      });
    }
    if (ts === null) {
      try {
        await request.showEphemeral(digest);
      } catch (err) {
        await this.repo.complete(id, { ...this.values(digest, generatedAt), status: 'failed', channel, ts: null });
        throw err;
      }
    }
    const shown = ts === null ? 'ephemeral' : 'channel';
    await this.audit(id, userId, { kind: 'on_demand', channel, ts, shown, digest });
    await this.record(id, digest, generatedAt, { channel: ts === null ? null : channel, ts });
    return ts === null ? { shown: 'ephemeral' } : { shown: 'channel', ts };
  }

  private values(digest: Digest, generatedAt: Date) {
    return { generatedAt, health: digest.health, p0: digest.p0, failures: digest.failures };
  }

  private async record(
    id: number,
    digest: Digest,
    generatedAt: Date,
    where: { channel: string | null; ts: string | null },
  ): Promise<void> {
    await this.repo.complete(id, { ...this.values(digest, generatedAt), status: 'posted', ...where });
  }

  private async audit(id: number, actor: string, details: Record<string, unknown> & { digest: Digest }): Promise<void> {
    const { digest, ...rest } = details;
    await auditDigest(
      this.deps.db,
      this.deps.clock.now(),
      { id, actor },
      { ...rest, health: digest.health, p0: digest.p0, failures: digest.failures },
    );
  }
}
