// A vector env over servers: `numEnvs` RemoteEnvs spread round-robin over the given URLs (copy i on urls[i % n]),
// stepped at once (ConcurrentVectorEnv). Copy i is seeded with seed + i, as in every vector env, so the copies play
// the same trajectories as SyncVectorEnv over local envs, however many servers there are.
import { ConcurrentVectorEnv } from '../core/vector.js';
import { RemoteEnv, type RemoteEnvOptions } from './client.js';

export async function connectRemoteVectorEnv<Obs = unknown, Act = unknown>(
  urls: readonly string[],
  numEnvs: number,
  options: RemoteEnvOptions = {},
): Promise<ConcurrentVectorEnv<Obs, Act>> {
  if (urls.length === 0) throw new RangeError('connectRemoteVectorEnv: give at least one server URL');
  if (!Number.isSafeInteger(numEnvs) || numEnvs < 1) throw new RangeError(`connectRemoteVectorEnv: numEnvs must be a positive integer, got ${String(numEnvs)}`);
  const settled = await Promise.allSettled(Array.from({ length: numEnvs }, (_, i) => RemoteEnv.connect<Obs, Act>(urls[i % urls.length] as string, options)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const envs = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (failed) {
    await Promise.all(envs.map((env) => env.close()));
    throw failed.reason;
  }
  return new ConcurrentVectorEnv(envs);
}
