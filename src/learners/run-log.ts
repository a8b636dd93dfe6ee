// Run outputs: a JSONL log (one JSON object per line, appended), a progress bar with ETA on stderr, and an
// optional callback. On resume the log is cut back to its length at the checkpoint, so lines written after
// the checkpoint (by the run that was killed) are not duplicated.
import { appendFileSync, existsSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';

export class JsonlLog {
  constructor(readonly file: string) {}

  /** Starts a fresh log, or keeps the first `keepBytes` bytes of the existing one (resume). */
  open(keepBytes?: number): void {
    if (keepBytes === undefined || !existsSync(this.file)) writeFileSync(this.file, '');
    else if (statSync(this.file).size > keepBytes) truncateSync(this.file, keepBytes);
  }

  write(entry: Record<string, unknown>): void {
    appendFileSync(this.file, `${JSON.stringify(entry, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`);
  }

  get bytes(): number {
    return existsSync(this.file) ? statSync(this.file).size : 0;
  }
}

/** A stderr progress bar with ETA; silent when disabled (tests, non-TTY). */
export class ProgressBar {
  private readonly bar: cliProgress.SingleBar | undefined;

  constructor(enabled: boolean, label: string, unit: string) {
    if (!enabled) return;
    this.bar = new cliProgress.SingleBar(
      {
        format: `${label} |{bar}| {value}/{total} ${unit} | {status} | ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 5,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  start(total: number, value: number): void {
    this.bar?.start(total, value, { status: '' });
  }

  update(value: number, status: string): void {
    this.bar?.update(value, { status });
  }

  stop(): void {
    this.bar?.stop();
  }
}
