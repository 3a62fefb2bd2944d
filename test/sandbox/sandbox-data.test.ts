import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { KEEP_SANDBOX_DATABASES, pruneSandboxDatabases, sandboxDatabaseName } from '../../src/sandbox/sandbox-data.js';

it('sandbox databases do not pile up: a start keeps the newest few, with their -wal/-shm, and nothing else', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-data-'));
  try {
    const names = Array.from({ length: 8 }, (_, i) => sandboxDatabaseName(new Date(Date.UTC(2026, 10, 20 + i, 9))));
    for (const name of names) for (const suffix of ['', '-wal', '-shm']) writeFileSync(join(dir, name + suffix), '');
    writeFileSync(join(dir, 'secops-bot.sqlite'), 'the real bot: never touched');

    const removed = pruneSandboxDatabases(dir);
    assert.deepEqual(removed, names.slice(0, 8 - (KEEP_SANDBOX_DATABASES - 1)));
    const left = readdirSync(dir).sort();
    const kept = names.slice(-(KEEP_SANDBOX_DATABASES - 1));
    assert.deepEqual(left, [...kept.flatMap((n) => [n, `${n}-shm`, `${n}-wal`]), 'secops-bot.sqlite'].sort());
    assert.deepEqual(pruneSandboxDatabases(dir), [], 'nothing more to remove');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
