/** The oldest Node.js the bot runs on (package.json "engines"); below it start-up refuses in one line. */
export const MINIMUM_NODE = '20.12.0';

/** The refusal for `version` (process.versions.node), or null when it is new enough. */
export function nodeVersionProblem(version: string): string | null {
  const have = version.replace(/^v/, '').split('.').map(Number);
  const need = MINIMUM_NODE.split('.').map(Number);
  for (let i = 0; i < need.length; i++) {
    const h = have[i] ?? 0;
    if (h > need[i]!) return null;
    if (h < need[i]!)
      return `Node.js ${version} is too old: secops-bot needs Node.js ${MINIMUM_NODE} or newer (20 LTS or later)`;
  }
  return null;
}
