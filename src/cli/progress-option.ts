// `--progress` / `--no-progress` on every command: draw progress bars even when stderr is not a terminal (a log
// file, CI), or never. Passed on as $CRS_GYM_PROGRESS so worker threads and child processes (sweep runs) follow.
import type { Command } from 'commander';
import { PROGRESS_ENV_VAR } from '../core/progress.js';

export function addProgressOption(program: Command): void {
  program.option('--progress', 'progress bars with ETA even when stderr is not a terminal (default: only on a terminal)');
  program.option('--no-progress', 'no progress bars');
  program.hook('preAction', (root) => {
    const progress = (root.opts() as { progress?: boolean }).progress;
    if (progress === true) process.env[PROGRESS_ENV_VAR] = '1';
    if (progress === false) process.env[PROGRESS_ENV_VAR] = '0';
  });
}
