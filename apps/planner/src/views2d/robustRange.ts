/**
 * The display range of a volume without fixed units (MR). A module of its own so the resampling worker
 * computes it too, off the UI thread.
 */

/** A display range from the 1st to the 99.5th percentile of a voxel sample (MR has no fixed units). */
export function robustRange(
  scalars: ArrayLike<number>,
  sampleCount = 200_000,
): { lower: number; upper: number } {
  const step = Math.max(1, Math.floor(scalars.length / sampleCount));
  // A typed array sorted natively (no comparator callback): a JS array sorted with one took ~1 s on
  // the main thread for the demo case's three volumes.
  const buffer = new Float64Array(Math.ceil(scalars.length / step));
  let n = 0;
  for (let i = 0; i < scalars.length; i += step) {
    const x = scalars[i]!;
    if (Number.isFinite(x)) buffer[n++] = x;
  }
  if (n === 0) return { lower: 0, upper: 1 };
  const sample = buffer.subarray(0, n).sort();
  const at = (q: number) => sample[Math.min(sample.length - 1, Math.floor(q * (sample.length - 1)))]!;
  const lower = at(0.01);
  const upper = at(0.995);
  return upper > lower ? { lower, upper } : { lower, upper: lower + 1 };
}
