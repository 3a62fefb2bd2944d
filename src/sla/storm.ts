/**
 * Alert storms. When more SLA notices are due for the alerts channel than it can take within a
 * few seconds (delivery.fold_notices_after), they are folded into one summary message for the
 * channel, updated in place while the storm lasts ("43 alerts past SLA: …", worst first, with
 * `/hive list` for the rest); an alert whose notice was folded gets its own notice again at its
 * next tier once the storm has passed. Pages to one number fold the same way
 * (delivery.fold_pages_after): one SMS listing several alerts instead of one SMS each.
 */
import type { Knex } from 'knex';
import type { Logger } from 'winston';
import { escapeMrkdwn } from '../core/escape.js';
import type { Clock, Severity } from '../core/ports.js';
import type { DeliveryPolicy } from '../core/sla/policy.js';
import type { StormFolder } from '../outbox/folding.js';
import type { Outbox } from '../outbox/outbox.js';
import type { OutboxRow } from '../outbox/types.js';
import type { Db } from '../store/db.js';
import { displayId } from './notice-blocks.js';

/** A summary posted less than this long ago is updated rather than posted again. */
const STORM_WINDOW_MS = 10 * 60_000;
const FOLD_BATCH = 2000;
const LISTED = 10;
const SMS_LISTED = 4;

export class SlaStormFolder implements StormFolder {
  constructor(private readonly d: { db: Db; outbox: Outbox; policy: DeliveryPolicy; clock: Clock; logger: Logger }) {}

  async maybeFold(row: OutboxRow, now: number): Promise<boolean> {
    const threshold = row.fold === 'sla_notice' ? this.d.policy.foldNoticesAfter : this.d.policy.foldPagesAfter;
    if (row.fold !== 'sla_notice' && row.fold !== 'page') return false;
    const due = await this.d.outbox.repo.countPendingFold(row.lane, row.kind, row.fold, now);
    if (due <= threshold) return false;
    const rows = await this.d.outbox.repo.pendingFold(row.lane, row.kind, row.fold, now, FOLD_BATCH);
    const folded = await this.d.db.transaction(async (trx) => {
      const n = await this.d.outbox.repo.markFolded(
        trx,
        rows.map((r) => r.id),
      );
      if (row.fold === 'sla_notice') {
        await this.summarise(trx, row.lane, now);
        const alertIds = rows.flatMap((r) =>
          r.ref?.startsWith('sla.notice:') ? [r.ref.slice('sla.notice:'.length)] : [],
        );
        if (alertIds.length) {
          await trx('sla_notifications')
            .whereIn('alert_id', alertIds)
            .where({ method: 'slack', status: 'queued' })
            .update({ status: 'sent', error: 'folded into the storm summary', updated_at: now });
        }
      } else await this.pageSummary(trx, rows, row.kind === 'call' ? 'call' : 'sms', row.lane, now);
      return n;
    });
    this.d.logger.warn('SLA storm: folded messages into one summary', {
      component: 'sla',
      lane: row.fold === 'page' ? 'phone' : row.lane,
      folded,
    });
    return true;
  }

  /** The channel's summary: posted once per storm, then updated in place. */
  private async summarise(trx: Knex.Transaction, channel: string, now: number): Promise<void> {
    const payload = await this.summaryPayload(trx);
    const recent = await trx('outbox')
      .where({ lane: channel, fold: 'summary', kind: 'slack_post' })
      .andWhere('created_at', '>', now - STORM_WINDOW_MS)
      .orderBy('id', 'desc')
      .first('idem_key');
    if (!recent) {
      await this.d.outbox.enqueue(trx, {
        kind: 'slack_post',
        key: `sla:summary:${channel}:${now}`,
        to: channel,
        payload,
        fold: 'summary',
      });
      return;
    }
    const key = String(recent.idem_key);
    if (await this.d.outbox.repo.replacePending(trx, key, payload)) return;
    await this.d.outbox.repo.supersedeUpdates(trx, key);
    await this.d.outbox.enqueue(trx, {
      kind: 'slack_update',
      key: `${key}:u${now}`,
      to: channel,
      payload,
      after: { key, as: 'ts' },
    });
  }

  /** Open alerts past SLA without a notice of their own, worst first. */
  private async summaryPayload(trx: Knex.Transaction) {
    const rows = (await trx('sla_alerts')
      .where({ state: 'open' })
      .andWhere('fired_tier', '>=', 0)
      .whereNull('notice_ts')
      .orderBy([
        { column: 'severity', order: 'desc' },
        { column: 'fired_tier', order: 'desc' },
        { column: 'created_at', order: 'asc' },
      ])
      .select('alert_id', 'severity', 'title', 'fired_tier', 'fired_label')) as Record<string, unknown>[];
    const byTier = new Map<number, number>();
    for (const r of rows) byTier.set(Number(r.fired_tier), (byTier.get(Number(r.fired_tier)) ?? 0) + 1);
    const tiers = [...byTier.entries()]
      .sort((a, b) => b[0] - a[0])
      .map(([tier, n]) => `${n} at tier ${tier + 1}`)
      .join(', ');
    const head = `:rotating_light: *${rows.length} alerts past SLA* (${tiers}): too many for one notice each.`;
    const lines = rows
      .slice(0, LISTED)
      .map(
        (r) =>
          `• sev ${Number(r.severity) as Severity} · ${displayId(String(r.alert_id))} · ${escapeMrkdwn(String(r.title), 120)} · ${escapeMrkdwn(String(r.fired_label ?? ''), 60)}`,
      );
    const more = rows.length > LISTED ? `\n…and ${rows.length - LISTED} more.` : '';
    const text = `${head}\n${lines.join('\n')}${more}\nUse \`/hive list\` for all of them, \`/hive promote <id>\` or \`/hive snooze <id>\` to act.`;
    return { text };
  }

  /** One SMS (or one call) for several pages to one number; each folded page counts as sent with it. */
  private async pageSummary(
    trx: Knex.Transaction,
    rows: OutboxRow[],
    kind: 'sms' | 'call',
    phone: string,
    now: number,
  ): Promise<void> {
    let text: string;
    if (kind === 'sms') {
      const texts = rows.map((r) => (r.payload as { text: string }).text.replace(/^SecOps SLA: /, ''));
      const listed = texts.slice(0, SMS_LISTED).join(' | ');
      const more = texts.length > SMS_LISTED ? ` | +${texts.length - SMS_LISTED} more` : '';
      text = `SecOps SLA: ${rows.length} alerts past SLA: ${listed}${more}. See Slack (/hive list).`.slice(0, 1500);
    } else {
      text = `This is the security operations bot. ${rows.length} TheHive alerts are past their SLA. Please check Slack and use hive list.`;
    }
    await this.d.outbox.enqueue(trx, { kind, key: `sla:pages:${kind}:${phone}:${now}`, to: phone, payload: { text } });
    const ids = rows.flatMap((r) => (r.ref?.startsWith('sla.notification:') ? [Number(r.ref.split(':')[1])] : []));
    if (ids.length) {
      await trx('sla_notifications')
        .whereIn('id', ids)
        .update({ status: 'sent', error: 'folded into one SMS', updated_at: now });
    }
  }
}
