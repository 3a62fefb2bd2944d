/**
 * Which Duo username belongs to a Slack user. Default: the local part of their Slack email
 * (alice@example.com → "alice"), which is how most Duo tenants are provisioned from a directory.
 * A tenant that enrols full emails or other names changes only this function.
 */
export function duoUsernameFor(slackEmail: string | null | undefined): string | null {
  if (!slackEmail) return null;
  const local = slackEmail.split('@', 1)[0]?.trim() ?? '';
  return local === '' ? null : local;
}
