/**
 * Our own error type. Adapters translate vendor failures into it at the edge so
 * that listeners can map `code` to something honest for the user, and so that
 * nothing above an adapter has to know a vendor's error shapes.
 */
export type ErrorCode =
  | 'config'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'bad_response'
  | 'unavailable'
  | 'timeout'
  | 'invalid_input';

export class SecOpsError extends Error {
  readonly code: ErrorCode;
  /** A message that is safe to show to a Slack user (no secrets, no internals). */
  readonly userMessage: string | undefined;

  constructor(code: ErrorCode, message: string, options: { userMessage?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SecOpsError';
    this.code = code;
    this.userMessage = options.userMessage;
  }
}

export function isSecOpsError(err: unknown, code?: ErrorCode): err is SecOpsError {
  return err instanceof SecOpsError && (code === undefined || err.code === code);
}
