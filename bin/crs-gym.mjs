#!/usr/bin/env node
// The crs-gym command. The CLI runs in this process, not in a child: a signal or a `kill -9` sent to this pid ends
// the run itself, with no orphan left working. A built package runs the compiled JavaScript (dist/src/cli/main.js,
// needing only the dependencies); a checkout without a build registers tsx's loader in this process and runs the
// TypeScript sources (tsx is a devDependency, installed in a checkout).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'src', 'cli', 'main.js');
let entry = compiled;
if (!existsSync(compiled)) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = join(root, 'src', 'cli', 'main.ts');
}
const { runCli, runAsMain } = await import(pathToFileURL(entry).href);
runAsMain(runCli(process.argv.slice(2)));
