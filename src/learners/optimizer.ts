// Adam(W) over plain Float32Array parameters, in JS: the policy is small, so the update costs nothing next
// to the tfjs gradient, and its whole state (m, v, t) is plain data that checkpoints byte for byte.
export interface AdamOptions {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Decoupled weight decay (AdamW). */
  weightDecay: number;
  /** Per parameter tensor, a learning rate replacing `learningRate` (null or absent: `learningRate`). */
  learningRates?: readonly (number | null)[];
}

export interface AdamState {
  t: number;
  m: Float32Array[];
  v: Float32Array[];
}

export class Adam {
  t = 0;
  readonly m: Float32Array[];
  readonly v: Float32Array[];

  constructor(
    sizes: readonly number[],
    readonly opts: AdamOptions,
  ) {
    this.m = sizes.map((n) => new Float32Array(n));
    this.v = sizes.map((n) => new Float32Array(n));
  }

  /** One update of `params` in place with `grads` (same order and sizes). */
  step(params: readonly Float32Array[], grads: readonly Float32Array[]): void {
    const { learningRate: lr, beta1, beta2, epsilon, weightDecay } = this.opts;
    this.t += 1;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    params.forEach((p, k) => {
      const lrk = this.opts.learningRates?.[k] ?? lr;
      const g = grads[k] as Float32Array;
      const m = this.m[k] as Float32Array;
      const v = this.v[k] as Float32Array;
      if (g.length !== p.length) throw new RangeError(`Adam.step: gradient ${k} has ${g.length} values for ${p.length} parameters`);
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] as number;
        m[i] = beta1 * (m[i] as number) + (1 - beta1) * gi;
        v[i] = beta2 * (v[i] as number) + (1 - beta2) * gi * gi;
        const update = (m[i] as number) / c1 / (Math.sqrt((v[i] as number) / c2) + epsilon);
        p[i] = (p[i] as number) - lrk * (update + weightDecay * (p[i] as number));
      }
    });
  }

  state(): AdamState {
    return { t: this.t, m: this.m.map((a) => a.slice()), v: this.v.map((a) => a.slice()) };
  }

  load(state: AdamState): void {
    if (state.m.length !== this.m.length || state.m.some((a, k) => a.length !== this.m[k]!.length)) {
      throw new RangeError('Adam.load: the saved optimizer state does not match the parameters');
    }
    this.t = state.t;
    state.m.forEach((a, k) => this.m[k]!.set(a));
    state.v.forEach((a, k) => this.v[k]!.set(a));
  }
}

/** Global L2 norm of the gradients; scales them in place to `maxNorm` when above it (0 = no clipping). */
export function clipGradNorm(grads: readonly Float32Array[], maxNorm: number): number {
  let sum = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sum += (g[i] as number) ** 2;
  const norm = Math.sqrt(sum);
  if (maxNorm > 0 && norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = (g[i] as number) * scale;
  }
  return norm;
}
