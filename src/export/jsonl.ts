// Writes records as JSON Lines atomically: into a temp file beside the target, renamed over it at the end,
// so a crash or a bad record never leaves a half-written export under the final name.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export interface JsonlSummary {
  file: string;
  records: number;
  bytes: number;
}

export async function writeJsonlAtomic(file: string, records: AsyncIterable<unknown> | Iterable<unknown>): Promise<JsonlSummary> {
  const target = resolve(file);
  await mkdir(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  const stream = createWriteStream(tmp, { encoding: 'utf8' });
  let failed: unknown;
  stream.on('error', (err) => {
    failed = err;
  });
  let count = 0;
  let bytes = 0;
  try {
    for await (const record of records) {
      if (failed) throw failed;
      const line = `${JSON.stringify(record)}\n`;
      bytes += Buffer.byteLength(line);
      count++;
      if (!stream.write(line)) await once(stream, 'drain');
    }
    stream.end();
    await once(stream, 'finish');
    if (failed) throw failed;
    await rename(tmp, target);
  } catch (err) {
    stream.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
  return { file: target, records: count, bytes };
}
