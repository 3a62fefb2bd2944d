/** The sandbox's SQLite files: one per run, named by start time, and only the last few kept. */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** How many earlier runs' databases stay in the data directory, for a look after the fact. */
export const KEEP_SANDBOX_DATABASES = 5;

const DATABASE = /^sandbox-.+\.sqlite$/;

export function sandboxDatabaseName(startedAt: Date): string {
  return `sandbox-${startedAt.toISOString().replace(/[:.]/g, '-')}.sqlite`;
}

/**
 * Deletes all but the newest `keep` sandbox databases in `dir` (with their -wal and -shm files), so that
 * with the one about to be created there are at most keep + 1. Names sort by time. Returns what it removed.
 */
export function pruneSandboxDatabases(dir: string, keep = KEEP_SANDBOX_DATABASES - 1): string[] {
  const databases = readdirSync(dir)
    .filter((name) => DATABASE.test(name))
    .sort();
  const old = databases.slice(0, Math.max(0, databases.length - keep));
  for (const name of old) {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(join(dir, `${name}${suffix}`), { force: true });
  }
  return old;
}
