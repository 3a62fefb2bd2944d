import twilio from 'twilio';

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
  return twilio.validateRequest(authToken, signature, url, params);
}
