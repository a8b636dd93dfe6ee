// Atomic file writes (a temp file in the same folder, then a rename: a reader sees the old file or the new one,
// never half of one) and the clean-up of their temp files. A temp file is named `<file>.tmp-<pid>-<n>`; it is removed
// when its write fails (a full disk), and one left by a process that was killed is removed by `removeStaleTemps`,
// which runs when a run folder is locked or a stage starts building, so leftovers never pile up.
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pidAlive } from './processes.js';

let tempCounter = 0;

/** A fresh temp name beside `file` (the pattern `removeStaleTemps` recognises). */
export function tempPathFor(file: string): string {
  return `${file}.tmp-${process.pid}-${Date.now().toString(36)}${(tempCounter++).toString(36)}`;
}

/** `<name>.tmp-<pid>-<suffix>`: the pid that wrote it. */
const TEMP_NAME = /\.tmp-(\d+)-[0-9a-z-]+$/;

/**
 * Removes the temp files of our atomic writes under `dir` (and its subfolders, `depth` levels down) whose process has
 * ended. Files of a live process (this one included) and files of other names are left alone. Returns those removed.
 */
export function removeStaleTemps(dir: string, depth = 2): string[] {
  const removed: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return removed;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (depth > 0) removed.push(...removeStaleTemps(path, depth - 1));
      continue;
    }
    const match = TEMP_NAME.exec(entry.name);
    if (!entry.isFile() || match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || pidAlive(pid)) continue;
    try {
      rmSync(path, { force: true });
      removed.push(path);
    } catch {
      // Not ours to remove after all (permissions): leave it.
    }
  }
  return removed;
}

type Content = string | Uint8Array | readonly Uint8Array[];

function chunksOf(content: Content): readonly Uint8Array[] {
  if (typeof content === 'string') return [Buffer.from(content, 'utf8')];
  return content instanceof Uint8Array ? [content] : content;
}

/**
 * Writes `content` to `file` through a temp file and a rename. `fsync` flushes the data to disk before the rename
 * (checkpoints and weights: a crash then leaves the old file or the new one). The temp file is removed on failure.
 */
export function writeFileAtomicSync(file: string, content: Content, options: { fsync?: boolean } = {}): void {
  const tmp = tempPathFor(file);
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (const chunk of chunksOf(content)) {
        let written = 0;
        while (written < chunk.byteLength) written += writeSync(fd, chunk, written);
      }
      if (options.fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** The async `writeFileAtomicSync`; creates the folder when `mkdir` is set. */
export async function writeFileAtomic(file: string, content: Content, options: { fsync?: boolean; mkdir?: boolean } = {}): Promise<void> {
  if (options.mkdir) await mkdir(dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  try {
    const handle = await open(tmp, 'w');
    try {
      for (const chunk of chunksOf(content)) await handle.write(chunk);
      if (options.fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
