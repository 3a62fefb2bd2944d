/**
 * Issue 12 §3: `npm run build`'s bundle runs with plain node (no tsx) against the simulators:
 * migrations (bundled .js) applied on a fresh SQLite store and /healthz up. A build whose
 * migrations cannot be found exits 1 with one clear line and never answers /healthz.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../scripts/build.js';
import { DuoSimulator } from '../../src/sandbox/duo/duo-simulator.js';
import { SlackSimulator } from '../../src/sandbox/slack/index.js';
import { openDatabase } from '../../src/store/db.js';
import { baseEnv } from '../helpers/bot-harness.js';
import { freshSqlite } from '../helpers/stores.js';
import { eventually, freePort, type SlaSims, slaEnv, startSims } from '../sla/sla-helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE_MIGRATIONS = readdirSync(join(ROOT, 'migrations'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

/** Bundles as `npm run build` does into `dir/dist`, laid out as an installed copy would be. */
async function build(dir: string): Promise<string> {
  await bundle(join(dir, 'dist'));
  return install(dir);
}

/**
 * package.json (ESM) and the production dependencies next to `dir/dist`, as `npm ci --omit=dev`
 * would install them: every package the lockfile does not mark dev-only, linked from the shared
 * install. Run with --preserve-symlinks, a dependency resolves its own dependencies here too, so
 * anything needing tsx, TypeScript or another dev package at run time fails to start.
 */
function install(dir: string, without: RegExp | null = null): string {
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!/^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) || entry.dev || entry.devOptional) continue;
    if (!existsSync(join(ROOT, path))) continue; // an optional package for another platform
    if (without?.test(path)) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    symlinkSync(join(ROOT, path), join(dir, path), 'dir');
  }
  return join(dir, 'dist', 'main.js');
}

const NODE_ARGS = ['--preserve-symlinks'];
const DUO_CLIENT_ID = 'DIAAAAAAAAAAAAAAAAAA';
const DUO_AUTH_API = { ikey: 'DIBUILDTESTIKEY00001', skey: 'k'.repeat(40) };

describe('the compiled build', () => {
  let dir: string;
  let main: string;
  let sim: SlackSimulator;
  let sims: SlaSims;
  let duo: DuoSimulator;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'secops-build-'));
    main = await build(dir);
    sim = await SlackSimulator.start();
    duo = await DuoSimulator.start({ clientId: DUO_CLIENT_ID, clientSecret: 's'.repeat(40), authApi: DUO_AUTH_API });
    sims = await startSims();
  });
  after(async () => {
    await sims?.stop();
    await duo?.stop();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts with plain node and production dependencies only: bundled migrations applied on a fresh store, /healthz up, TheHive polled, Duo Push checked', async () => {
    const store = await freshSqlite();
    const port = await freePort();
    // Twilio from node_modules, the Duo SDKs from the bundle's lazily imported chunks.
    const env = {
      ...baseEnv(sim, store),
      ...slaEnv(sims, port),
      DUO_CLIENT_ID,
      DUO_CLIENT_SECRET: 's'.repeat(40),
      DUO_API_HOST: duo.apiHost,
      DUO_CA_FILE: duo.caFile,
      DUO_AUTH_API_IKEY: DUO_AUTH_API.ikey,
      DUO_AUTH_API_SKEY: DUO_AUTH_API.skey,
      LOG_LEVEL: 'info',
    };
    const bot = startBundle(main, dir, env);
    try {
      await untilReady(bot, port);
      await eventually(() => /secops-bot started/.test(bot.output()), 10_000, 'the started line');
      await eventually(
        async () => ((await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { duo?: string }).duo === 'ok',
        10_000,
        'Duo Push keys accepted (/auth/v2/check)',
      );
      const id = String(
        sims.hive.addAlert({ severity: 2, title: 'Compiled', description: '', createdAt: Date.now() })._id,
      );
      const db = openDatabase(store.url);
      try {
        const applied = (await db('knex_migrations').orderBy('name').pluck('name')) as string[];
        assert.deepEqual(applied, SOURCE_MIGRATIONS, 'the same names as from source, so either can follow the other');
        await eventually(async () => (await db('sla_alerts').where({ alert_id: id }).first()) !== undefined, 10_000);
        // Loaded from node_modules right after start-up (DeferredPhone), which says so if it cannot.
        assert.doesNotMatch(bot.output(), /twilio: the SDK could not be loaded/);
      } finally {
        await db.destroy();
      }
    } finally {
      await stopBundle(bot);
      await store.drop();
    }
  });

  it('without Twilio and Duo configured, their SDKs are never loaded: it starts without them installed', async () => {
    // The Duo SDKs are bundled into the chunks main.ts imports lazily and Twilio's stays in
    // node_modules: remove all of it, and a start that touched any of it would fail.
    const bare = mkdtempSync(join(tmpdir(), 'secops-bare-'));
    cpSync(join(dir, 'dist'), join(bare, 'dist'), { recursive: true });
    const lazy = readdirSync(join(bare, 'dist')).filter((f) =>
      /^(duo-push|duo-second-factor|twilio-phone)-\w+\.js$/.test(f),
    );
    assert.equal(lazy.length, 3, `the three lazily imported adapters are chunks of their own: ${lazy.join(', ')}`);
    for (const f of lazy) rmSync(join(bare, 'dist', f));
    const bareMain = install(bare, /^node_modules\/(twilio|@duosecurity)(\/|$)/);
    assert.equal(existsSync(join(bare, 'node_modules', 'twilio')), false);
    const store = await freshSqlite();
    const port = await freePort();
    const env = { ...baseEnv(sim, store), PORT: String(port), LOG_LEVEL: 'error' };
    const bot = startBundle(bareMain, bare, env);
    try {
      await untilReady(bot, port);
    } finally {
      await stopBundle(bot);
      await store.drop();
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it('without its migrations it exits 1 with one line and never answers /healthz', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'secops-broken-'));
    cpSync(join(dir, 'dist'), join(broken, 'dist'), { recursive: true });
    rmSync(join(broken, 'dist', 'migrations'), { recursive: true });
    const brokenMain = install(broken);
    const store = await freshSqlite();
    const port = await freePort();
    const env = { ...baseEnv(sim, store), PORT: String(port), LOG_LEVEL: 'info' };
    const bot = startBundle(brokenMain, broken, env);
    let healthy = false;
    const probe = setInterval(() => {
      fetch(`http://127.0.0.1:${port}/healthz`).then(
        () => {
          healthy = true;
        },
        () => {},
      );
    }, 20);
    try {
      const [code] = await once(bot.child, 'exit');
      assert.equal(code, 1);
      const lines = bot.output().trim().split('\n');
      assert.equal(lines.length, 1, bot.output());
      assert.match(lines[0]!, /start-up failed: database schema: migrations directory .* cannot be read/);
      assert.equal(healthy, false, 'no /healthz answer while starting without a schema');
    } finally {
      clearInterval(probe);
      await store.drop();
      rmSync(broken, { recursive: true, force: true });
    }
  });
});

interface BundleProcess {
  child: ChildProcess;
  /** everything it wrote, stdout and stderr */
  output(): string;
}

/** `node dist/main.js` of an installed copy, with only PATH and `env` in its environment. */
function startBundle(entry: string, cwd: string, env: Record<string, string>): BundleProcess {
  const child = spawn(process.execPath, [...NODE_ARGS, entry], { cwd, env: { PATH: process.env.PATH, ...env } });
  let out = '';
  const keep = (d: unknown) => {
    out += String(d);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { child, output: () => out };
}

async function untilReady(bot: BundleProcess, port: number): Promise<void> {
  await eventually(
    async () => {
      if (bot.child.exitCode !== null) throw new Error(`exited ${bot.child.exitCode}: ${bot.output()}`);
      return ready(port);
    },
    30_000,
    '/healthz ok',
  );
}

async function stopBundle(bot: BundleProcess): Promise<void> {
  bot.child.kill('SIGTERM');
  if (bot.child.exitCode === null) await once(bot.child, 'exit');
}

/** Started, not just listening: /healthz answers 200 as soon as the database does, "ok" once Slack is up too. */
async function ready(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
  return res?.status === 200 && ((await res.json()) as { status: string }).status === 'ok';
}
