/**
 * Lock-in sums of many channels at one frequency, Σ x·sin(w·t) and Σ x·cos(w·t) over rows [start, end) of
 * time-major Float32 data, in double in time order: the check kernel's `lockin_rows` (two channels per f64x2, the
 * same operations as the loop below, so the same bits) where available.
 */
import { createCheckKernel, releaseCheckKernel } from './checkKernel.ts';
import { JsCheckKernel } from './checkKernelJs.ts';
import { copyRowsPadded } from './layout.ts';

/** Rows per kernel call (1 MiB at 1024 channels: within L2, since the kernel walks down the columns). */
const PIECE = 256;

export function lockInSums(
  data: Float32Array,
  channelCount: number,
  start: number,
  end: number,
  w: number,
): { sin: Float64Array; cos: Float64Array } {
  const C = channelCount;
  const Cp = Math.ceil(C / 16) * 16;
  const rowBytes = Cp * 4;
  const acc = 0;
  const sc = Cp * 16;
  const x = sc + PIECE * 16;
  const k = createCheckKernel(x + PIECE * rowBytes);
  const sin = new Float64Array(C);
  const cos = new Float64Array(C);
  if (k instanceof JsCheckKernel) {
    for (let t = start; t < end; t++) {
      const s = Math.sin(w * t);
      const co = Math.cos(w * t);
      const base = t * C;
      for (let c = 0; c < C; c++) {
        const v = data[base + c]!;
        sin[c] = sin[c]! + v * s;
        cos[c] = cos[c]! + v * co;
      }
    }
    return { sin, cos };
  }
  const f32 = new Float32Array(k.buffer);
  const f64 = new Float64Array(k.buffer);
  for (let t0 = start; t0 < end; t0 += PIECE) {
    const n = Math.min(PIECE, end - t0);
    for (let j = 0; j < n; j++) {
      f64[(sc >> 3) + 2 * j] = Math.sin(w * (t0 + j));
      f64[(sc >> 3) + 2 * j + 1] = Math.cos(w * (t0 + j));
    }
    copyRowsPadded(f32, data.subarray(t0 * C, (t0 + n) * C), n, C, Cp, x);
    k.lockin_rows(x, n, rowBytes, acc, sc);
  }
  for (let c = 0; c < C; c++) {
    const p = (acc >> 3) + (c >> 2) * 8 + (c & 3);
    sin[c] = f64[p]!;
    cos[c] = f64[p + 4]!;
  }
  releaseCheckKernel(k);
  return { sin, cos };
}
