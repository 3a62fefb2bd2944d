import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/store/migrate-cli.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');

/** `npm run migrate` as an operator runs it: from a directory holding the bot's `.env`. */
function migrate(cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', tsx, cli], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

describe('npm run migrate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'migrate-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('migrates the DATABASE_URL from .env, as npm start would', () => {
    const file = join(dir, 'from-dotenv.sqlite');
    writeFileSync(join(dir, '.env'), `DATABASE_URL=sqlite:${file}\n`);
    const r = migrate(dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^applied: .*foundation/);
    assert.ok(existsSync(file));
    assert.equal(existsSync(join(dir, 'data')), false, 'not the default store');
  });

  it('a bad DATABASE_URL is one config error line and exit code 1; the environment wins over .env', () => {
    const r = migrate(dir, { DATABASE_URL: 'postgres://db/secops' });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'config error: DATABASE_URL must be mysql://user:pass@host:3306/db or sqlite:path');
  });
});
