// `crs-gym cache list|clear`: everything crs-gym keeps in its home (src/core/home.ts). The text-embedding cache
// ($CRS_GYM_EMBEDDINGS, else <home>/cache/embeddings) grows with every new text an encoder sees (feedback,
// preferences); a removed vector is simply encoded again when next needed. The trained artifacts
// ($CRS_GYM_ARTIFACTS, else <home>/artifacts) are retrained by the next make() that needs them.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { listCacheFiles, type CacheFileInfo } from '../../encoders/embedding-cache.js';
import { defaultEmbeddingsDir } from '../../../envs/components.js';
import { UsageError, UserFacingError } from '../errors.js';
import { errorMessage } from '../../core/errors.js';
import { artifactsRoot, crsGymHome } from '../../core/home.js';

interface ArtifactInfo {
  dataset: string;
  stage: string;
  dir: string;
  bytes: number;
}

function folderBytes(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  return safeList(path).reduce((n, name) => n + folderBytes(join(path, name)), 0);
}

/** One entry per trained stage: <artifacts>/<dataset>/<stage>/. */
function listArtifacts(root: string): ArtifactInfo[] {
  const out: ArtifactInfo[] = [];
  for (const dataset of safeList(root).sort()) {
    if (!statSync(join(root, dataset), { throwIfNoEntry: false })?.isDirectory()) continue;
    for (const stage of safeList(join(root, dataset)).sort()) {
      const dir = join(root, dataset, stage);
      out.push({ dataset, stage, dir, bytes: folderBytes(dir) });
    }
  }
  return out;
}

function homeLines(artifacts: ArtifactInfo[], root: string): string {
  const home = crsGymHome();
  const lines = [`home: ${home.dir} (${home.source})`, `artifacts: ${root}`];
  for (const a of artifacts) lines.push(`  ${`${a.dataset}/${a.stage}`.padEnd(26)} ${megabytes(a.bytes).padStart(8)} MB`);
  if (artifacts.length === 0) lines.push('  (none trained yet)');
  return `${lines.join('\n')}\n`;
}

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

const DIR_HELP = 'embedding cache folder (default: $CRS_GYM_EMBEDDINGS, else <home>/cache/embeddings)';

export function registerCacheCommands(program: Command): void {
  const cache = program.command('cache').description("what crs-gym keeps in its home (trained artifacts, the text-embedding cache): list it, clear it");
  cache
    .command('list')
    .description('the home, its trained artifacts, and one line per encoder: vectors cached, size on disk, damaged records (every checksum is read)')
    .option('--dir <dir>', DIR_HELP)
    .option('--json', 'print one JSON object')
    .action((o: { dir?: string; json?: boolean }) => {
      const dir = o.dir ?? defaultEmbeddingsDir();
      const files = cacheFiles(dir, true);
      const root = artifactsRoot();
      const artifacts = listArtifacts(root);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ home: crsGymHome(), artifactsDir: root, artifacts, dir, files }, null, 2)}\n`);
        return;
      }
      process.stdout.write(homeLines(artifacts, root));
      if (files.length === 0) {
        process.stdout.write(`no embedding cache in ${dir}\n`);
        return;
      }
      process.stdout.write(`${dir}\n${files.map(describe).join('\n')}\n${'total'.padEnd(55)} ${megabytes(files.reduce((n, f) => n + f.bytes, 0)).padStart(8)} MB\n`);
    });
  cache
    .command('clear')
    .description('delete the cached vectors (of one encoder with --encoder; they are encoded again when next needed), or with --artifacts / --all the trained artifacts (retrained when next needed)')
    .option('--encoder <id>', "only this encoder's file (an id as `cache list` prints it, e.g. use-lite-512-v2)")
    .option('--dir <dir>', DIR_HELP)
    .option('--artifacts', 'delete the trained artifacts instead of the embeddings')
    .option('--dataset <name>', 'with --artifacts or --all: only this dataset\'s artifacts')
    .option('--all', 'delete the embeddings and the trained artifacts')
    .action((o: { encoder?: string; dir?: string; artifacts?: boolean; dataset?: string; all?: boolean }) => {
      if (o.artifacts || o.all) clearArtifacts(o.dataset);
      else if (o.dataset !== undefined) throw new UsageError('--dataset goes with --artifacts or --all');
      if (o.artifacts) return;
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

/** Removes <artifacts>/<dataset> (every dataset without one); a dataset with none is a usage error naming the ones there. */
function clearArtifacts(dataset: string | undefined): void {
  const root = artifactsRoot();
  const all = listArtifacts(root);
  const chosen = dataset === undefined ? all : all.filter((a) => a.dataset === dataset);
  if (dataset !== undefined && chosen.length === 0) {
    const there = [...new Set(all.map((a) => a.dataset))];
    throw new UsageError(`--dataset: no artifacts of '${dataset}' in ${root} (there: ${there.length > 0 ? there.join(', ') : 'none'})`);
  }
  const folders = dataset === undefined ? [...new Set(all.map((a) => join(root, a.dataset)))] : [join(root, dataset)];
  for (const folder of folders) {
    try {
      rmSync(folder, { recursive: true, force: true });
    } catch (err) {
      throw new UserFacingError(`could not remove ${folder} (${errorMessage(err)})`);
    }
  }
  const freed = chosen.reduce((n, a) => n + a.bytes, 0);
  process.stdout.write(chosen.length === 0 ? `no trained artifacts in ${root}\n` : `removed ${chosen.length} trained stage(s), ${megabytes(freed)} MB from ${root}\n`);
}
