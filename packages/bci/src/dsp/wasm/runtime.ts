/**
 * Loading the generated WebAssembly modules: compiled synchronously from base64 bytes, once; null where
 * WebAssembly SIMD is not available (or, in a browser's main thread, where a module is over the 4 KiB that
 * Chromium compiles synchronously there: the check kernels, ~11 KiB, run in Node and in workers), and callers then
 * use their JavaScript path. `setSosWasmEnabled(false)` switches every kernel off for objects created afterwards.
 */

/** The few WebAssembly JS API members used (the project's TypeScript libs declare no WebAssembly globals). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const modules = new Map<string, object | null>();
let enabled = true;

function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The compiled module for these bytes, or null without WebAssembly SIMD (ignores the on/off switch). */
export function compiledModule(b64: string): object | null {
  if (!modules.has(b64)) {
    let mod: object | null = null;
    try {
      const bytes = decodeBase64(b64);
      mod = wasmApi && wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
    } catch {
      mod = null;
    }
    modules.set(b64, mod);
  }
  return modules.get(b64)!;
}

/** Whether kernels are switched on (they still need `compiledModule` to succeed). */
export const wasmKernelsEnabled = (): boolean => enabled;

/** Switches the WebAssembly kernels off/on for objects created afterwards (tests, benchmarks). */
export function setSosWasmEnabled(on: boolean): void {
  enabled = on;
}

const PAGE = 65536;

/** An instance of `mod` importing `memory` (or a fresh one of at least `bytes` bytes) as env.memory. */
export function instantiate(
  mod: object,
  bytes: number,
  memory: WasmMemory = new wasmApi!.Memory({ initial: Math.ceil(bytes / PAGE) }),
): { memory: WasmMemory; exports: Record<string, unknown> } {
  const inst = new wasmApi!.Instance(mod, { env: { memory } });
  return { memory, exports: inst.exports };
}
