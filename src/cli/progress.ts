// Progress bars of the CLI's own stages: stage progress events (src/core/progress.ts), so a library caller's
// subscriber sees them too, drawn as cli-progress bars on stderr with an ETA. Silent when stderr is not a terminal,
// unless --progress (or $CRS_GYM_PROGRESS=1) asks for them: CI logs then get a line every 10 s, not redraws.
import { stageProgress } from '../core/progress.js';

export interface Progress {
  update(done: number, total: number, label?: string): void;
  stop(): void;
}

export function progressBar(title: string): Progress {
  const stage = stageProgress(title);
  return { update: stage.update, stop: stage.end };
}
