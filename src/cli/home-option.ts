// `--home DIR` on every command: where crs-gym keeps trained artifacts and caches (src/core/home.ts). Set before
// any command runs, as $CRS_GYM_HOME, so worker threads and child processes (sweep runs) use the same home.
import type { Command } from 'commander';
import { setHome } from '../core/home.js';
import { UsageError } from './errors.js';

export function addHomeOption(program: Command): void {
  program.option('--home <dir>', 'folder for trained artifacts and caches (else $CRS_GYM_HOME, ./.crs-gym in a project folder, else the user cache folder)');
  program.hook('preAction', (root) => {
    const home = (root.opts() as { home?: unknown }).home;
    if (home === undefined) return;
    if (typeof home !== 'string' || home.trim() === '') throw new UsageError('--home needs a folder');
    setHome(home);
  });
}
