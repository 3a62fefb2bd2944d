/**
 * `npm run sandbox` as a newcomer runs it: a copy of the project (as a fresh clone has it, with the
 * installed node_modules linked in), no environment beyond PATH and HOME, Ctrl-C to stop.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { URL_LINE_PREFIX } from '../../src/sandbox/main.js';

const REPO = resolve(import.meta.dirname, '../..');
const CLONED = ['package.json', 'tsconfig.json', 'main.ts', 'src', 'migrations'];

let cloneDir: string;
before(async () => {
  cloneDir = await mkdtemp(join(tmpdir(), 'sandbox-clone-'));
  for (const entry of CLONED) await cp(join(REPO, entry), join(cloneDir, entry), { recursive: true });
  await symlink(join(REPO, 'node_modules'), join(cloneDir, 'node_modules'), 'dir');
});
after(async () => {
  await rm(cloneDir, { recursive: true, force: true });
});

/** Resolves with the first stdout line that starts with the sandbox's URL prefix. */
function urlLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(
      () => reject(new Error(`no URL line within ${timeoutMs} ms\n${stdout}\n${stderr}`)),
      timeoutMs,
    );
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.startsWith(URL_LINE_PREFIX));
      if (line) {
        clearTimeout(timer);
        resolveLine(line);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sandbox exited (${code}) before printing its URL\n${stdout}\n${stderr}`));
    });
  });
}

test('npm run sandbox starts with no configuration, serves the page, and stops on Ctrl-C', {
  timeout: 60_000,
}, async () => {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME };
  // Its own process group, so the SIGINT below reaches npm, tsx and node together, as Ctrl-C in a terminal does.
  const child = spawn('npm', ['run', '--silent', 'sandbox'], { cwd: cloneDir, env, detached: true, stdio: 'pipe' });
  const exited = once(child, 'exit');
  try {
    const line = await urlLine(child, 45_000);
    const url = line.slice(URL_LINE_PREFIX.length).split(/\s/)[0]!;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);

    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /<title>secops-bot sandbox<\/title>/);

    const state = (await (await fetch(new URL('/api/state', url))).json()) as { slack: { channels: unknown[] } };
    assert.equal(state.slack.channels.length, 3);
    assert.ok((await readdir(join(cloneDir, 'data'))).some((f) => /^sandbox-.*\.sqlite$/.test(f)));
  } finally {
    process.kill(-child.pid!, 'SIGINT');
  }
  const [code, signal] = await exited;
  // The sandbox itself exits 0; npm and tsx re-raise the SIGINT on themselves, as wrappers do.
  assert.ok(code === 0 || signal === 'SIGINT', `exit code ${code}, signal ${signal}`);
  assert.equal(await processGroupAlive(child.pid!), false, 'a process of the sandbox outlived Ctrl-C');
});

async function processGroupAlive(pgid: number): Promise<boolean> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return false;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
