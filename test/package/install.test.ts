// crs-gym as a user installs it: `npm pack` (which builds dist/ on prepare), the tarball installed with no network
// into a fresh project, then imported from an .mjs, type-checked from a .ts consumer against the shipped .d.ts,
// required from CommonJS (a one-line ESM-only message), and run through its bin. The install copies ~900 MB of
// dependencies (minutes on 2 cores), so it runs with CRS_GYM_LONG=1 (.ci/run runs it after the default suite);
// the manifest checks below it run in the default suite.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPackageRoot } from '../../src/data/paths.js';
import { realDataRoot } from '../data/real-data.js';
import { consumerLock } from './offline-lock.js';

const root = findPackageRoot() as string;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const dataRoot = realDataRoot('inspired');
const long = process.env.CRS_GYM_LONG === '1';

/** This process's environment without the npm_* variables `npm test` sets (they would steer the nested npm). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('npm_') || k === 'npm_config_cache') env[k] = v;
  return env;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!long)('the packed package, installed offline into a fresh project', () => {
  let work: string;
  let app: string;
  let files: string[] = [];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'crs-gym-install-'));
    app = join(work, 'app');
    mkdirSync(app);
    const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', work], { cwd: root, env: cleanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 240_000 })) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed[0]!.files.map((f) => f.path);
    const spec = `file:../${packed[0]!.filename}`;
    const { packageJson, lock } = consumerLock(root, 'crs-gym-consumer', spec);
    writeFileSync(join(app, 'package.json'), JSON.stringify(packageJson, null, 2));
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lock, null, 2));
    // The line README's "Use as a dependency" asks a consumer to add: no onnxruntime binary download at install.
    writeFileSync(join(app, '.npmrc'), 'onnxruntime-node-install=skip\nfund=false\naudit=false\n');
    const installed = run(npm, ['ci', '--offline', '--no-audit', '--no-fund'], app);
    if (installed.status !== 0) throw new Error(`npm ci --offline failed:\n${installed.stderr}`);
  }, 480_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships dist, bin, configs and the README, and no tests, benchmarks or TypeScript sources', () => {
    expect(files).toContain('dist/src/index.js');
    expect(files).toContain('dist/src/index.d.ts');
    expect(files).toContain('bin/crs-gym.mjs');
    expect(files).toContain('README.md');
    expect(files.some((f) => f.startsWith('configs/'))).toBe(true);
    expect(files.filter((f) => /^(test|bench|src)\//.test(f) || f.endsWith('.map') || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
  });

  it('imports from an ES module and makes a working env', () => {
    const script = [
      "import { make } from 'crs-gym';",
      'const out = { make: typeof make };',
      dataRoot === null
        ? ''
        : `const env = await make('CrsEnv/inspired-v0', { dataRoot: ${JSON.stringify(dataRoot)}, retriever: 'bm25', simulator: 'oracle', components: { textEncoder: 'hash' } });
           const { observation } = await env.reset({ seed: 0 });
           out.observed = observation !== undefined && observation !== null;
           await env.close();`,
      'console.log(JSON.stringify(out));',
    ].join('\n');
    writeFileSync(join(app, 'use.mjs'), script);
    const r = run(process.execPath, ['use.mjs'], app);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { make?: string; observed?: boolean };
    expect(out.make).toBe('function');
    if (dataRoot !== null) expect(out.observed).toBe(true);
    // Nothing was written into the installed package.
    expect(readdirSync(join(app, 'node_modules', 'crs-gym')).sort()).toEqual(['README.md', 'bin', 'configs', 'dist', 'package.json']);
  });

  it('type-checks a TypeScript consumer against the shipped types, and rejects a misuse', () => {
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, typeRoots: [join(root, 'node_modules', '@types')], types: ['node'] }, files: ['consumer.ts'] }),
    );
    const good = "import { make, Rng, type Env } from 'crs-gym';\nconst env: Promise<Env<unknown, unknown>> = make('CrsEnv/inspired-v0', { retriever: 'bm25' });\nconst r: number = new Rng(0).random();\nexport { env, r };\n";
    writeFileSync(join(app, 'consumer.ts'), good);
    const ok = run(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    writeFileSync(join(app, 'consumer.ts'), "import { make } from 'crs-gym';\nexport const env: number = make('CrsEnv/inspired-v0');\n");
    const bad = run(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/consumer\.ts.*TS2322/);
  });

  it('tells a CommonJS consumer in one line that the package is ESM-only', () => {
    const r = run(process.execPath, ['-e', "require('crs-gym')"], app);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/crs-gym is ESM-only: use .*import\(/);
  });

  it('runs its bin from compiled JavaScript, with no devDependency installed', () => {
    expect(existsSync(join(app, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'typescript'))).toBe(false);
    const r = run(join(app, 'node_modules', '.bin', 'crs-gym'), ['--help'], app);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Usage: crs-gym/);
    expect(r.stdout).toMatch(/train/);
  });
});

describe('the package manifest', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    files: string[];
    exports: Record<string, Record<string, string>>;
    bin: Record<string, string>;
    scripts: Record<string, string>;
  };

  it('builds on prepare, ships a whitelist, and sends require() to the ESM-only message', () => {
    expect(pkg.scripts.prepare).toMatch(/npm run build/);
    expect(pkg.files).toEqual(expect.arrayContaining(['bin', 'configs', 'README.md']));
    expect(pkg.files.some((f) => /^(test|bench|src)\b/.test(f))).toBe(false);
    const require = createRequire(import.meta.url);
    expect(() => require(join(root, pkg.exports['.']!.require!))).toThrow(/^crs-gym is ESM-only: use .*import\('crs-gym'\)/);
  });

  it('the bin, outside a checkout and unbuilt, names the missing build instead of reaching for tsx', () => {
    const bare = mkdtempSync(join(tmpdir(), 'crs-gym-bare-'));
    try {
      mkdirSync(join(bare, 'bin'));
      writeFileSync(join(bare, 'bin', 'crs-gym.mjs'), readFileSync(join(root, pkg.bin['crs-gym']!)));
      const r = spawnSync(process.execPath, [join(bare, 'bin', 'crs-gym.mjs'), '--help'], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/crs-gym: not built \(no .*dist.*main\.js\); run `npm run build`/);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
