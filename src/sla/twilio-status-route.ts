/**
 * `POST /twilio/status`: Twilio's message and call status callbacks. The signature is checked
 * against the public URL Twilio called; a forged or unsigned request gets 403 and changes nothing.
 */
import type { Logger } from 'winston';
import { validateTwilioSignature } from '../adapters/twilio/webhook-signature.js';
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

/**
 * Twilio's status callbacks are a few dozen short form fields (about 1–2 KB); anything near this
 * is not Twilio, and is refused before it is buffered or parsed.
 */
export const TWILIO_MAX_BODY_BYTES = 16 * 1024;

export function registerTwilioStatusRoute(http: HttpServer, d: TwilioStatusDeps): void {
  let lastRejectionLog = 0;
  const reject = () => {
    // A forger can send thousands; one line a minute says enough.
    const now = Date.now();
    if (now - lastRejectionLog >= 60_000) {
      lastRejectionLog = now;
      d.logger.warn('rejected Twilio callback with a bad or missing signature', { component: 'twilio-status' });
    }
    return { status: 403, body: { error: 'invalid signature' } };
  };
  http.route('POST', TWILIO_STATUS_PATH, async (req) => {
    const signature = req.headers['x-twilio-signature'];
    // Nothing is read for a request that cannot be valid.
    if (d.authToken === null || typeof signature !== 'string' || signature === '' || signature.length > 200) {
      return reject();
    }
    const params = Object.fromEntries(new URLSearchParams((await req.body(TWILIO_MAX_BODY_BYTES)).toString('utf8')));
    const query = req.query.toString();
    const url = `${d.publicUrl}${TWILIO_STATUS_PATH}${query ? `?${query}` : ''}`;
    if (!validateTwilioSignature(d.authToken, url, params, signature)) return reject();
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
