/**
 * The claims of the id_token Duo's /oauth/v1/token returns, in the shape of
 * the Duo OIDC Auth API (and of the SDK's TokenResponsePayload type).
 */
import { randomBytes } from 'node:crypto';
import type { JwtClaims } from './hs512-jwt.js';

export type DuoDecision = 'allow' | 'deny';

export interface IdTokenInput {
  apiHost: string;
  clientId: string;
  /** The username in the id_token: the prompted one, or a forged one in tests. */
  username: string;
  decision: DuoDecision;
  decidedAtSeconds: number;
  nowSeconds: number;
  nonce?: string;
  lifetimeSeconds: number;
}

const emptyLocation = { city: '', state: '', country: '' };

export function buildIdTokenClaims(input: IdTokenInput): JwtClaims {
  const allowed = input.decision === 'allow';
  const claims: JwtClaims = {
    iss: `https://${input.apiHost}/oauth/v1/token`,
    sub: input.username,
    aud: input.clientId,
    iat: input.nowSeconds,
    exp: input.nowSeconds + input.lifetimeSeconds,
    auth_time: input.decidedAtSeconds,
    preferred_username: input.username,
    auth_result: allowed
      ? { result: 'allow', status: 'allow', status_msg: 'Login Successful' }
      : { result: 'deny', status: 'deny', status_msg: 'Login denied by the user' },
    auth_context: {
      txid: randomBytes(16).toString('hex'),
      timestamp: input.decidedAtSeconds,
      user: { name: input.username, key: 'DUSIMULATEDUSER00000', groups: [] },
      application: { name: 'secops-bot (simulated Duo)', key: input.clientId },
      auth_device: { ip: null, location: emptyLocation, name: 'Simulated phone' },
      access_device: { ip: '127.0.0.1', location: emptyLocation, hostname: null, epkey: null },
      factor: 'duo_push',
      event_type: 'authentication',
      result: allowed ? 'success' : 'denied',
      reason: allowed ? 'user_approved' : 'user_cancelled',
      alias: '',
      isotimestamp: new Date(input.decidedAtSeconds * 1000).toISOString(),
      email: null,
      ood_software: null,
    },
  };
  if (input.nonce !== undefined) claims.nonce = input.nonce;
  return claims;
}
