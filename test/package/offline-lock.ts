// A consumer project's package-lock.json that installs a crs-gym tarball with no network: the repo's own lockfile
// pins every runtime dependency (version, tarball URL, integrity), so `npm ci --offline` finds them all in the npm
// cache that the repo's `npm ci` filled. Without a lockfile npm would need registry metadata the cache lacks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface LockEntry {
  dev?: boolean;
  [key: string]: unknown;
}

export function consumerLock(repoRoot: string, appName: string, tarballSpec: string): { packageJson: object; lock: object } {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string; license: string; dependencies: Record<string, string>; bin: unknown; engines: unknown };
  const repoLock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const packages: Record<string, unknown> = {
    '': { name: appName, version: '1.0.0', dependencies: { 'crs-gym': tarballSpec } },
    'node_modules/crs-gym': { version: pkg.version, resolved: tarballSpec, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
  };
  // Dev-only packages (and whatever only they need) are flagged `dev`; the rest keep their place in the tree.
  for (const [path, entry] of Object.entries(repoLock.packages)) {
    if (path !== '' && entry.dev !== true) packages[path] = entry;
  }
  return {
    packageJson: { name: appName, version: '1.0.0', private: true, type: 'module', dependencies: { 'crs-gym': tarballSpec } },
    lock: { name: appName, version: '1.0.0', lockfileVersion: 3, requires: true, packages },
  };
}
