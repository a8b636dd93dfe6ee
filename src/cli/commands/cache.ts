// `crs-gym cache list|clear`: the text-embedding cache ($CRS_GYM_EMBEDDINGS, else <package>/.cache/embeddings) grows
// with every new text an encoder sees (feedback, preferences); these show what it holds and remove it. A removed
// vector is simply encoded again when next needed.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { listCacheFiles, type CacheFileInfo } from '../../encoders/embedding-cache.js';
import { defaultEmbeddingsDir } from '../../../envs/components.js';
import { UsageError, UserFacingError } from '../errors.js';
import { errorMessage } from '../../core/errors.js';

function megabytes(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function describe(f: CacheFileInfo): string {
  const name = f.encoderId ?? '(unknown)';
  const what = f.dim !== undefined ? `${f.records} vectors of ${f.dim} dims` : 'no vectors';
  return `${name.padEnd(28)} ${what.padEnd(26)} ${megabytes(f.bytes).padStart(8)} MB${f.problem ? `  (${f.problem})` : ''}`;
}

/** The cache files of `dir` (`check`: every record's checksum read); a path that is not a readable folder is a usage error naming it. */
function cacheFiles(dir: string, check = false): CacheFileInfo[] {
  try {
    return listCacheFiles(dir, { check });
  } catch (err) {
    throw new UsageError(`--dir ${dir}: ${errorMessage(err)}`);
  }
}

const DIR_HELP = 'cache folder (default: $CRS_GYM_EMBEDDINGS, else <package>/.cache/embeddings)';

export function registerCacheCommands(program: Command): void {
  const cache = program.command('cache').description('the text-embedding cache: list what it holds, clear it');
  cache
    .command('list')
    .description('one line per encoder: vectors cached, size on disk, and damaged records (every checksum is read)')
    .option('--dir <dir>', DIR_HELP)
    .option('--json', 'print one JSON object')
    .action((o: { dir?: string; json?: boolean }) => {
      const dir = o.dir ?? defaultEmbeddingsDir();
      const files = cacheFiles(dir, true);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ dir, files }, null, 2)}\n`);
        return;
      }
      if (files.length === 0) {
        process.stdout.write(`no embedding cache in ${dir}\n`);
        return;
      }
      process.stdout.write(`${dir}\n${files.map(describe).join('\n')}\n${'total'.padEnd(55)} ${megabytes(files.reduce((n, f) => n + f.bytes, 0)).padStart(8)} MB\n`);
    });
  cache
    .command('clear')
    .description('delete the cached vectors (of one encoder with --encoder); they are encoded again when next needed')
    .option('--encoder <id>', "only this encoder's file (an id as `cache list` prints it, e.g. use-lite-512-v2)")
    .option('--dir <dir>', DIR_HELP)
    .action((o: { encoder?: string; dir?: string }) => {
      const dir = o.dir ?? defaultEmbeddingsDir();
      const files = cacheFiles(dir);
      const chosen = o.encoder === undefined ? files : files.filter((f) => f.encoderId === o.encoder);
      if (o.encoder !== undefined && chosen.length === 0) {
        const known = files.map((f) => f.encoderId).filter((id) => id !== undefined);
        throw new UsageError(`--encoder: no cache file of '${o.encoder}' in ${dir} (there: ${known.length > 0 ? known.join(', ') : 'none'})`);
      }
      // Leftovers of a rewrite that was interrupted go too, when the whole cache is cleared.
      const temps = o.encoder === undefined ? safeList(dir).filter((n) => /\.f32\.tmp-/.test(n)).map((n) => join(dir, n)) : [];
      const kept: string[] = [];
      for (const file of [...chosen.map((f) => f.file), ...temps]) {
        try {
          rmSync(file, { force: true });
        } catch (err) {
          kept.push(`${file} (${errorMessage(err)})`);
        }
      }
      if (kept.length > 0) throw new UserFacingError(`could not remove ${kept.join(', ')}; the other cache files were removed`);
      const freed = chosen.reduce((n, f) => n + f.bytes, 0);
      process.stdout.write(
        chosen.length === 0
          ? `no embedding cache in ${dir}\n`
          : `removed ${chosen.length} file(s), ${chosen.reduce((n, f) => n + f.records, 0)} vectors, ${megabytes(freed)} MB from ${dir}\n` +
              'a process that has the cache open keeps its vectors until it ends, and may write new ones back\n',
      );
    });
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
