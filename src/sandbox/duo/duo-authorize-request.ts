/**
 * Checks a `GET /oauth/v1/authorize` query as Duo does: the outer OAuth
 * parameters, and the HS512 `request` JWT the client signs with its secret.
 */
import type { PendingPrompt } from './duo-prompt-store.js';
import { verifyHs512 } from './hs512-jwt.js';

export type PromptRequest = Omit<PendingPrompt, 'id' | 'createdAt'>;

export type AuthorizeParse = { ok: true; request: PromptRequest } | { ok: false; reason: string };

export interface AuthorizeContext {
  clientId: string;
  clientSecret: string;
  /** `https://{apiHost}`: the audience the client puts in the request JWT. */
  baseUrl: string;
  nowSeconds: number;
  leewaySeconds: number;
}

const MIN_STATE_LENGTH = 22;
const MAX_STATE_LENGTH = 1024;

export function parseAuthorizeRequest(query: URLSearchParams, ctx: AuthorizeContext): AuthorizeParse {
  const fail = (reason: string): AuthorizeParse => ({ ok: false, reason });
  if (query.get('response_type') !== 'code') return fail('response_type must be code');
  if (query.get('client_id') !== ctx.clientId) return fail('unknown client_id');
  if (!(query.get('scope') ?? '').split(' ').includes('openid')) return fail('scope must include openid');

  const check = verifyHs512(query.get('request') ?? '', ctx.clientSecret, {
    nowSeconds: ctx.nowSeconds,
    issuer: ctx.clientId,
    audience: ctx.baseUrl,
    leewaySeconds: ctx.leewaySeconds,
  });
  if (!check.ok) return fail(`request JWT: ${check.reason}`);
  const claims = check.claims;
  if (claims.client_id !== ctx.clientId) return fail('request JWT client_id mismatch');
  if (claims.response_type !== 'code') return fail('request JWT response_type must be code');
  // The signed redirect_uri is the one that counts; the outer one must agree with it.
  if (typeof claims.redirect_uri !== 'string' || claims.redirect_uri !== query.get('redirect_uri')) {
    return fail('redirect_uri mismatch');
  }
  const { state, duo_uname: username, nonce } = claims;
  if (typeof state !== 'string' || state.length < MIN_STATE_LENGTH || state.length > MAX_STATE_LENGTH) {
    return fail(`state must be ${MIN_STATE_LENGTH} to ${MAX_STATE_LENGTH} characters`);
  }
  if (typeof username !== 'string' || username === '') return fail('duo_uname is required');
  return {
    ok: true,
    request: {
      username,
      state,
      redirectUri: claims.redirect_uri,
      nonce: typeof nonce === 'string' ? nonce : undefined,
      useDuoCodeAttribute: claims.use_duo_code_attribute === true,
    },
  };
}
