import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type * as TwilioHttpResponse from 'twilio/lib/http/response.js';
import { SecOpsError } from '../../errors.js';

/**
 * The twilio library hard-codes `https://api.twilio.com` (optionally with an
 * edge/region inserted into the host, from options or TWILIO_EDGE/TWILIO_REGION),
 * and edge/region cannot point at 127.0.0.1. Rewriting the origin here is the one
 * place every REST call passes through, so all of them land on `apiUrl`.
 */
const TWILIO_API_HOST = /^api(\.[a-z0-9-]+)*\.twilio\.com$/;

export class ApiUrlRequestClient extends twilio.RequestClient {
  private readonly apiBase: URL;

  constructor(apiUrl: string, timeoutMs: number) {
    // autoRetry stays off: the SLA service owns retries, and a hidden retry
    // inside the client would double-send an SMS the caller then retries again.
    super({ timeout: timeoutMs, autoRetry: false });
    this.apiBase = new URL(apiUrl);
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<TwilioHttpResponse.default<TData>> {
    return super.request({ ...opts, uri: this.rewrite(opts.uri) });
  }

  /** Exposed for tests: where a URI built by the library would really be sent. */
  rewrite(uri: string): string {
    const original = new URL(uri);
    if (!TWILIO_API_HOST.test(original.hostname)) {
      throw new SecOpsError('config', `refusing to send a Twilio request to unexpected host ${original.hostname}`);
    }
    const target = new URL(this.apiBase.href);
    target.pathname = `${this.apiBase.pathname.replace(/\/+$/, '')}${original.pathname}`;
    target.search = original.search;
    return target.href;
  }
}
