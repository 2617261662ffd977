/**
 * The WebAssembly SIMD kernel (sos.wat, compiled into kernel.generated.ts by scripts/build-wasm.ts): one SOS
 * cascade per channel over interleaved frames, two channels per f64x2, the same double operations in the same
 * order as the JavaScript `SosBank` (hence bit-identical output), with Float32 or Float64 input and output.
 * Compiled synchronously from bytes (≈ 0.7 KiB, within the browsers' 4 KiB main-thread limit);
 * `sosWasmAvailable()` is false where WebAssembly SIMD is not, and callers then use the JavaScript path.
 */
import type { Sos } from '../butter.ts';
import { SOS_WASM_BASE64 } from './kernel.generated.ts';
import type { WasmMemory } from './runtime.ts';
import { compiledModule, instantiate, setSosWasmEnabled, wasmKernelsEnabled } from './runtime.ts';

type KernelFn = (
  input: number,
  inStride: number,
  out: number,
  outC: number,
  outT: number,
  z: number,
  coef: number,
  sections: number,
  c0: number,
  c1: number,
  cEnd: number,
  frames: number,
) => void;

function sosModule(): object | null {
  return compiledModule(SOS_WASM_BASE64);
}

/** Whether new banks use the WebAssembly kernel (SIMD supported and not switched off). */
export const sosWasmAvailable = (): boolean => wasmKernelsEnabled() && sosModule() !== null;

export { setSosWasmEnabled };

const align = (n: number, a: number): number => Math.ceil(n / a) * a;
/** Channels per kernel call: a tile's state (64 × sections × 16 B) and output rows stay in L1. */
const TILE = 64;

export class WasmSos {
  readonly sections: number;
  readonly maxFrames: number;
  private readonly C: number;
  private readonly Cp: number;
  private readonly mem: WasmMemory;
  private readonly f32: KernelFn;
  private readonly f64: KernelFn;
  private readonly coefPtr = 0;
  private readonly zPtr: number;
  private readonly inPtr: number;
  private readonly outPtr: number;
  private readonly z: Float64Array;

  /**
   * Memory: coefficients (80 bytes per section), state (32 bytes per channel pair and section), then the input
   * and output buffers of `maxFrames` interleaved frames each (room for Float64).
   */
  constructor(sos: Sos, channelCount: number, maxFrames: number) {
    const mod = sosModule();
    if (!mod) throw new Error('sos: WebAssembly SIMD is not available');
    const n = sos.length / 6;
    this.sections = n;
    this.C = channelCount;
    this.Cp = channelCount + (channelCount & 1);
    this.maxFrames = maxFrames;
    this.zPtr = align(n * 80, 16);
    this.inPtr = align(this.zPtr + (this.Cp / 2) * n * 32, 16);
    const io = align(maxFrames * this.Cp * 8 + 16, 16);
    this.outPtr = this.inPtr + io;
    const total = this.outPtr + io;
    const inst = instantiate(mod, total);
    this.mem = inst.memory;
    this.f32 = inst.exports.sos_f32 as KernelFn;
    this.f64 = inst.exports.sos_f64 as KernelFn;
    const coef = new Float64Array(this.mem.buffer, this.coefPtr, n * 10);
    for (let s = 0; s < n; s++)
      [0, 1, 2, 4, 5].forEach((j, k) => {
        coef[s * 10 + 2 * k] = sos[6 * s + j]!;
        coef[s * 10 + 2 * k + 1] = sos[6 * s + j]!;
      });
    this.z = new Float64Array(this.mem.buffer, this.zPtr, (this.Cp / 2) * n * 4);
  }

  /** Index of z0 (k = 0) or z1 (k = 1) of section s, channel c in the state. */
  private zi(s: number, k: number, c: number): number {
    return ((c >> 1) * this.sections * 2 + s * 2 + k) * 2 + (c & 1);
  }

  setState(s: number, c: number, z0: number, z1: number): void {
    this.z[this.zi(s, 0, c)] = z0;
    this.z[this.zi(s, 1, c)] = z1;
  }

  saveState(): Float64Array {
    return this.z.slice();
  }
  restoreState(saved: Float64Array): void {
    this.z.set(saved);
  }

  private run(
    kernel: KernelFn,
    inStride: number,
    out: number,
    outC: number,
    outT: number,
    frames: number,
  ): void {
    for (let c0 = 0; c0 < this.Cp; c0 += TILE)
      kernel(this.inPtr, inStride, out, outC, outT, this.zPtr, this.coefPtr, this.sections, c0, Math.min(this.Cp, c0 + TILE), this.C, frames); // prettier-ignore
  }

  /** Interleaved in → interleaved out (any numeric arrays; Float32 ↔ Float32 runs in single precision I/O). */
  process(input: ArrayLike<number>, output: Float32Array | Float64Array, frames: number): void {
    const C = this.C;
    const single = input instanceof Float32Array && output instanceof Float32Array;
    const buf = this.mem.buffer;
    for (let t0 = 0; t0 < frames; t0 += this.maxFrames) {
      const n = Math.min(this.maxFrames, frames - t0);
      const src = sub(input, t0 * C, (t0 + n) * C);
      if (single) {
        new Float32Array(buf, this.inPtr, n * C).set(src);
        this.run(this.f32, C * 4, this.outPtr, 4, C * 4, n);
        output.set(new Float32Array(buf, this.outPtr, n * C), t0 * C);
      } else {
        new Float64Array(buf, this.inPtr, n * C).set(src);
        this.run(this.f64, C * 8, this.outPtr, 8, C * 8, n);
        output.set(new Float64Array(buf, this.outPtr, n * C), t0 * C);
      }
    }
  }
}

function sub(a: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  if (ArrayBuffer.isView(a)) return (a as unknown as Float64Array).subarray(from, to);
  return Array.prototype.slice.call(a, from, to) as number[];
}
