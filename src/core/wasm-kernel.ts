// The few WebAssembly APIs our SIMD kernels use (the project's TypeScript libs do not declare WebAssembly), and
// the compiling of a kernel inlined as base64, once per thread. A host without WebAssembly SIMD gets null, and the
// caller's plain JS loop takes over.

/** The part of WebAssembly.Memory a kernel uses. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The part of the WebAssembly namespace a kernel uses. */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}

/** Bytes in a WebAssembly memory page. */
export const WASM_PAGE_BYTES = 65_536;

/** This host's WebAssembly, if any. */
export const wasm: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const compiled = new Map<string, object | null>();

/** The compiled module of a kernel (base64 of its .wasm), or null where it cannot compile (no WebAssembly SIMD). */
export function compileKernel(base64: string): object | null {
  let module = compiled.get(base64);
  if (module === undefined) {
    try {
      if (wasm === undefined) throw new Error('no WebAssembly');
      module = new wasm.Module(Buffer.from(base64, 'base64'));
    } catch {
      module = null;
    }
    compiled.set(base64, module);
  }
  return module;
}
