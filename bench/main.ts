/**
 * `npm run bench`: every figure the issues ask for, one section per feature. Each
 * section runs against local simulators only. Pass section names to run a subset:
 * `npm run bench -- slack-dm sla`.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const sections = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['main.ts', 'stats.ts'].includes(f))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const wanted = process.argv.slice(2);
for (const name of sections) {
  if (wanted.length && !wanted.includes(name)) continue;
  const mod = (await import(pathToFileURL(`${here}/${name}.ts`).href)) as { run?: () => Promise<void> };
  if (typeof mod.run !== 'function') continue;
  console.log(`\n== ${name}`);
  await mod.run();
}
