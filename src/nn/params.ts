// Named trainable variables, and their plain Float32Array form for saving and for sending weights to
// worker threads as transferable buffers.
import type { Variable } from '@tensorflow/tfjs';
import { tf } from './tf.js';

/** One parameter as plain data. `data.length` equals the product of `shape`. */
export interface ParamBuffer {
  name: string;
  shape: number[];
  data: Float32Array;
}

export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The ArrayBuffers of the given buffers, for postMessage's transfer list (each is transferred once). */
export function transferList(buffers: readonly ParamBuffer[]): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const b of buffers) seen.add(b.data.buffer as ArrayBuffer);
  return [...seen];
}

function checkBuffer(b: ParamBuffer): void {
  if (!b.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RangeError(`parameter '${b.name}': bad shape [${b.shape.join(', ')}]`);
  }
  if (b.data.length !== shapeSize(b.shape)) {
    throw new RangeError(`parameter '${b.name}': ${b.data.length} values for shape [${b.shape.join(', ')}]`);
  }
}

export class ParamStore {
  private readonly vars = new Map<string, Variable>();

  /** Creates a variable. Names are local to this store (tfjs's global variable names are left automatic). */
  add(name: string, shape: readonly number[], values: Float32Array, trainable = true): Variable {
    if (this.vars.has(name)) throw new Error(`ParamStore: parameter '${name}' already exists`);
    checkBuffer({ name, shape: [...shape], data: values });
    // Copy: the cpu backend would otherwise keep a reference to the caller's (maybe later transferred) buffer.
    const initial = tf.tensor(values.slice(), [...shape], 'float32');
    const v = tf.variable(initial, trainable);
    initial.dispose();
    this.vars.set(name, v);
    return v;
  }

  get(name: string): Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`ParamStore: no parameter '${name}' (have: ${this.names().join(', ') || 'none'})`);
    return v;
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  /** Names in insertion order (the order of toBuffers and of the saved file). */
  names(): string[] {
    return [...this.vars.keys()];
  }

  variables(): Variable[] {
    return [...this.vars.values()];
  }

  trainableVariables(): Variable[] {
    return this.variables().filter((v) => v.trainable);
  }

  /** Total number of scalar parameters. */
  size(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  /** A copy of every parameter, each in its own ArrayBuffer (transferable). */
  toBuffers(): ParamBuffer[] {
    return [...this.vars].map(([name, v]) => ({
      name,
      shape: [...v.shape],
      data: Float32Array.from(v.dataSync() as Float32Array),
    }));
  }

  /** Overwrites the values of existing parameters; names and shapes must match this store exactly. */
  assignBuffers(buffers: readonly ParamBuffer[]): void {
    const given = new Map(buffers.map((b) => [b.name, b]));
    for (const name of this.vars.keys()) if (!given.has(name)) throw new Error(`ParamStore: buffers lack parameter '${name}'`);
    for (const b of buffers) {
      checkBuffer(b);
      const v = this.vars.get(b.name);
      if (!v) throw new Error(`ParamStore: buffers hold unknown parameter '${b.name}'`);
      if (v.shape.join(',') !== b.shape.join(',')) {
        throw new Error(`ParamStore: parameter '${b.name}' has shape [${v.shape.join(', ')}], buffer [${b.shape.join(', ')}]`);
      }
    }
    for (const b of buffers) {
      const v = this.get(b.name);
      tf.tidy(() => v.assign(tf.tensor(b.data.slice(), b.shape, 'float32')));
    }
  }

  /** A new store holding the given parameters (all trainable). */
  static fromBuffers(buffers: readonly ParamBuffer[]): ParamStore {
    const store = new ParamStore();
    for (const b of buffers) store.add(b.name, b.shape, b.data);
    return store;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
