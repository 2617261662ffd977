/**
 * Second-order-section filtering with scipy.signal's exact recurrences (transposed direct form II, the loop in
 * scipy's `_sosfilt.pyx`): `sosfilt`, `sosfiltZi` (= `sosfilt_zi`) and `sosfiltfilt` (= `sosfiltfilt` with its
 * default odd padding). `SosBank` runs one cascade per channel over time-major multichannel chunks, with the
 * state kept in Float64 between chunks, so feeding a signal in chunks of any size gives bit-identical output.
 */
import type { Sos } from './butter.ts';
import { WasmSos, sosWasmAvailable } from './wasm/sosWasm.ts';

export const sectionCount = (sos: Sos): number => {
  if (sos.length === 0 || sos.length % 6 !== 0)
    throw new Error(`sos: expected n×6 coefficients, got ${sos.length}`);
  return sos.length / 6;
};

/** scipy `lfilter_zi` for one section: the state giving a unit step's steady state. */
function sectionZi(b0: number, b1: number, b2: number, a1: number, a2: number): [number, number] {
  const B0 = b1 - a1 * b0;
  const B1 = b2 - a2 * b0;
  const z0 = (B0 + B1) / (1 + a1 + a2);
  return [z0, B1 - a2 * z0];
}

/** scipy `sosfilt_zi`: initial state (n×2, row-major) for a step response steady state of amplitude 1. */
export function sosfiltZi(sos: Sos): Float64Array {
  const n = sectionCount(sos);
  const zi = new Float64Array(n * 2);
  let scale = 1;
  for (let s = 0; s < n; s++) {
    const [b0, b1, b2, , a1, a2] = sos.subarray(s * 6, s * 6 + 6);
    const [z0, z1] = sectionZi(b0!, b1!, b2!, a1!, a2!);
    zi[2 * s] = scale * z0;
    zi[2 * s + 1] = scale * z1;
    scale *= (b0! + b1! + b2!) / (1 + a1! + a2!);
  }
  return zi;
}

/** scipy `sosfilt` on one channel. `zi` (n×2) is updated in place to the final state when given. */
export function sosfilt(sos: Sos, x: ArrayLike<number>, zi?: Float64Array): Float64Array {
  const n = sectionCount(sos);
  const z = zi ?? new Float64Array(n * 2);
  if (z.length !== n * 2) throw new Error(`sosfilt: state must hold ${n * 2} values, got ${z.length}`);
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let cur = x[i]!;
    for (let s = 0; s < n; s++) {
      const o = s * 6;
      const next = sos[o]! * cur + z[2 * s]!;
      z[2 * s] = sos[o + 1]! * cur - sos[o + 4]! * next + z[2 * s + 1]!;
      z[2 * s + 1] = sos[o + 2]! * cur - sos[o + 5]! * next;
      cur = next;
    }
    y[i] = cur;
  }
  return y;
}

/** scipy's default `sosfiltfilt` pad length: 3 × (2·sections + 1 − trailing-zero sections). */
export function sosfiltfiltPadlen(sos: Sos): number {
  const n = sectionCount(sos);
  let zb = 0;
  let za = 0;
  for (let s = 0; s < n; s++) {
    if (sos[s * 6 + 2] === 0) zb++;
    if (sos[s * 6 + 5] === 0) za++;
  }
  return 3 * (2 * n + 1 - Math.min(zb, za));
}

/**
 * scipy `sosfiltfilt(sos, x)` (padtype 'odd', default padlen): zero-phase forward-backward filtering of one
 * channel, with the odd extension and `sosfilt_zi`-scaled initial conditions scipy uses.
 */
export function sosfiltfilt(sos: Sos, x: ArrayLike<number>, padlen = sosfiltfiltPadlen(sos)): Float64Array {
  const len = x.length;
  if (len <= padlen)
    throw new Error(
      `sosfiltfilt: the signal must be longer than the pad length (${padlen} samples), got ${len}`,
    );
  const ext = new Float64Array(len + 2 * padlen);
  const first = x[0]!;
  const last = x[len - 1]!;
  for (let i = 0; i < padlen; i++) ext[i] = 2 * first - x[padlen - i]!;
  for (let i = 0; i < len; i++) ext[padlen + i] = x[i]!;
  for (let i = 0; i < padlen; i++) ext[padlen + len + i] = 2 * last - x[len - 2 - i]!;
  const zi = sosfiltZi(sos);
  const state = zi.map((v) => v * ext[0]!);
  const fwd = sosfilt(sos, ext, state);
  fwd.reverse();
  const state2 = zi.map((v) => v * fwd[0]!);
  const bwd = sosfilt(sos, fwd, state2);
  bwd.reverse();
  return bwd.slice(padlen, padlen + len);
}

export interface SosBankOptions {
  /** Use the WebAssembly SIMD kernel when available (default true; same results either way). */
  wasm?: boolean;
  /** Frames per kernel call (the kernel's I/O buffers hold this many frames). */
  maxFrames?: number;
}

/**
 * One SOS cascade per channel over time-major (interleaved) chunks. The per-sample arithmetic is the same as
 * `sosfilt`'s, in the same order, so results do not depend on how the stream is cut into chunks. Runs on the
 * WebAssembly SIMD kernel (dsp/wasm) where available, bit-identical to the JavaScript loops below.
 */
export class SosBank {
  readonly sections: number;
  /** State: for section s, z0 of channel c at [s][0][c] and z1 at [s][1][c] (contiguous per channel run). */
  private readonly z: Float64Array;
  private readonly wasm: WasmSos | null;

  constructor(
    readonly sos: Sos,
    readonly channelCount: number,
    options: SosBankOptions = {},
  ) {
    this.sections = sectionCount(sos);
    const useWasm = (options.wasm ?? true) && sosWasmAvailable();
    const maxFrames = options.maxFrames ?? Math.max(16, Math.min(2048, Math.floor(2 ** 21 / channelCount)));
    this.wasm = useWasm ? new WasmSos(sos, channelCount, maxFrames) : null;
    this.z = new Float64Array(this.wasm ? 0 : this.sections * 2 * channelCount);
  }

  /** Whether this bank runs on the WebAssembly kernel. */
  get usesWasm(): boolean {
    return this.wasm !== null;
  }

  /** Sets every channel's state to `sosfilt_zi · x0[c]` (steady state for a constant input x0[c]). */
  primeSteadyState(x0: ArrayLike<number>): void {
    const zi = sosfiltZi(this.sos);
    const C = this.channelCount;
    const w = this.wasm;
    if (w) {
      for (let s = 0; s < this.sections; s++)
        for (let c = 0; c < C; c++) w.setState(s, c, zi[2 * s]! * x0[c]!, zi[2 * s + 1]! * x0[c]!);
      return;
    }
    for (let s = 0; s < this.sections; s++)
      for (let c = 0; c < C; c++) {
        this.z[2 * s * C + c] = zi[2 * s]! * x0[c]!;
        this.z[(2 * s + 1) * C + c] = zi[2 * s + 1]! * x0[c]!;
      }
  }

  /**
   * Filters `frames` time-major frames of `input` (channelCount values each) into `output` (same layout).
   * Input and output may be the same array.
   */
  process(input: ArrayLike<number>, output: Float32Array | Float64Array, frames: number): void {
    if (this.wasm) return this.wasm.process(input, output, frames);
    // The first section reads `input`, the rest read and write a Float64 scratch to keep full precision
    // between sections; the last writes `output`.
    const tmp = this.sections > 1 ? this.scratch(frames * this.channelCount) : output;
    this.runSections(input, tmp, frames, 0, this.sections, output);
  }

  /**
   * Sections [from, to): section-outer keeps each section's coefficients and state rows in registers/L1 while
   * the inner loop runs over channels (independent recurrences, so the CPU overlaps them). Section 0 reads
   * `input`, later ones `tmp`; each writes `tmp`, except section `to − 1`, which writes `last` when given.
   */
  private runSections(
    input: ArrayLike<number>,
    tmp: Float32Array | Float64Array,
    frames: number,
    from: number,
    to: number,
    last: Float32Array | Float64Array = tmp,
  ): void {
    const C = this.channelCount;
    const z = this.z;
    const sos = this.sos;
    for (let s = from; s < to; s++) {
      const b0 = sos[6 * s]!;
      const b1 = sos[6 * s + 1]!;
      const b2 = sos[6 * s + 2]!;
      const a1 = sos[6 * s + 4]!;
      const a2 = sos[6 * s + 5]!;
      const src: ArrayLike<number> = s === 0 ? input : tmp;
      const dst = s === to - 1 ? last : tmp;
      const o0 = 2 * s * C;
      const o1 = o0 + C;
      for (let t = 0; t < frames; t++) {
        const base = t * C;
        for (let c = 0; c < C; c++) {
          const x = src[base + c]!;
          const y = b0 * x + z[o0 + c]!;
          z[o0 + c] = b1 * x - a1 * y + z[o1 + c]!;
          z[o1 + c] = b2 * x - a2 * y;
          dst[base + c] = y;
        }
      }
    }
  }

  private buf: Float64Array = new Float64Array(0);
  private scratch(size: number): Float64Array {
    if (this.buf.length < size) this.buf = new Float64Array(size);
    return this.buf;
  }

  /** A copy of the state, to restore with `restoreState` (used for non-destructive partial reports). */
  saveState(): Float64Array {
    return this.wasm ? this.wasm.saveState() : this.z.slice();
  }
  restoreState(saved: Float64Array): void {
    if (this.wasm) this.wasm.restoreState(saved);
    else this.z.set(saved);
  }
}
