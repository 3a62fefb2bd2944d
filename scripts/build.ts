/**
 * `npm run build`: bundles the bot with esbuild into `dist/` (or the directory given as the first
 * argument). Start-up of the unbundled build was mostly Node resolving and reading about 1,200
 * module files; one bundle is one read and one compile. Layout:
 *   dist/main.js, dist/migrate-cli.js     the entry points
 *   dist/chunk-*.js, dist/<name>-*.js     code they share, and what main.ts imports lazily (Duo)
 *   dist/migrations/*.js                  one file per migration, found by src/store/migrate.ts
 * Type checking is a separate step (`tsc -p tsconfig.build.json`): esbuild only strips types.
 */
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * Left to node_modules at run time:
 * - better-sqlite3: native (a .node file esbuild cannot bundle);
 * - mysql2: knex requires it only for a MySQL/MariaDB DATABASE_URL;
 * - twilio: 7 MB of JavaScript, most of it REST resources the bot never calls; from node_modules
 *   only what is used is read, and only when Twilio is configured (src/adapters/twilio);
 * - the drivers of knex's other dialects: not installed, never required, not to be resolved.
 */
const EXTERNAL = [
  'better-sqlite3',
  'mysql2',
  'twilio',
  'pg',
  'pg-native',
  'pg-query-stream',
  'mysql',
  'mariadb',
  'sqlite3',
  'oracledb',
  'tedious',
];

/**
 * Bolt's package index loads its Express receiver (Express, body-parser and their dependencies)
 * for the export alone; the bot runs Socket Mode and never constructs it. In its place, a class
 * that says so if anything ever does.
 */
const withoutExpressReceiver: Plugin = {
  name: 'without-bolt-express-receiver',
  setup(b) {
    b.onResolve({ filter: /^\.\/receivers\/ExpressReceiver$/ }, (args) =>
      /[\\/]@slack[\\/]bolt[\\/]/.test(args.importer) ? { path: 'ExpressReceiver', namespace: 'stub' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents:
        "exports.default = class ExpressReceiver { constructor() { throw new Error('ExpressReceiver is not in the secops-bot bundle (scripts/build.ts): the bot uses Socket Mode'); } };",
      loader: 'js',
    }));
  },
};

export async function bundle(outdir: string): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  const migrations = readdirSync(join(ROOT, 'migrations')).filter((f) => f.endsWith('.ts'));
  await build({
    absWorkingDir: ROOT,
    entryPoints: {
      main: 'main.ts',
      'migrate-cli': 'src/store/migrate-cli.ts',
      ...Object.fromEntries(migrations.map((f) => [`migrations/${f.replace(/\.ts$/, '')}`, `migrations/${f}`])),
    },
    outdir,
    bundle: true,
    // Shared code is emitted once (a migration and the bot use one knex), and a dynamic import()
    // stays a separate file that is read only when it runs.
    splitting: true,
    // At the top of dist/, next to the entry points: migrate.ts finds ./migrations from any of them.
    chunkNames: '[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL.flatMap((name) => [name, `${name}/*`]),
    // The bundled CommonJS packages call require() for Node's built-ins, which an ES module lacks.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
    // V8 keeps each file's source in memory, as two bytes a character if one comment has an
    // em dash: without the whitespace (and comments) the bundle costs about 10 MB less RSS.
    // Names are kept, so stack traces still say which function; the source maps say where.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'linked',
    logLevel: 'warning',
    plugins: [withoutExpressReceiver],
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundle(resolve(process.argv[2] ?? join(ROOT, 'dist')));
}
