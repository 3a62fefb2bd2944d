/**
 * What the simulated Duo remembers between requests: prompts waiting for a
 * decision, decided prompts' single-use authorization codes, and the `jti`s
 * of client assertions already seen (Duo refuses a replayed assertion).
 */
import { randomBytes } from 'node:crypto';
import type { DuoDecision } from './duo-id-token.js';

export interface PendingPrompt {
  id: string;
  username: string;
  state: string;
  redirectUri: string;
  nonce?: string;
  /** Duo answers with `duo_code` when the client asked for it, else with `code`. */
  useDuoCodeAttribute: boolean;
  /** ms since epoch */
  createdAt: number;
  /** what the prompt is for, as the page learnt it from the message that carried the link (e.g. "alert #12") */
  label?: string;
}

export interface DecidedPrompt {
  prompt: PendingPrompt;
  decision: DuoDecision;
  /** preferred_username to put in the id_token when a test forges another user. */
  asUser?: string;
  /** ms since epoch */
  decidedAt: number;
}

export type Redemption = { ok: true; decided: DecidedPrompt } | { ok: false; description: string };

interface IssuedCode extends DecidedPrompt {
  expiresAt: number;
}

export interface PromptStoreTimings {
  now: () => number;
  promptTtlMs: number;
  codeTtlMs: number;
}

function randomId(prefix: string): string {
  return `${prefix}${randomBytes(18).toString('base64url')}`;
}

export class DuoPromptStore {
  private readonly prompts = new Map<string, PendingPrompt>();
  private readonly codes = new Map<string, IssuedCode>();
  private readonly seenJtis = new Map<string, number>();

  constructor(private readonly timings: PromptStoreTimings) {}

  open(request: Omit<PendingPrompt, 'id' | 'createdAt'>): PendingPrompt {
    const prompt: PendingPrompt = { ...request, id: randomId('PR'), createdAt: this.timings.now() };
    this.prompts.set(prompt.id, prompt);
    return prompt;
  }

  pending(): PendingPrompt[] {
    this.dropExpiredPrompts();
    return [...this.prompts.values()];
  }

  get(promptId: string): PendingPrompt | undefined {
    this.dropExpiredPrompts();
    return this.prompts.get(promptId);
  }

  /** Settles a pending prompt and returns the code Duo would hand back to the redirect URI. */
  decide(promptId: string, decision: DuoDecision, asUser?: string): { prompt: PendingPrompt; code: string } {
    const prompt = this.get(promptId);
    if (prompt === undefined) throw new Error(`Duo simulator: no pending prompt ${promptId}`);
    this.prompts.delete(promptId);
    const code = randomId('DC');
    const decidedAt = this.timings.now();
    this.codes.set(code, { prompt, decision, asUser, decidedAt, expiresAt: decidedAt + this.timings.codeTtlMs });
    return { prompt, code };
  }

  /** Single use: a code is forgotten the first time it is presented, valid or not. */
  redeem(code: string, redirectUri: string): Redemption {
    const issued = this.codes.get(code);
    this.codes.delete(code);
    if (issued === undefined)
      return { ok: false, description: 'The authorization code is invalid or was already used.' };
    if (issued.expiresAt <= this.timings.now())
      return { ok: false, description: 'The authorization code has expired.' };
    if (issued.prompt.redirectUri !== redirectUri) {
      return { ok: false, description: 'redirect_uri does not match the authorization request.' };
    }
    const { expiresAt: _expiresAt, ...decided } = issued;
    return { ok: true, decided };
  }

  /** False when this assertion id was already used; remembered until the assertion expires. */
  rememberJti(jti: string, expiresAtSeconds: number): boolean {
    const nowSeconds = this.timings.now() / 1000;
    for (const [seen, expiry] of this.seenJtis) if (expiry < nowSeconds) this.seenJtis.delete(seen);
    if (this.seenJtis.has(jti)) return false;
    this.seenJtis.set(jti, expiresAtSeconds);
    return true;
  }

  private dropExpiredPrompts(): void {
    const oldest = this.timings.now() - this.timings.promptTtlMs;
    for (const [id, prompt] of this.prompts) if (prompt.createdAt <= oldest) this.prompts.delete(id);
  }
}
