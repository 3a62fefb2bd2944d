import { isE164 } from '../../core/sla/policy.js';
import { SecOpsError } from '../../errors.js';

/**
 * Only the last four digits survive, so a log line can tell two recipients
 * apart without ever holding a full phone number.
 */
export function maskNumber(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  return digits.length < 4 ? '…' : `…${digits.slice(-4)}`;
}

/** Masks every E.164-looking number in free text (Twilio echoes numbers back in error messages). */
export function maskNumbersIn(text: string): string {
  return text.replace(/\+\d{7,15}/g, (match) => maskNumber(match));
}

export function requireE164(value: string, what: string): string {
  if (!isE164(value)) {
    throw new SecOpsError('invalid_input', `${what} is not an E.164 phone number (${maskNumber(value)})`, {
      userMessage: `The ${what} phone number is not in international format (+<country><number>).`,
    });
  }
  return value;
}
