/** Robust noise level: median of |x| via in-place quickselect (no sort), σ = median(|x|)/0.6745 (Quiroga 2004). */

/** 0.6744897501960817 = Φ⁻¹(0.75): median(|x|) of a zero-mean Gaussian is 0.6745 σ. */
export const MAD_TO_SIGMA = 1 / 0.6744897501960817;

/** k-th smallest value (0-based) of `a[0..n)`, partially reordering `a` (Hoare/Floyd–Rivest-style select). */
export function selectKth(a: Float32Array | Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    // Median-of-three pivot keeps the expected cost linear on ordered inputs.
    const mid = (lo + hi) >> 1;
    let x = a[mid]!;
    const l = a[lo]!;
    const h = a[hi]!;
    if ((l <= x && x <= h) || (h <= x && x <= l)) {
      /* x is the median */
    } else if ((x <= l && l <= h) || (h <= l && l <= x)) x = l;
    else x = h;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < x) i++;
      while (a[j]! > x) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** Median of `a[0..n)` as numpy defines it (mean of the two middle values when n is even); reorders `a`. */
export function medianInPlace(a: Float32Array | Float64Array, n: number): number {
  if (n <= 0) return NaN;
  const hi = selectKth(a, n, n >> 1);
  if (n % 2) return hi;
  // The lower middle is the largest value left of the upper middle after the select.
  let lo = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (a[i]! > lo) lo = a[i]!;
  return (lo + hi) / 2;
}

/** σ = median(|x|)/0.6745 of a zero-median (band-passed) signal; `scratch` must hold x.length values. */
export function madSigma(x: ArrayLike<number>, scratch?: Float32Array | Float64Array): number {
  const s = scratch ?? new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) s[i] = Math.abs(x[i]!);
  return medianInPlace(s, x.length) * MAD_TO_SIGMA;
}

/**
 * Exact median (numpy's: mean of the two middle values when n is even) of `g[0..n)`, values ≥ 0 such as |x|,
 * given their histogram `counts` with bin `min(bins − 1, ⌊v·scale⌋)`: finds the bins of the middle rank(s), then
 * a quickselect runs on those bins' few values only. `collect(bLo, bHi)`, when given, must put the values of
 * those bins into `scratch` in order and return how many (a faster pass); otherwise they are gathered from `g`.
 */
export function medianFromHistogram(
  g: Float32Array,
  n: number,
  scale: number,
  counts: Int32Array,
  scratch: Float32Array,
  collect?: (bLo: number, bHi: number) => number,
): number {
  const nb = counts.length;
  const kHi = n >> 1;
  const kLo = n % 2 ? kHi : kHi - 1;
  let cum = 0;
  let bLo = -1;
  let bHi = -1;
  let before = 0;
  for (let b = 0; b < nb; b++) {
    const next = cum + counts[b]!;
    if (bLo < 0 && next > kLo) {
      bLo = b;
      before = cum;
    }
    if (next > kHi) {
      bHi = b;
      break;
    }
    cum = next;
  }
  let m = 0;
  if (collect) m = collect(bLo, bHi);
  else
    for (let i = 0; i < n; i++) {
      const v = g[i]!;
      const x = v * scale;
      const b = x >= nb ? nb - 1 : x | 0;
      if (b >= bLo && b <= bHi) scratch[m++] = v;
    }
  const hi = selectKth(scratch, m, kHi - before);
  if (n % 2) return hi;
  let lo = -Infinity;
  for (let i = 0; i < kHi - before; i++) if (scratch[i]! > lo) lo = scratch[i]!;
  return (lo + hi) / 2;
}
