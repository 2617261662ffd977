/** Thresholding: ranges, Otsu (two and more classes) and hysteresis (seeded region growing). */
import type { VoxelArray } from '../volume.ts';
import { checkCancelled, type TaskControl } from '../task.ts';
import { checkMask, neighbourOffsets, type Connectivity, type Grid } from './grid.ts';

/** 1 where lo ≤ value ≤ hi (either bound may be ±Infinity). */
export function thresholdRange(values: ArrayLike<number>, lo: number, hi = Infinity): Uint8Array {
  if (Number.isNaN(lo) || Number.isNaN(hi)) throw new Error('thresholdRange: bounds must be numbers');
  const out = new Uint8Array(values.length);
  for (let p = 0; p < out.length; p++) {
    const v = values[p]!;
    out[p] = v >= lo && v <= hi ? 1 : 0;
  }
  return out;
}

export interface OtsuOptions {
  /** Histogram bins (default 256). */
  bins?: number;
  /** Only voxels where the mask is set take part. */
  mask?: Uint8Array;
  /** Only values ≥ this take part (e.g. 1 to leave out a zero background). */
  minValue?: number;
}

/**
 * Otsu's thresholds for `classes` classes (2 → one threshold), maximising the between-class variance
 * over a histogram. A value v belongs to class c when thresholds[c−1] < v ≤ thresholds[c].
 */
export function otsuThresholds(
  values: VoxelArray | Float32Array,
  classes = 2,
  options: OtsuOptions = {},
): number[] {
  if (!Number.isInteger(classes) || classes < 2 || classes > 4)
    throw new Error(`otsuThresholds: classes must be 2, 3 or 4, got ${classes}`);
  const bins = options.bins ?? 256;
  if (!Number.isInteger(bins) || bins < 4 || bins > 4096)
    throw new Error(`otsuThresholds: bins must be an integer from 4 to 4096, got ${bins}`);
  const mask = options.mask;
  const minValue = options.minValue ?? -Infinity;
  let lo = Infinity;
  let hi = -Infinity;
  for (let p = 0; p < values.length; p++) {
    if (mask && !mask[p]) continue;
    const v = values[p]!;
    if (!(v >= minValue)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) throw new Error('otsuThresholds: the selected voxels hold fewer than two distinct values');
  const width = (hi - lo) / bins;
  const h = new Float64Array(bins);
  for (let p = 0; p < values.length; p++) {
    if (mask && !mask[p]) continue;
    const v = values[p]!;
    if (!(v >= minValue)) continue;
    h[Math.min(bins - 1, Math.floor((v - lo) / width))]! += 1;
  }
  // Prefix sums of counts and first moments (bin centres).
  const w = new Float64Array(bins + 1);
  const m = new Float64Array(bins + 1);
  for (let b = 0; b < bins; b++) {
    w[b + 1] = w[b]! + h[b]!;
    m[b + 1] = m[b]! + h[b]! * (lo + (b + 0.5) * width);
  }
  const score = (a: number, b: number): number => {
    const ww = w[b]! - w[a]!;
    if (ww <= 0) return 0;
    const mm = m[b]! - m[a]!;
    return (mm * mm) / ww; // Σ w·μ² is what varies with the cut points
  };
  let best = -Infinity;
  let cuts: number[] = [];
  if (classes === 2) {
    for (let t = 1; t < bins; t++) {
      const s = score(0, t) + score(t, bins);
      if (s > best) [best, cuts] = [s, [t]];
    }
  } else if (classes === 3) {
    for (let t1 = 1; t1 < bins - 1; t1++)
      for (let t2 = t1 + 1; t2 < bins; t2++) {
        const s = score(0, t1) + score(t1, t2) + score(t2, bins);
        if (s > best) [best, cuts] = [s, [t1, t2]];
      }
  } else {
    for (let t1 = 1; t1 < bins - 2; t1++)
      for (let t2 = t1 + 1; t2 < bins - 1; t2++)
        for (let t3 = t2 + 1; t3 < bins; t3++) {
          const s = score(0, t1) + score(t1, t2) + score(t2, t3) + score(t3, bins);
          if (s > best) [best, cuts] = [s, [t1, t2, t3]];
        }
  }
  return cuts.map((t) => lo + t * width);
}

/**
 * Hysteresis: voxels ≥ `low` that are connected (through voxels ≥ `low`) to a voxel ≥ `high`.
 * With `seeds`, seeds (∩ ≥ low) replace the high threshold.
 */
export function hysteresisThreshold(
  grid: Grid,
  values: ArrayLike<number>,
  low: number,
  high: number,
  options: { connectivity?: Connectivity; seeds?: Uint8Array } = {},
  control?: TaskControl,
): Uint8Array {
  const [ni, nj, nk] = grid.dimensions;
  if (values.length !== ni * nj * nk)
    throw new Error(`hysteresisThreshold: ${values.length} values, expected ${ni}×${nj}×${nk}`);
  if (!(high >= low)) throw new Error(`hysteresisThreshold: high (${high}) must be ≥ low (${low})`);
  if (options.seeds) checkMask(grid, options.seeds, 'hysteresisThreshold seeds');
  const nij = ni * nj;
  const offs = neighbourOffsets(options.connectivity ?? 26);
  const out = new Uint8Array(values.length);
  const queue = new Int32Array(values.length);
  let tail = 0;
  for (let p = 0; p < out.length; p++) {
    const v = values[p]!;
    if (v >= low && (options.seeds ? options.seeds[p] : v >= high)) {
      out[p] = 1;
      queue[tail++] = p;
    }
  }
  let head = 0;
  while (head < tail) {
    if ((head & 0xfffff) === 0) checkCancelled(control, 'hysteresis threshold');
    const p = queue[head++]!;
    const i = p % ni;
    const j = ((p - i) / ni) % nj;
    const k = (p - i - ni * j) / nij;
    for (const [di, dj, dk] of offs) {
      const a = i + di;
      const b = j + dj;
      const c = k + dk;
      if (a < 0 || b < 0 || c < 0 || a >= ni || b >= nj || c >= nk) continue;
      const q = a + ni * b + nij * c;
      if (!out[q] && values[q]! >= low) {
        out[q] = 1;
        queue[tail++] = q;
      }
    }
  }
  return out;
}
