/**
 * `npm run bench`: every figure the issues ask for, one section per feature. Each
 * section runs against local simulators only, in its own process so that peak-RSS
 * figures are not inherited from an earlier section. Pass section names to run a
 * subset: `npm run bench -- slack-dm sla`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.env.BENCH_SECTION;

if (only) {
  const mod = (await import(pathToFileURL(`${here}/${only}.ts`).href)) as { run: () => Promise<void> };
  await mod.run();
  process.exit(0);
}

const sections = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['main.ts', 'stats.ts'].includes(f))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const wanted = process.argv.slice(2);
let failed = false;
for (const name of sections) {
  if (wanted.length && !wanted.includes(name)) continue;
  console.log(`\n== ${name}`);
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_SECTION: name },
  });
  if (child.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
