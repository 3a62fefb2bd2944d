import { createRequire } from 'node:module';

// Loaded on the first callback, not at start: a bot without Twilio never pays for the SDK.
const require = createRequire(import.meta.url);

/**
 * True when `signature` (the X-Twilio-Signature header) is what Twilio computes
 * for this URL and these form params with our auth token. `url` must be the full
 * public URL Twilio called, including any query string.
 */
export function validateTwilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string>,
  signature: string | undefined,
): boolean {
  if (!signature) return false;
  return (require('twilio') as typeof import('twilio')).validateRequest(authToken, signature, url, params);
}
