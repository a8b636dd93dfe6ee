// Data files that cannot be read as they are: empty, a truncated .gz, bad UTF-8. Each is named (file and line) as
// an error in strict mode and a warning with a count otherwise (a truncated .gz is always an error: nothing after the
// cut can be read); `data stats --strict` fails on a split without samples or a catalogue without attributes; the
// CLI says it all on one line (exit 1), no stack trace.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { DataFormatError } from '../../src/data/errors.js';
import { loadInspired } from '../../src/data/inspired.js';
import { buildProgram } from '../../src/cli/main.js';
import { runTestCli, said } from '../export/program.js';
import { tempRoot, writeInspiredFixture } from './fixtures.js';

const roots: string[] = [];
function fixture(): string {
  const root = writeInspiredFixture(tempRoot());
  roots.push(root);
  return root;
}
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const run = await runTestCli(argv, buildProgram());
  return { code: run.code, out: run.out, err: said(run) };
}

const items = 'inspired/derived/items_cfcrs.jsonl.gz';
const test = 'inspired/unicrs/test_data_dbpedia.jsonl.gz';

describe('data files that cannot be read as they are', () => {
  it('an empty items file: a warning naming it, an error with --strict', () => {
    const root = fixture();
    writeFileSync(join(root, items), Buffer.alloc(0));
    const ds = loadInspired(root);
    expect(ds.warnings.map((w) => `${w.file}:${w.line}: ${w.message}`)).toContain(`${join(root, items)}:1: the file is empty: nothing read from it`);
    expect(() => loadInspired(root, { strict: true })).toThrowError(`${join(root, items)}:1: the file is empty`);
  });

  it('an empty test file: data stats warns, and fails with --strict on 0 test samples', async () => {
    const root = fixture();
    writeFileSync(join(root, test), gzipSync(''));
    const loose = await cli(['data', 'stats', '--dataset', 'inspired', '--data', root]);
    expect(loose.code).toBe(0);
    expect(loose.out).toContain(`warning: ${join(root, test)}:1: the file is empty (once gunzipped)`);
    expect(loose.err).toContain('crs-gym: warning: inspired: 0 test samples');
    const strict = await cli(['data', 'stats', '--dataset', 'inspired', '--data', root, '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.err).toContain(`${join(root, test)}:1: the file is empty`);
    // A dialogue without recommendations: the file reads, but gives 0 samples, which --strict refuses.
    writeFileSync(join(root, test), gzipSync(`${JSON.stringify([{ text: 'hi', role: 'SEEKER', movie: [], entity_link: [], entity_name: [], movie_link: [], movie_name: [] }])}\n`));
    const none = await cli(['data', 'stats', '--dataset', 'inspired', '--data', root, '--strict']);
    expect(none.code).toBe(1);
    expect(none.err).toContain('0 test samples');
  });

  it('a catalogue without attributes fails data stats --strict', async () => {
    const root = fixture();
    // Items whose attribute files hold nothing usable (a wrong file copied over them).
    for (const file of [items, 'inspired/derived/items_unicrs.jsonl.gz']) {
      const text = gunzipSync(readFileSync(join(root, file))).toString();
      writeFileSync(join(root, file), gzipSync(text.replace(/"(genre|director|starring|star|writer|producer)":\s*\[[^\]]*\]/g, '"$1": []')));
    }
    const loose = await cli(['data', 'stats', '--dataset', 'inspired', '--data', root]);
    expect(loose.code).toBe(0);
    const strict = await cli(['data', 'stats', '--dataset', 'inspired', '--data', root, '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.err.trim().split('\n')).toHaveLength(1);
    expect(strict.err).toContain('no item has any attribute (attribute coverage 0 for genre');
  });

  it('a truncated .gz is an error naming the file, on one line, strict or not', async () => {
    const root = fixture();
    const file = join(root, test);
    const whole = readFileSync(file);
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
    for (const strict of [false, true]) {
      expect(() => loadInspired(root, { strict })).toThrowError(DataFormatError);
      expect(() => loadInspired(root, { strict })).toThrowError(`${file}: not a readable gzip file, truncated or corrupt`);
    }
    const run = await cli(['eval', '--dataset', 'inspired', '--data', root, '--agent', 'bm25', '--simulator', 'oracle', '--out', join(root, 'eval')]);
    expect(run.code).toBe(1);
    expect(run.err.trim().split('\n')).toHaveLength(1);
    expect(run.err).toContain(`${file}: not a readable gzip file`);
  });

  it('bad UTF-8 is a warning with a count (and the line), an error with --strict', () => {
    const root = fixture();
    const file = join(root, test);
    const text = readFileSync(file);
    const lines = Buffer.concat([Buffer.from('\n'), gunzipSync(text), Buffer.from([0xff, 0xfe, 0x0a])]);
    writeFileSync(file, gzipSync(lines));
    const ds = loadInspired(root);
    expect(ds.warnings.some((w) => w.file === file && w.line === 3 && /^2 invalid UTF-8 byte sequence\(s\), read as U\+FFFD/.test(w.message))).toBe(true);
    expect(() => loadInspired(root, { strict: true })).toThrowError(`${file}:3: 2 invalid UTF-8 byte sequence(s)`);
  });
});
