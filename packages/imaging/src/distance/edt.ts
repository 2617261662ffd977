/**
 * Exact squared Euclidean distance transform on a 3D grid with anisotropic spacing
 * (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions", 2012).
 *
 * Separable: a 1D pass along i gives each voxel its squared distance (mm²) to the nearest site in its
 * row; then, along j and then k, each line is replaced by the lower envelope of the parabolas
 * w·(q − p)² + f(p) (w = spacing²), which is exact. All arithmetic is float64. Rows and columns of one
 * slice are done together while the slice is in cache; the j and k passes gather blocks of adjacent
 * lines (adjacent i) into a scratch buffer so every memory access touches whole cache lines.
 * Browser-safe: plain typed arrays, no Node APIs.
 */
import { checkCancelled, type TaskControl } from '../task.ts';

/** Adjacent lines gathered together in the j and k passes (16 doubles = two cache lines). */
const BLOCK = 16;

export interface SquaredEdtInput {
  /** One byte per voxel, i fastest. */
  readonly mask: Uint8Array;
  /** Voxels whose mask byte equals this are the sites distances are measured to. */
  readonly siteValue: 0 | 1;
  readonly dimensions: readonly [number, number, number];
  readonly spacingMm: readonly [number, number, number];
}

/** Where this transform sits in the caller's overall progress. */
export interface ProgressSlice {
  readonly control?: TaskControl;
  readonly start: number;
  readonly span: number;
  readonly what: string;
}

/**
 * Writes into `out` the squared distance in mm² from every voxel to the nearest site voxel centre
 * (0 at sites, +Infinity everywhere when there is no site). Throws CancelledError between slices.
 */
export function squaredEdt(input: SquaredEdtInput, out: Float64Array, progress: ProgressSlice): void {
  const { mask, siteValue } = input;
  const [ni, nj, nk] = input.dimensions;
  const [si, sj, sk] = input.spacingMm;
  const sliceSize = ni * nj;
  const { control, start, span, what } = progress;
  const longest = Math.max(ni, nj, nk);
  const scratch: LineScratch = {
    f: new Float64Array(BLOCK * longest),
    d: new Float64Array(longest),
    v: new Int32Array(longest),
    z: new Float64Array(longest + 1),
  };

  // Pass 1 (i) and pass 2 (j), slice by slice.
  const phase1 = 'distance transform: rows and columns';
  for (let k = 0; k < nk; k++) {
    checkCancelled(control, what);
    const sliceBase = k * sliceSize;
    for (let j = 0; j < nj; j++) rowPass(mask, siteValue, out, sliceBase + j * ni, ni, si);
    if (nj > 1)
      for (let i0 = 0; i0 < ni; i0 += BLOCK)
        linePassBlock(out, sliceBase + i0, Math.min(BLOCK, ni - i0), ni, nj, sj * sj, sj, scratch);
    if ((k & 7) === 7) control?.onProgress?.(start + (span * 0.5 * (k + 1)) / nk, phase1);
  }
  control?.onProgress?.(start + span * 0.5, phase1);

  // Pass 3 (k), one j row of the volume at a time.
  if (nk > 1) {
    const phase2 = 'distance transform: slices';
    for (let j = 0; j < nj; j++) {
      checkCancelled(control, what);
      for (let i0 = 0; i0 < ni; i0 += BLOCK)
        linePassBlock(out, j * ni + i0, Math.min(BLOCK, ni - i0), sliceSize, nk, sk * sk, sk, scratch);
      if ((j & 7) === 7) control?.onProgress?.(start + span * (0.5 + (0.5 * (j + 1)) / nj), phase2);
    }
  }
  control?.onProgress?.(start + span, 'distance transform');
}

/** Squared distance along one row to the nearest site in that row (two sweeps). */
function rowPass(
  mask: Uint8Array,
  siteValue: number,
  out: Float64Array,
  base: number,
  n: number,
  spacing: number,
): void {
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (mask[base + i] === siteValue) {
      last = i;
      out[base + i] = 0;
    } else if (last < 0) {
      out[base + i] = Infinity;
    } else {
      const dMm = (i - last) * spacing;
      out[base + i] = dMm * dMm;
    }
  }
  if (last < 0) return; // no site: the row stays at +Infinity
  let next = -1;
  for (let i = n - 1; i >= 0; i--) {
    if (mask[base + i] === siteValue) {
      next = i;
    } else if (next >= 0) {
      const dMm = (next - i) * spacing;
      const d2 = dMm * dMm;
      if (d2 < out[base + i]!) out[base + i] = d2;
    }
  }
}

interface LineScratch {
  /** BLOCK gathered lines, each `n` long. */
  f: Float64Array;
  d: Float64Array;
  /** Envelope parabola apexes. */
  v: Int32Array;
  /** Envelope breakpoints. */
  z: Float64Array;
}

/**
 * Runs the 1D lower-envelope transform on `count` adjacent lines starting at `base` (line b at base + b,
 * element q at + q·stride), in place.
 */
function linePassBlock(
  out: Float64Array,
  base: number,
  count: number,
  stride: number,
  n: number,
  w: number,
  spacing: number,
  s: LineScratch,
): void {
  const f = s.f;
  for (let q = 0; q < n; q++) {
    const src = base + q * stride;
    for (let b = 0; b < count; b++) f[b * n + q] = out[src + b]!;
  }
  for (let b = 0; b < count; b++) {
    if (lowerEnvelope(f, b * n, n, w, spacing, s)) {
      const d = s.d;
      for (let q = 0; q < n; q++) out[base + q * stride + b] = d[q]!;
    }
  }
}

/**
 * d[q] = min_p (spacing·(q − p))² + f[off + p] over the finite f. Returns false when the line needs
 * no change (no finite value: all stay +Infinity).
 */
function lowerEnvelope(
  f: Float64Array,
  off: number,
  n: number,
  w: number,
  spacing: number,
  s: LineScratch,
): boolean {
  const { v, z, d } = s;
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[off + q]!;
    if (fq === Infinity) continue;
    const gq = fq + w * q * q;
    let cut = -Infinity;
    while (k >= 0) {
      const p = v[k]!;
      cut = (gq - (f[off + p]! + w * p * p)) / (2 * w * (q - p));
      if (cut > z[k]!) break;
      k--;
      cut = -Infinity;
    }
    k++;
    v[k] = q;
    z[k] = cut;
    z[k + 1] = Infinity;
  }
  if (k < 0) return false;
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    const p = v[k]!;
    const dMm = (q - p) * spacing;
    d[q] = f[off + p]! + dMm * dMm;
  }
  return true;
}
