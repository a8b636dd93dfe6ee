// The server the serve bench measures, in its own process (so its RSS and CPU are its own): the real
// CrsEnv/inspired-v0 (trained components loaded, never trained here) or the tests' synthetic CrsEnv.
//   tsx bench/serve-target.ts inspired|synthetic   -> prints "listening <url>", drains on SIGTERM
import { register } from '../src/core/registry.js';
import { EnvServer } from '../src/remote/server.js';
import '../envs/register.js';
import { buildSyntheticEnv } from '../test/envs/setup-synthetic.js';

export const SYNTHETIC_BENCH_ID = 'Bench/SyntheticCrs-v0';

/** The env id and make options each kind is served with (the bench makes the same env in-process). */
export function benchTarget(kind: 'inspired' | 'synthetic'): { envId: string; makeOptions: Record<string, unknown> } {
  if (kind === 'inspired') return { envId: 'CrsEnv/inspired-v0', makeOptions: { loadOnly: true } };
  register(SYNTHETIC_BENCH_ID, () => buildSyntheticEnv({ retriever: 'dual-view' }), { override: true, orderEnforcing: false });
  return { envId: SYNTHETIC_BENCH_ID, makeOptions: {} };
}

const invoked = process.argv[1] !== undefined && /serve-target\.ts$/.test(process.argv[1]);
if (invoked) {
  const kind = process.argv[2] === 'inspired' ? 'inspired' : 'synthetic';
  const server = await EnvServer.start({ ...benchTarget(kind), port: 0, maxSessions: 64, idleTimeoutMs: 0 });
  process.stdout.write(`listening ${server.url}\n`);
  process.once('SIGTERM', () => void server.drain().then(() => process.exit(0)));
}
