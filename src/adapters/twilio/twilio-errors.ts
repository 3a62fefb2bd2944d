import { createRequire } from 'node:module';

// The SDK is required on first use, not at import: a bot without Twilio never loads it.
const require = createRequire(import.meta.url);
const sdk = () => require('twilio') as typeof import('twilio');

import { type ErrorCode, SecOpsError } from '../../errors.js';
import { maskNumbersIn } from './phone-numbers.js';

const USER_MESSAGES: Partial<Record<ErrorCode, string>> = {
  unavailable: 'Twilio is unavailable right now.',
  rate_limited: 'Twilio is rate limiting us; try again shortly.',
  unauthorized: 'The bot’s Twilio credentials were rejected.',
  forbidden: 'The bot’s Twilio account is not allowed to do that.',
  invalid_input: 'Twilio rejected the request.',
  timeout: 'Twilio did not answer in time.',
};

function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 429) return 'rate_limited';
  if (status >= 400 && status < 500) return 'invalid_input';
  return 'unavailable';
}

function coded(code: ErrorCode, message: string, cause?: unknown): SecOpsError {
  return new SecOpsError(code, message, { userMessage: USER_MESSAGES[code], cause });
}

/** Shape shared by twilio's RestException and its RFC 9457 TwilioServiceException. */
interface TwilioHttpFailure {
  status: number;
  code?: number;
  message: string;
}

function isTwilioHttpFailure(err: unknown): err is TwilioHttpFailure {
  return err instanceof Error && typeof (err as { status?: unknown }).status === 'number' && !('isAxiosError' in err);
}

/**
 * Translate whatever the twilio client threw into our error. Axios errors are
 * never attached as `cause`: their `config.headers` carry the Basic auth header,
 * which would leak the auth token into any log that prints the cause.
 */
export function translateTwilioError(err: unknown, action: string): SecOpsError {
  if (err instanceof SecOpsError) return err;
  if (err instanceof sdk().RestException || isTwilioHttpFailure(err)) {
    const failure = err as TwilioHttpFailure;
    const twilioCode = failure.code === undefined ? '' : ` ${failure.code}`;
    const text = maskNumbersIn(failure.message ?? '');
    return coded(
      codeForStatus(failure.status),
      `Twilio ${action} failed: HTTP ${failure.status}, error${twilioCode}: ${text}`,
      { status: failure.status, twilioCode: failure.code },
    );
  }
  const networkCode = (err as { code?: unknown } | null)?.code;
  const detail = typeof networkCode === 'string' ? networkCode : err instanceof Error ? err.name : 'unknown error';
  if (networkCode === 'ECONNABORTED' || networkCode === 'ETIMEDOUT') {
    return coded('timeout', `Twilio ${action} timed out (${detail})`);
  }
  return coded('unavailable', `Twilio ${action} could not reach the API (${detail})`);
}

/** Twilio's numeric error code carried by a translated failure (e.g. 21610), if any. */
export function twilioCodeOf(err: unknown): number | undefined {
  if (!(err instanceof SecOpsError)) return undefined;
  const code = (err.cause as { twilioCode?: unknown } | undefined)?.twilioCode;
  return typeof code === 'number' ? code : undefined;
}

/** 21610: the recipient texted STOP to our number; no SMS reaches them until they text START. */
export const TWILIO_UNSUBSCRIBED = 21610;

export function isUnsubscribedRecipient(err: unknown): boolean {
  return twilioCodeOf(err) === TWILIO_UNSUBSCRIBED;
}
