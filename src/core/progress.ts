// Progress of long stages (first-time training inside make(), evaluation, sweeps) as events a library user can
// subscribe to, with elapsed time and an ETA. With no subscriber, the events are drawn as progress bars on stderr
// when it is a terminal or when $CRS_GYM_PROGRESS=1 (the CLI's --progress); otherwise they are silent, so CI logs
// and piped output stay clean.
import cliProgress from 'cli-progress';

export interface ProgressEvent {
  /** What is running, e.g. 'inspired: train retriever'. */
  stage: string;
  done: number;
  total: number;
  /** Short status, e.g. 'loss 0.412'. */
  label: string;
  elapsedSeconds: number;
  /** Linear extrapolation from the stage's pace so far; null before the first unit is done. */
  etaSeconds: number | null;
  /** The last event of the stage. */
  finished: boolean;
}

export type ProgressListener = (event: ProgressEvent) => void;

const listeners = new Set<ProgressListener>();

/** Calls `listener` with every progress event of this process; returns the unsubscribe function. */
export function onProgress(listener: ProgressListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const PROGRESS_ENV_VAR = 'CRS_GYM_PROGRESS';

/** Whether bars are drawn when nobody subscribed: stderr is a terminal, or $CRS_GYM_PROGRESS=1 asks for them. */
export function progressBarsWanted(): boolean {
  const asked = process.env[PROGRESS_ENV_VAR];
  if (asked === '0') return false;
  return asked === '1' || process.stderr.isTTY === true;
}

export interface StageProgress {
  update(done: number, total: number, label?: string): void;
  /** Ends the stage (idempotent). */
  end(): void;
}

export function etaSeconds(elapsedSeconds: number, done: number, total: number): number | null {
  if (done <= 0 || total <= 0) return null;
  return Math.max(0, (elapsedSeconds * (total - done)) / done);
}

/** 75 -> '1m15s', 3725 -> '1h02m'; null -> '?'. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function payload(event: ProgressEvent): { label: string; elapsed: string; left: string } {
  return { label: event.label, elapsed: formatSeconds(event.elapsedSeconds), left: formatSeconds(event.etaSeconds) };
}

/** One progress line for a log: 'stage: 11/30 (37%), 1m12s elapsed, ETA 2m03s, loss 0.23'. */
export function textLine(stage: string, event: ProgressEvent): string {
  const percent = event.total > 0 ? ` (${Math.round((100 * event.done) / event.total)}%)` : '';
  const eta = event.finished ? 'done' : `ETA ${formatSeconds(event.etaSeconds)}`;
  return `${stage}: ${event.done}/${event.total}${percent}, ${formatSeconds(event.elapsedSeconds)} elapsed, ${eta}${event.label ? `, ${event.label}` : ''}`;
}

/** Reports one stage's progress to the subscribers (or, with none, to a bar when wanted). */
export function stageProgress(stage: string): StageProgress {
  const started = performance.now();
  let last: ProgressEvent | undefined;
  let bar: cliProgress.SingleBar | undefined;
  let ended = false;
  let lastLine: number | undefined;
  const emit = (event: ProgressEvent): void => {
    last = event;
    if (listeners.size > 0) {
      for (const listener of listeners) listener(event);
      return;
    }
    if (!progressBarsWanted()) return;
    if (process.stderr.isTTY !== true) {
      // A log file: a line at the start, every 10 s, and at the end (training loops may block the timers a bar needs).
      const now = performance.now();
      if (event.finished || lastLine === undefined || now - lastLine >= 10_000) {
        lastLine = now;
        process.stderr.write(`${textLine(stage, event)}\n`);
      }
      return;
    }
    if (!bar) {
      bar = new cliProgress.SingleBar(
        {
          format: `${stage.padEnd(32)} [{bar}] {percentage}% | {value}/{total} | {elapsed} elapsed, ETA {left} | {label}`,
          stream: process.stderr,
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(event.total, event.done, payload(event));
    }
    bar.setTotal(event.total);
    bar.update(event.done, payload(event));
    if (event.finished) bar.stop();
  };
  return {
    update(done, total, label = '') {
      if (ended) return;
      const elapsedSeconds = (performance.now() - started) / 1000;
      emit({ stage, done, total, label, elapsedSeconds, etaSeconds: etaSeconds(elapsedSeconds, done, total), finished: false });
    },
    end() {
      if (ended) return;
      ended = true;
      if (last === undefined) return;
      emit({ ...last, elapsedSeconds: (performance.now() - started) / 1000, etaSeconds: 0, finished: true });
    },
  };
}

/** Runs `work` as a stage: `update` reports its progress; the stage ends (bar closed) however `work` ends. */
export async function withStageProgress<T>(stage: string, work: (update: StageProgress['update']) => Promise<T>): Promise<T> {
  const progress = stageProgress(stage);
  try {
    return await work(progress.update);
  } finally {
    progress.end();
  }
}
