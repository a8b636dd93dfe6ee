// Files at the edges: an atomic write that fails leaves no temp file; temp files that a killed process left are
// removed when a stage starts building again (only ours: our name pattern and a pid that has ended); and a stage
// folder holding a user's files (no stage marker) is never deleted to build there.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedStage, PENDING_FILE, stageHash, writeFileAtomic } from '../../src/pipeline/stage-cache.js';
import { writeFileAtomic as writeEvalFileAtomic } from '../../src/eval/files.js';

const dir = mkdtempSync(join(tmpdir(), 'crs-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that has ended. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('atomic writes and their temp files', () => {
  it('a failed write leaves no temp file (sync and async writers)', async () => {
    const folder = join(dir, 'failed');
    mkdirSync(join(folder, 'target'), { recursive: true }); // a folder where the file should go: the rename fails
    expect(() => writeFileAtomic(join(folder, 'target'), 'x')).toThrow();
    await expect(writeEvalFileAtomic(join(folder, 'target'), 'x')).rejects.toThrow();
    expect(readdirSync(folder)).toEqual(['target']);
  });

  it("removes a killed process's temp files when a stage resumes building, and only those", async () => {
    const stageDir = join(dir, 'stage');
    mkdirSync(join(stageDir, 'checkpoints'), { recursive: true });
    const key = { k: 1 };
    // An interrupted build of the same stage: its folder is kept (resumable).
    writeFileSync(join(stageDir, PENDING_FILE), JSON.stringify({ stage: 'demo', hash: stageHash({ stage: 'demo', key }) }));
    const dead = deadPid();
    const stale = [join(stageDir, `model.bin.tmp-${dead}-k3x9`), join(stageDir, 'checkpoints', `checkpoint.bin.tmp-${dead}-1`)];
    const kept = [join(stageDir, `model.bin.tmp-${process.pid}-abc`), join(stageDir, 'notes.tmp'), join(stageDir, 'model.bin')];
    for (const file of [...stale, ...kept]) writeFileSync(file, 'x');
    const seen: string[] = [];
    await cachedStage({
      stage: 'demo',
      dir: stageDir,
      key,
      build: async (d) => {
        seen.push(...readdirSync(d), ...readdirSync(join(d, 'checkpoints')));
        return { value: 1 };
      },
      load: async () => 1,
    });
    for (const file of stale) expect(existsSync(file), file).toBe(false);
    for (const file of kept) expect(existsSync(file), file).toBe(true);
    expect(seen).not.toContain(`model.bin.tmp-${dead}-k3x9`);
  });

  it("never deletes a folder of a user's files to build a stage there", async () => {
    const stageDir = join(dir, 'artifacts', 'inspired', 'encoder');
    mkdirSync(stageDir, { recursive: true });
    writeFileSync(join(stageDir, 'my-notes.txt'), 'precious');
    const error = await cachedStage({ stage: 'encoder', dir: stageDir, key: {}, build: async () => ({ value: 1 }), load: async () => 1 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/holds files crs-gym did not write \(no stage\.json or stage-pending\.json: my-notes\.txt\); not deleting them/);
    expect(readFileSync(join(stageDir, 'my-notes.txt'), 'utf8')).toBe('precious');
    // A folder crs-gym built (its marker is there) is rebuilt as before.
    rmSync(join(stageDir, 'my-notes.txt'));
    await cachedStage({ stage: 'encoder', dir: stageDir, key: {}, build: async () => ({ value: 1 }), load: async () => 1 });
    const rebuilt = await cachedStage({ stage: 'encoder', dir: stageDir, key: { other: true }, build: async () => ({ value: 2 }), load: async () => 2 });
    expect(rebuilt.value).toBe(2);
  });
});
