/**
 * The start of every Twilio webhook (status callbacks, Gather keypresses, inbound SMS): the
 * signature header is looked at before anything is read, the form body is capped at what Twilio
 * sends, and the signature is checked against the public URL Twilio called. A forger can send
 * thousands of requests, so rejections are logged once a minute, not each.
 */
import type { Logger } from 'winston';
import type { HttpRequest } from '../../http/server.js';
import { validateTwilioSignature } from './webhook-signature.js';

/**
 * Twilio's webhooks are a few dozen short form fields (an SMS body is at most 1,600 characters);
 * anything near this is not Twilio, and is refused before it is buffered or parsed.
 */
export const TWILIO_MAX_BODY_BYTES = 16 * 1024;

export interface SignedWebhookOptions {
  /** null while Twilio is not configured: every request is refused */
  authToken: string | null;
  publicUrl: string;
  logger: Logger;
  component: string;
}

export interface SignedWebhook {
  params: Record<string, string>;
  /** the full URL Twilio signed, query included: also the replay key of a webhook */
  url: string;
}

export type SignedWebhookReader = (req: HttpRequest, path: string) => Promise<SignedWebhook | null>;

/** A reader for one group of routes; null from it means "answer 403". */
export function signedWebhookReader(o: SignedWebhookOptions): SignedWebhookReader {
  let lastRejectionLog = 0;
  const reject = (path: string) => {
    const now = Date.now();
    if (now - lastRejectionLog >= 60_000) {
      lastRejectionLog = now;
      o.logger.warn('rejected Twilio webhook with a bad or missing signature (said once a minute)', {
        component: o.component,
        path,
      });
    }
    return null;
  };
  return async (req, path) => {
    const signature = req.headers['x-twilio-signature'];
    // Nothing is read for a request that cannot be valid.
    if (o.authToken === null || typeof signature !== 'string' || signature === '' || signature.length > 200) {
      return reject(path);
    }
    const params = Object.fromEntries(new URLSearchParams((await req.body(TWILIO_MAX_BODY_BYTES)).toString('utf8')));
    const query = req.query.toString();
    const url = `${o.publicUrl}${path}${query ? `?${query}` : ''}`;
    if (!validateTwilioSignature(o.authToken, url, params, signature)) return reject(path);
    return { params, url };
  };
}
