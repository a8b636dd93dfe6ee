// `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) and prints figures.
// Speed and memory targets live here, never in timed unit tests.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { errorMessage } from '../src/core/errors.js';

type BenchModule = { run: () => Promise<Record<string, number | string>> };

const here = dirname(fileURLToPath(import.meta.url));
// Bench names, then flags for the benches (e.g. `npm run bench serve -- --duration 20`), which they read themselves.
const args = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith('--'));
const wanted = firstFlag < 0 ? args : args.slice(0, firstFlag);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

const results: Record<string, Record<string, number | string>> = {};
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, '');
  process.stderr.write(`bench ${name} ...\n`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as BenchModule;
  const t0 = performance.now();
  try {
    results[name] = await mod.run();
  } catch (err) {
    results[name] = { error: errorMessage(err) };
  }
  const figures = results[name] ?? {};
  for (const [key, value] of Object.entries(figures)) {
    const shown = typeof value === 'number' ? (Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(4)) : value;
    process.stdout.write(`${name.padEnd(12)} ${key.padEnd(48)} ${shown}\n`);
  }
  process.stderr.write(`bench ${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
process.stdout.write(`\n${JSON.stringify({ node: process.version, results })}\n`);
