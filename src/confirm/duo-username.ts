/**
 * Which Duo username belongs to a Slack user, for both Duo paths (DUO_USERNAME_FROM):
 * - email_local (default): the local part of their Slack email (alice@example.com → "alice"),
 *   which is how most Duo tenants are provisioned from a directory;
 * - email: the whole email;
 * - slack_username: their Slack handle (`name`).
 */
import type { DuoUsernameFrom } from '../config/env.js';

export function duoUsernameFor(
  slackEmail: string | null | undefined,
  from: DuoUsernameFrom = 'email_local',
  slackName?: string | null,
): string | null {
  if (from === 'slack_username') return slackName?.trim() || null;
  const email = slackEmail?.trim();
  if (!email) return null;
  if (from === 'email') return email;
  const local = email.split('@', 1)[0]?.trim() ?? '';
  return local === '' ? null : local;
}
