/**
 * The check kernels' interface (one method per export of src/dsp/wasm/check.wat; arguments are byte offsets into
 * `buffer` and counts) and the factory: the WebAssembly SIMD module where available, else the bit-identical
 * JavaScript reference.
 */
import { CHECK_WASM_BASE64 } from '../../dsp/wasm/kernel.generated.ts';
import type { WasmMemory } from '../../dsp/wasm/runtime.ts';
import { compiledModule, instantiate, wasmKernelsEnabled } from '../../dsp/wasm/runtime.ts';
import { JsCheckKernel } from './checkKernelJs.ts';

export interface CheckKernel {
  readonly buffer: ArrayBuffer;
  spike_rows(inP: number, inStride: number, out: number, outStride: number, rowBytes: number, rows: number, z: number, coef: number, nbp: number, box: number, railed: number, railThr: number, lfp: number, decim: number, boxFill: number, invD: number, filter: number, copy: number, row0: number, step: number, cmp: number, cand: number, keys: number, vals: number, cnt: number): number; // prettier-ignore
  car_rows(blk: number, rows: number, rowBytes: number, C: number): void;
  gather(
    blk: number,
    n: number,
    rowStep: number,
    rowBytes: number,
    G: number,
    gStride: number,
    zero: number,
  ): void;
  hist(x: number, n: number, scale: number, counts: number, nb: number, bins: number): void;
  collect(x: number, bins: number, n: number, bLo: number, bHi: number, dst: number): number;
  detect(blk: number, r0: number, rows: number, rowBytes: number, C: number, thr: number, trig: number, active: number, minVal: number, minIdx: number, startIdx: number, dead: number, start: number, maxWidth: number, refractory: number, ev: number, evCap: number, evCount: number): number; // prettier-ignore
  detect_cand(keys: number, vals: number, e0: number, nEnt: number, C: number, thr: number, active: number, minVal: number, minIdx: number, startIdx: number, dead: number, last: number, start: number, maxWidth: number, refractory: number, ev: number, evCap: number, evCount: number): number; // prettier-ignore
  chan_sums(
    G: number,
    gStride: number,
    nVec: number,
    vstep: number,
    C: number,
    sums: number,
    abs: number,
  ): void;
  corr_quads(
    G: number,
    gStride: number,
    nVec: number,
    vstep: number,
    quads: number,
    Q: number,
    sums: number,
  ): void;
  lockin_rows(x: number, rows: number, rowBytes: number, acc: number, sc: number): void;
  lfp_rows(x: number, rows: number, rowBytes: number, z: number, nCoef: number, nNotch: number, bCoef: number, n1: number, n4: number, n8: number, spb: number, pow: number, settle: number, line: number, sc: number, phase: number): void; // prettier-ignore
}

const EXPORTS = ['spike_rows', 'car_rows', 'gather', 'hist', 'collect', 'detect', 'detect_cand', 'chan_sums', 'corr_quads', 'lockin_rows', 'lfp_rows'] as const; // prettier-ignore

/** Whether `createCheckKernel` gives the WebAssembly kernel now. */
export const checkWasmAvailable = (): boolean =>
  wasmKernelsEnabled() && compiledModule(CHECK_WASM_BASE64) !== null;

/**
 * Memories given back with `releaseCheckKernel`: a fresh memory costs a page fault per 4 KiB at first touch (tens
 * of ms for a 1024-channel check), zeroing a used one a few.
 */
const pool: WasmMemory[] = [];
const POOL_SIZE = 2;

/**
 * A kernel with `bytes` bytes of memory, zeroed in the ranges [from, to) of `zero` (all of it when not given): a
 * pooled memory holds what its last user left, and zeroing only what is read before written saves most of the cost.
 */
export function createCheckKernel(
  bytes: number,
  wasm = checkWasmAvailable(),
  zero: [number, number][] = [[0, bytes]],
): CheckKernel {
  const mod = wasm ? compiledModule(CHECK_WASM_BASE64) : null;
  if (!mod) return new JsCheckKernel(bytes);
  const i = pool.findIndex((m) => m.buffer.byteLength >= bytes && m.buffer.byteLength <= 2 * bytes);
  const reused = i >= 0 ? pool.splice(i, 1)[0] : undefined;
  if (reused) for (const [from, to] of zero) new Uint8Array(reused.buffer, from, to - from).fill(0);
  const { memory, exports } = instantiate(mod, bytes, reused);
  const k = { buffer: memory.buffer, memory } as Record<string, unknown>;
  for (const name of EXPORTS) k[name] = exports[name];
  return k as unknown as CheckKernel;
}

/** Gives a kernel's memory back for reuse; the kernel must not be used afterwards. */
export function releaseCheckKernel(k: CheckKernel): void {
  const memory = (k as unknown as { memory?: WasmMemory }).memory;
  if (!memory || pool.includes(memory)) return;
  pool.push(memory);
  if (pool.length > POOL_SIZE) pool.shift();
}
