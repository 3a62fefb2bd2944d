/**
 * `POST /twilio/status`: Twilio's message and call status callbacks. The signature is checked
 * against the public URL Twilio called; a forged or unsigned request gets 403 and changes nothing.
 */
import type { Logger } from 'winston';
import { signedWebhookReader } from '../adapters/twilio/signed-webhook.js';
import type { Clock } from '../core/ports.js';
import type { HttpServer } from '../http/server.js';
import { appendAudit } from '../store/audit.js';
import type { Db } from '../store/db.js';
import type { NotificationRow } from './notification-repository.js';
import type { SlaRepository } from './repository.js';

export const TWILIO_STATUS_PATH = '/twilio/status';

/** Twilio's final statuses for a message or call that did not reach the person. */
export const UNDELIVERED_STATUSES = new Set(['failed', 'undelivered', 'no-answer', 'busy', 'canceled']);

export interface TwilioStatusDeps {
  db: Db;
  repo: SlaRepository;
  /** null while Twilio is not configured: every callback is refused */
  authToken: string | null;
  publicUrl: string;
  clock: Clock;
  logger: Logger;
  /** tells the alert's thread that a send never arrived; null while TheHive is not configured */
  reportUndelivered: ((n: NotificationRow, status: string) => Promise<void>) | null;
}

export function registerTwilioStatusRoute(http: HttpServer, d: TwilioStatusDeps): void {
  const read = signedWebhookReader({ ...d, component: 'twilio-status' });
  http.route('POST', TWILIO_STATUS_PATH, async (req) => {
    const signed = await read(req, TWILIO_STATUS_PATH);
    if (!signed) return { status: 403, body: { error: 'invalid signature' } };
    const { params } = signed;
    const sid = params.MessageSid ?? params.CallSid;
    const status = params.MessageStatus ?? params.CallStatus;
    if (!sid || !status) return { status: 400, body: { error: 'MessageSid/CallSid and a status are required' } };
    const now = d.clock.now();
    const notification = await d.repo.notifications.recordTwilioStatus(sid, status, params, now.getTime());
    await appendAudit(d.db, {
      at: now,
      actor: 'twilio',
      action: 'sla.delivery_status',
      subject: notification ? `hive:${notification.alertId}` : `twilio:${sid}`,
      details: { sid, status, method: notification?.method ?? null, tier: notification?.tier ?? null },
    });
    if (
      notification &&
      notification.method !== 'slack' &&
      UNDELIVERED_STATUSES.has(status) &&
      notification.deliveryStatus === status &&
      d.reportUndelivered
    ) {
      // Twilio retries a callback that does not get a 2xx, so a Slack hiccup must not fail the request.
      await d.reportUndelivered(notification, status).catch((err: unknown) =>
        d.logger.warn('could not report an undelivered notification in Slack', {
          component: 'twilio-status',
          alert: notification.alertId,
          err,
        }),
      );
    }
    return { status: 204 };
  });
}
