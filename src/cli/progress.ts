// Progress bars on stderr (cli-progress), quiet when stderr is not a terminal unless forced: CI logs get
// one line per stage instead of hundreds of redraws.
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number, label?: string): void;
  stop(): void;
}

export function progressBar(title: string, opts: { force?: boolean } = {}): Progress {
  const tty = process.stderr.isTTY === true;
  if (!tty && !opts.force) {
    let lastShown = -1;
    const started = performance.now();
    return {
      update(done, total) {
        // A line at 0%, every 25%, and at the end.
        const quarter = total > 0 ? Math.floor((4 * done) / total) : 4;
        if (quarter !== lastShown) {
          lastShown = quarter;
          process.stderr.write(`${title}: ${done}/${total} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
        }
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${title.padEnd(28)} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} | {label}`, stream: process.stderr, hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, label = '') {
      if (!started) {
        bar.start(total, done, { label });
        started = true;
      }
      bar.setTotal(total);
      bar.update(done, { label });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
