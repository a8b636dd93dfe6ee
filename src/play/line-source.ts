// Lines typed by a person, from a terminal or a pipe. Lines that arrive before they are asked for (piped
// input) are queued, so nothing is lost; the end of input (EOF, Ctrl-D, Ctrl-C) reads as null.
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** An echoed line must not replay escape sequences into the reader's terminal. */
function printable(line: string): string {
  return line.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

export interface LineSource {
  /** Shows `prompt`, then resolves with the next line (without its newline), or null at the end of input. */
  read(prompt: string): Promise<string | null>;
  close(): void;
}

export interface StreamLineSourceOptions {
  /** Line editing and prompt redraw; default: whether `input` is a TTY. */
  terminal?: boolean;
  /** Write each line read after its prompt, so a piped session reads like a typed one; default: !terminal. */
  echo?: boolean;
}

export class StreamLineSource implements LineSource {
  private readonly rl: Interface;
  private readonly output: Writable;
  private readonly terminal: boolean;
  private readonly echo: boolean;
  private readonly lines: string[] = [];
  private readonly waiting: ((line: string | null) => void)[] = [];
  private ended = false;

  constructor(input: Readable, output: Writable, opts: StreamLineSourceOptions = {}) {
    this.terminal = opts.terminal ?? (input as Readable & { isTTY?: boolean }).isTTY === true;
    this.echo = opts.echo ?? !this.terminal;
    this.output = output;
    this.rl = createInterface({ input, ...(this.terminal ? { output, terminal: true } : { terminal: false }), crlfDelay: Infinity });
    this.rl.on('line', (line) => {
      const waiter = this.waiting.shift();
      if (waiter) waiter(line);
      else this.lines.push(line);
    });
    this.rl.on('close', () => {
      this.ended = true;
      for (const waiter of this.waiting.splice(0)) waiter(null);
    });
    // In a terminal, readline swallows Ctrl-C; treat it as the end of input rather than hanging.
    this.rl.on('SIGINT', () => this.rl.close());
  }

  read(prompt: string): Promise<string | null> {
    const queued = this.lines.shift();
    if (queued !== undefined) {
      this.show(prompt, queued);
      return Promise.resolve(queued);
    }
    if (this.ended) {
      this.show(prompt, null);
      return Promise.resolve(null);
    }
    if (this.terminal) {
      this.rl.setPrompt(prompt);
      this.rl.prompt();
    } else {
      this.output.write(prompt);
    }
    return new Promise((resolve) => {
      this.waiting.push((line) => {
        if (!this.terminal && this.echo) this.output.write(line === null ? '\n' : `${printable(line)}\n`);
        resolve(line);
      });
    });
  }

  close(): void {
    if (!this.ended) this.rl.close();
  }

  private show(prompt: string, line: string | null): void {
    if (this.terminal) return;
    this.output.write(prompt);
    this.output.write(this.echo && line !== null ? `${printable(line)}\n` : '\n');
  }
}

/** Lines from an array: for tests and scripted sessions. */
export class ArrayLineSource implements LineSource {
  private index = 0;
  constructor(
    private readonly lines: readonly string[],
    private readonly output?: Writable,
  ) {}

  async read(prompt: string): Promise<string | null> {
    const line = this.index < this.lines.length ? (this.lines[this.index++] as string) : null;
    this.output?.write(`${prompt}${line ?? ''}\n`);
    return line;
  }

  close(): void {
    this.index = this.lines.length;
  }
}
