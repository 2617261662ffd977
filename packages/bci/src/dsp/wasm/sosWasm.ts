/**
 * The WebAssembly SIMD kernels (sos.wat, compiled into kernel.generated.ts by scripts/build-wasm.ts): one SOS
 * cascade per channel over interleaved frames, two channels per f64x2, the same double operations in the same
 * order as the JavaScript `SosBank` (hence bit-identical output), plus the noise-block helpers (threshold scan,
 * median gather/histogram/collect, raw rail and boxcar sums). Compiled synchronously from bytes (≈ 1.4 KiB, within
 * the browsers' 4 KiB main-thread limit); `sosWasmAvailable()` is false where WebAssembly SIMD is not, and callers
 * then use the JavaScript path.
 */
import type { Sos } from '../butter.ts';
import { histogramScale, medianFromHistogram, medianInPlace } from '../mad.ts';
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

type ScanFn = (p: number, n: number, thr: number) => number;
type GatherFn = (src: number, n: number, stride: number, dst: number) => number;
type BoxRailFn = (input: number, frameBytes: number, frames: number, cPad: number, box: number, railed: number, rail: number) => void; // prettier-ignore
type CollectFn = (src: number, n: number, scale: number, bins: number, bLo: number, bHi: number, dst: number) => number; // prettier-ignore
type HistFn = (src: number, n: number, scale: number, counts: number, bins: number) => void;

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
  /** Channel-major noise/detection block living in the module's memory (empty when none was asked for). */
  readonly block: Float32Array;
  private readonly C: number;
  private readonly Cp: number;
  private readonly mem: WasmMemory;
  private readonly f32: KernelFn;
  private readonly f64: KernelFn;
  private readonly coefPtr = 0;
  private readonly zPtr: number;
  private readonly inPtr: number;
  private readonly outPtr: number;
  private readonly blockPtr: number;
  private readonly z: Float64Array;
  private readonly scan: ScanFn;
  private readonly gatherAbs: GatherFn;
  private readonly hist: HistFn;
  private readonly gPtr: number;
  private readonly gather: Float32Array;
  private readonly countsPtr: number;
  private readonly counts: Int32Array;
  private readonly boxRailFn: BoxRailFn;
  private readonly collectFn: CollectFn;
  private readonly selPtr: number;
  private readonly sel: Float32Array;
  private readonly boxPtr: number;
  private readonly railedPtr: number;
  /** Raw-side sums (`accumulateRaw`): per channel boxcar sum and railed-sample count (Cp doubles each). */
  readonly box: Float64Array;
  readonly railed: Float64Array;

  /**
   * `blockFloats`: size of the channel-major block kept in the module's memory; `gatherFloats` and `bins`: room
   * for `medianAbsBlock` (the noise median of up to `gatherFloats` block samples, over `bins` histogram bins).
   */
  constructor(
    sos: Sos,
    channelCount: number,
    maxFrames: number,
    blockFloats: number,
    gatherFloats = 0,
    bins = 1024,
  ) {
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
    this.blockPtr = this.outPtr + io;
    this.gPtr = align(this.blockPtr + blockFloats * 4, 16);
    this.countsPtr = align(this.gPtr + gatherFloats * 4, 16);
    this.selPtr = align(this.countsPtr + bins * 4, 16);
    this.boxPtr = align(this.selPtr + gatherFloats * 4, 16);
    this.railedPtr = this.boxPtr + this.Cp * 8;
    const total = this.railedPtr + this.Cp * 8;
    const inst = instantiate(mod, total);
    this.mem = inst.memory;
    this.f32 = inst.exports.sos_f32 as KernelFn;
    this.f64 = inst.exports.sos_f64 as KernelFn;
    this.scan = inst.exports.scan_below as ScanFn;
    this.gatherAbs = inst.exports.gather_abs as GatherFn;
    this.hist = inst.exports.histogram as HistFn;
    this.boxRailFn = inst.exports.box_rail as BoxRailFn;
    this.collectFn = inst.exports.collect_bins as CollectFn;
    const coef = new Float64Array(this.mem.buffer, this.coefPtr, n * 10);
    for (let s = 0; s < n; s++)
      [0, 1, 2, 4, 5].forEach((j, k) => {
        coef[s * 10 + 2 * k] = sos[6 * s + j]!;
        coef[s * 10 + 2 * k + 1] = sos[6 * s + j]!;
      });
    this.z = new Float64Array(this.mem.buffer, this.zPtr, (this.Cp / 2) * n * 4);
    this.block = new Float32Array(this.mem.buffer, this.blockPtr, blockFloats);
    this.gather = new Float32Array(this.mem.buffer, this.gPtr, gatherFloats);
    this.counts = new Int32Array(this.mem.buffer, this.countsPtr, bins);
    this.sel = new Float32Array(this.mem.buffer, this.selPtr, gatherFloats);
    this.box = new Float64Array(this.mem.buffer, this.boxPtr, this.Cp);
    this.railed = new Float64Array(this.mem.buffer, this.railedPtr, this.Cp);
  }

  /** box[c] += x and railed[c] += (|x| ≥ rail) over frames [from, from + frames) of interleaved `raw`. */
  accumulateRaw(raw: Float32Array, from: number, frames: number, rail: number): void {
    const C = this.C;
    for (let t0 = 0; t0 < frames; t0 += this.maxFrames) {
      const n = Math.min(this.maxFrames, frames - t0);
      new Float32Array(this.mem.buffer, this.inPtr, n * C).set(
        raw.subarray((from + t0) * C, (from + t0 + n) * C),
      );
      this.boxRailFn(this.inPtr, C * 4, n, this.Cp, this.boxPtr, this.railedPtr, rail);
    }
  }

  /** First i < n with block[at + i] < thr (compared in double), or n. */
  scanBelow(at: number, n: number, thr: number): number {
    return this.scan(this.blockPtr + at * 4, n, thr);
  }

  /**
   * `medianAbs(block, at, n, stride, …)` with its gather and histogram passes in WebAssembly: the same value
   * (same sums in the same order, same bins). `scratch` (≥ n floats) is used only without a histogram.
   */
  medianAbsBlock(at: number, n: number, stride: number, scratch: Float32Array): number {
    if (n <= 0) return NaN;
    if (n > this.gather.length) throw new Error(`sos: noise median of ${n} samples exceeds the ${this.gather.length} reserved`); // prettier-ignore
    const sum = this.gatherAbs(this.blockPtr + at * 4, n, stride * 4, this.gPtr);
    const scale = histogramScale(sum, n, this.counts.length);
    if (scale === null) {
      scratch.set(this.gather.subarray(0, n));
      return medianInPlace(scratch, n);
    }
    this.counts.fill(0);
    this.hist(this.gPtr, n, scale, this.countsPtr, this.counts.length);
    const bins = this.counts.length;
    return medianFromHistogram(this.gather, n, scale, this.counts, this.sel, (bLo, bHi) =>
      this.collectFn(this.gPtr, n, scale, bins, bLo, bHi, this.selPtr),
    );
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

  /** Interleaved Float32 in → channel-major Float32 `block[c * blockLen + fill + t]`. */
  processToBlock(
    input: Float32Array,
    frames: number,
    block: Float32Array,
    blockLen: number,
    fill: number,
  ): void {
    const C = this.C;
    const buf = this.mem.buffer;
    const own = block.buffer === buf && block.byteOffset === this.blockPtr;
    for (let t0 = 0; t0 < frames; t0 += this.maxFrames) {
      const n = Math.min(this.maxFrames, frames - t0);
      new Float32Array(buf, this.inPtr, n * C).set(input.subarray(t0 * C, (t0 + n) * C));
      if (own) this.run(this.f32, C * 4, this.blockPtr + (fill + t0) * 4, blockLen * 4, 4, n);
      else {
        this.run(this.f32, C * 4, this.outPtr, n * 4, 4, n);
        const out = new Float32Array(buf, this.outPtr, n * C);
        for (let c = 0; c < C; c++) block.set(out.subarray(c * n, (c + 1) * n), c * blockLen + fill + t0);
      }
    }
  }
}

function sub(a: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  if (ArrayBuffer.isView(a)) return (a as unknown as Float64Array).subarray(from, to);
  return Array.prototype.slice.call(a, from, to) as number[];
}
