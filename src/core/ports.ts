/**
 * Ports: the small interfaces the core owns and the adapters implement.
 * Another chat, 2FA, ticketing, phone or metrics provider is one new adapter
 * implementing one of these; nothing above it changes.
 */

/** Time is passed in, never read inside the core. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

// ---------------------------------------------------------------- second factor

export type SecondFactorOutcome =
  | { ok: true; username: string }
  /** unavailable: the provider could not be reached or did not answer in time (not a failed check) */
  | { ok: false; reason: 'denied' | 'wrong_user' | 'error' | 'unavailable'; detail: string };

export interface SecondFactorPort {
  readonly name: string;
  /** False when the provider cannot be reached or refuses our credentials. */
  healthy(): Promise<boolean>;
  /** URL the user opens in a browser to prove it is them. `state` is ours, single-use. */
  authUrl(username: string, state: string): Promise<string>;
  /**
   * Exchange the code from the callback. Must only return ok when the provider says
   * the authentication was allowed AND it was for `username`.
   */
  verify(code: string, username: string): Promise<SecondFactorOutcome>;
}

/** A push-capable device, as the user knows it ("iPhone", "Pixel 8"). */
export interface PushDevice {
  id: string;
  name: string;
}

/** What the provider says before a push: whether one can be sent, and where. */
export type PushPreauth =
  /** `verificationCode`: Verified Push, the user must type this code on the phone to approve */
  | { kind: 'push'; device: PushDevice; verification: { txid: string; code: string } | null }
  /** the user is not enrolled, or has no device that takes pushes */
  | { kind: 'enroll' | 'no_push_device'; detail: string }
  /** the provider lets this user in without a second factor (bypass): never a confirmation */
  | { kind: 'bypass'; detail: string }
  /** the provider refuses this user (locked out, denied by policy) */
  | { kind: 'deny'; detail: string };

export interface PushInfo {
  /** what the phone shows as the request's kind, e.g. "Security check" */
  type: string;
  /** key/value lines shown with the push (alert title, reason, "from: secops-bot") */
  details: Record<string, string>;
}

/**
 * result: waiting until the user acts; status is the provider's own word for the outcome
 * (allow, deny, fraud, timeout, locked_out, …), statusMsg its sentence.
 */
export interface PushStatus {
  result: 'waiting' | 'allow' | 'deny';
  status: string;
  statusMsg: string;
}

/**
 * A second factor that can push straight to the user's phone (Duo Auth API). Failures throw
 * SecOpsError: `rate_limited` (back off and ask again), `unauthorized` (our keys are wrong),
 * `unavailable`/`timeout` (the provider cannot be reached), `bad_response`.
 */
export interface PushSecondFactorPort {
  readonly name: string;
  /** ok when the provider answers and accepts our keys; detail says which it was not */
  check(): Promise<{ ok: true } | { ok: false; detail: string }>;
  preauth(username: string): Promise<PushPreauth>;
  /** Sends the push and returns at once with its transaction id. */
  push(username: string, device: PushDevice, info: PushInfo, verifiedTxid: string | null): Promise<{ txid: string }>;
  /** The push's status; may wait (long poll) up to the adapter's bound for a change. */
  status(txid: string): Promise<PushStatus>;
}

// ---------------------------------------------------------------- phone (SMS / voice)

export interface PhoneSendResult {
  sid: string;
  status: string;
}

export interface PhonePort {
  sendSms(to: string, body: string): Promise<PhoneSendResult>;
  /** Places a call that speaks `say` (plain text; the adapter builds and escapes TwiML). */
  call(to: string, say: string): Promise<PhoneSendResult>;
}

// ---------------------------------------------------------------- ticketing (TheHive)

export type Severity = 1 | 2 | 3 | 4;

export interface TicketAlert {
  id: string;
  title: string;
  description: string;
  severity: Severity;
  /** ms since epoch, from TheHive's `_createdAt` */
  createdAt: number;
  /** open: New/InProgress (5) or not imported (4.1); closed covers Closed/Ignored/Duplicated */
  state: 'open' | 'imported' | 'closed';
  caseId: string | null;
  /** observable `data` strings, for high-risk word matching */
  observables: string[];
}

export interface TicketCase {
  id: string;
  number: number;
}

export interface TicketingPort {
  listOpenAlerts(): Promise<TicketAlert[]>;
  /** null when TheHive says 404 */
  getAlert(id: string): Promise<TicketAlert | null>;
  promote(id: string): Promise<TicketCase>;
  alertUrl(id: string): string;
  caseUrl(c: TicketCase): string;
}

// ---------------------------------------------------------------- metrics (Nanitor)

export interface MetricsPort {
  /** Overall health score as a fraction 0..1 (the adapter normalizes percentages). */
  healthScore(): Promise<number>;
  /** Number of open P0 (critical) issues. */
  p0Count(): Promise<number>;
}
