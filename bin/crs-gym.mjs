#!/usr/bin/env node
// The crs-gym command. The CLI runs in this process, not in a child: a signal or a `kill -9` sent to this pid ends
// the run itself, with no orphan left working. An installed package (no src/ shipped) runs the compiled JavaScript
// in dist/, needing only the runtime dependencies. A checkout runs its TypeScript sources through tsx's loader
// (a devDependency), so an edit is live without a rebuild and a stale dist/ is never run by mistake.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'cli', 'main.ts');
const compiled = join(root, 'dist', 'src', 'cli', 'main.js');

function hasTsx() {
  try {
    createRequire(import.meta.url).resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

let entry;
if (existsSync(source) && hasTsx()) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = source;
} else if (existsSync(compiled)) {
  entry = compiled;
} else {
  process.stderr.write(`crs-gym: not built (no ${compiled}); run \`npm run build\` in ${root}\n`);
  process.exit(1);
}
const { runCli, runAsMain } = await import(pathToFileURL(entry).href);
runAsMain(runCli(process.argv.slice(2)));
