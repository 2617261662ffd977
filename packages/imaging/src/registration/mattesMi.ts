/**
 * Mattes mutual information (Mattes et al., IEEE TMI 2003; ITK's MattesMutualInformation) between
 * fixed-image samples and the moving image seen through a rigid transform, with its analytic gradient
 * with respect to the six Euler parameters (rigid.ts).
 *
 * Joint histogram by Parzen windowing: a zero-order (box) window on the fixed value (equal-frequency
 * bins, so CT soft tissue is not squeezed into one bin by bone and markers), a cubic B-spline
 * window on the moving value (equal-width bins), so the histogram, and with it the metric, is differentiable in the
 * moving value. The moving value and its spatial gradient come from trilinear interpolation (the
 * gradient is the interpolant's own derivative, as elastix does with a first-order B-spline
 * interpolator). Samples that map outside the moving grid are left out.
 *
 * The value returned is −MI (lower is better, ITK's sign), so optimisers minimise it.
 * Nothing is allocated per sample or per evaluation.
 */
import type { Vec3 } from '../math.ts';
import type { Volume } from '../volume.ts';
import { eulerRotation, eulerRotationDerivatives } from './rigid.ts';
import { toFloat32 } from './pyramid.ts';

/** Histogram bins kept empty at both ends so the cubic window never falls off. */
const PADDING = 2;

/** Cubic B-spline β3(u). */
function bspline3(u: number): number {
  const a = u < 0 ? -u : u;
  if (a < 1) return (4 - 6 * a * a + 3 * a * a * a) / 6;
  if (a < 2) {
    const b = 2 - a;
    return (b * b * b) / 6;
  }
  return 0;
}

/** dβ3/du. */
function bspline3Derivative(u: number): number {
  const a = u < 0 ? -u : u;
  const sign = u < 0 ? -1 : 1;
  if (a < 1) return sign * (-2 * a + 1.5 * a * a);
  if (a < 2) {
    const b = 2 - a;
    return -sign * 0.5 * b * b;
  }
  return 0;
}

export interface MattesSamples {
  /** Fixed intensity of each sample. */
  fixedValues: Float32Array;
  /** Fixed LPS position of each sample minus the transform centre, 3 per sample (mm). */
  offsetsLps: Float64Array;
}

export class MattesMutualInformation {
  readonly bins: number;
  /** Samples that fell inside the moving grid at the last evaluation. */
  validCount = 0;
  private readonly count: number;
  private readonly offsets: Float64Array;
  private readonly fixedBin: Int32Array;
  private readonly moving: Float32Array;
  private readonly ni: number;
  private readonly nj: number;
  private readonly nk: number;
  private readonly lpsToIjk: Float64Array;
  private readonly center: Vec3;
  private readonly movingBinSize: number;
  private readonly movingNormMin: number;
  private readonly joint: Float64Array;
  private readonly jointDerivative: Float64Array;
  private readonly marginal: Float64Array;
  private readonly fixedMarginal: Float64Array;

  /**
   * @param samples fixed samples (positions relative to `centerLps`)
   * @param moving the moving image (one pyramid level)
   * @param centerLps centre of rotation of the transform parameters (rigid.ts)
   */
  constructor(samples: MattesSamples, moving: Volume, centerLps: Vec3, bins: number) {
    if (!Number.isInteger(bins) || bins < 8 || bins > 512)
      throw new Error(`registration: histogram bins must be an integer from 8 to 512, got ${bins}`);
    this.bins = bins;
    this.count = samples.fixedValues.length;
    this.offsets = samples.offsetsLps;
    this.center = centerLps;
    this.moving = toFloat32(moving.scalars);
    [this.ni, this.nj, this.nk] = moving.dimensions;
    if (this.ni < 2 || this.nj < 2 || this.nk < 2)
      throw new Error(`registration: the moving image (${moving.dimensions.join('×')}) is too small`);
    this.lpsToIjk = Float64Array.from(moving.lpsToIjk);

    // Fixed bins (zero-order window). Equal-frequency bins: each holds about as many samples, so a
    // range dominated by a few very bright values (CT bone, markers) still resolves soft tissue.
    this.fixedBin = new Int32Array(this.count);
    const order = new Uint32Array(this.count);
    for (let s = 0; s < this.count; s++) order[s] = s;
    const fv = samples.fixedValues;
    order.sort((a, b) => fv[a]! - fv[b]!);
    const usable = bins - 2 * PADDING;
    let bin = 0;
    for (let r = 0; r < this.count; r++) {
      // Equal values share a bin.
      if (r > 0 && fv[order[r]!]! !== fv[order[r - 1]!]!) bin = Math.floor((r * usable) / this.count);
      this.fixedBin[order[r]!] = PADDING + bin;
    }
    let mMin = Infinity;
    let mMax = -Infinity;
    for (const m of this.moving) {
      if (m < mMin) mMin = m;
      if (m > mMax) mMax = m;
    }
    this.movingBinSize = (mMax - mMin) / (bins - 2 * PADDING) || 1;
    this.movingNormMin = mMin / this.movingBinSize - PADDING;
    this.joint = new Float64Array(bins * bins);
    this.jointDerivative = new Float64Array(bins * bins * 6);
    this.marginal = new Float64Array(bins);
    this.fixedMarginal = new Float64Array(bins);
  }

  /**
   * −MI for the Euler parameters `p` (rigid.ts, fixed → moving). When `gradient` (length 6) is given
   * it receives ∂(−MI)/∂p. Returns NaN when no sample falls inside the moving image.
   */
  evaluate(p: ArrayLike<number>, gradient?: Float64Array): number {
    const B = this.bins;
    const joint = this.joint;
    const jd = this.jointDerivative;
    const wantGradient = gradient !== undefined;
    joint.fill(0);
    if (wantGradient) jd.fill(0);

    // Moving index of a sample: ijk = M·R·(x − c) + M·(c + t) + m0, with M, m0 from lpsToIjk.
    const L = this.lpsToIjk;
    const R = eulerRotation(p);
    const A = new Float64Array(9);
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 3; c++)
        A[r * 3 + c] = L[r * 4]! * R[c]! + L[r * 4 + 1]! * R[3 + c]! + L[r * 4 + 2]! * R[6 + c]!;
    const ct: Vec3 = [this.center[0] + p[3]!, this.center[1] + p[4]!, this.center[2] + p[5]!];
    const b0 = L[0]! * ct[0] + L[1]! * ct[1] + L[2]! * ct[2] + L[3]!;
    const b1 = L[4]! * ct[0] + L[5]! * ct[1] + L[6]! * ct[2] + L[7]!;
    const b2 = L[8]! * ct[0] + L[9]! * ct[1] + L[10]! * ct[2] + L[11]!;
    // ∂ijk/∂θa = M·∂R/∂θa·(x − c); ∂ijk/∂t = M.
    const D = new Float64Array(27);
    if (wantGradient) {
      const dR = eulerRotationDerivatives(p);
      for (let a = 0; a < 3; a++)
        for (let r = 0; r < 3; r++)
          for (let c = 0; c < 3; c++)
            D[a * 9 + r * 3 + c] =
              L[r * 4]! * dR[a]![c]! + L[r * 4 + 1]! * dR[a]![3 + c]! + L[r * 4 + 2]! * dR[a]![6 + c]!;
    }
    const a00 = A[0]!,
      a01 = A[1]!,
      a02 = A[2]!,
      a10 = A[3]!,
      a11 = A[4]!,
      a12 = A[5]!;
    const a20 = A[6]!,
      a21 = A[7]!,
      a22 = A[8]!;
    const ni = this.ni,
      nj = this.nj,
      nk = this.nk;
    const sj = ni,
      sk = ni * nj;
    const maxI = ni - 1,
      maxJ = nj - 1,
      maxK = nk - 1;
    const mv = this.moving;
    const offsets = this.offsets;
    const fixedBin = this.fixedBin;
    const invBin = 1 / this.movingBinSize;
    const normMin = this.movingNormMin;
    const hiTerm = B - PADDING - 1;
    const tol = 1e-6;
    let valid = 0;

    for (let s = 0; s < this.count; s++) {
      const x = offsets[3 * s]!,
        y = offsets[3 * s + 1]!,
        z = offsets[3 * s + 2]!;
      let fi = a00 * x + a01 * y + a02 * z + b0;
      let fj = a10 * x + a11 * y + a12 * z + b1;
      let fk = a20 * x + a21 * y + a22 * z + b2;
      if (!(
        fi >= -tol &&
        fi <= maxI + tol &&
        fj >= -tol &&
        fj <= maxJ + tol &&
        fk >= -tol &&
        fk <= maxK + tol
      ))
        continue;
      fi = fi < 0 ? 0 : fi > maxI ? maxI : fi;
      fj = fj < 0 ? 0 : fj > maxJ ? maxJ : fj;
      fk = fk < 0 ? 0 : fk > maxK ? maxK : fk;
      let i0 = Math.floor(fi),
        j0 = Math.floor(fj),
        k0 = Math.floor(fk);
      if (i0 > ni - 2) i0 = ni - 2;
      if (j0 > nj - 2) j0 = nj - 2;
      if (k0 > nk - 2) k0 = nk - 2;
      const tx = fi - i0,
        ty = fj - j0,
        tz = fk - k0;
      const q = i0 + j0 * sj + k0 * sk;
      const v000 = mv[q]!,
        v100 = mv[q + 1]!,
        v010 = mv[q + sj]!,
        v110 = mv[q + sj + 1]!;
      const v001 = mv[q + sk]!,
        v101 = mv[q + sk + 1]!,
        v011 = mv[q + sk + sj]!,
        v111 = mv[q + sk + sj + 1]!;
      const c00 = v000 + (v100 - v000) * tx;
      const c10 = v010 + (v110 - v010) * tx;
      const c01 = v001 + (v101 - v001) * tx;
      const c11 = v011 + (v111 - v011) * tx;
      const c0 = c00 + (c10 - c00) * ty;
      const c1 = c01 + (c11 - c01) * ty;
      const value = c0 + (c1 - c0) * tz;
      valid++;

      let term = value * invBin - normMin;
      term = term < PADDING ? PADDING : term > hiTerm ? hiTerm : term;
      const first = Math.floor(term) - 1;
      const rowBase = fixedBin[s]! * B;
      for (let kappa = first; kappa < first + 4; kappa++) joint[rowBase + kappa]! += bspline3(kappa - term);

      if (!wantGradient) continue;
      // Gradient of the trilinear interpolant in index units.
      const gi =
        ((v100 - v000) * (1 - ty) + (v110 - v010) * ty) * (1 - tz) +
        ((v101 - v001) * (1 - ty) + (v111 - v011) * ty) * tz;
      const gj = (c10 - c00) * (1 - tz) + (c11 - c01) * tz;
      const gk = c1 - c0;
      // ∂value/∂p for the six parameters.
      const d0 =
        gi * (D[0]! * x + D[1]! * y + D[2]! * z) +
        gj * (D[3]! * x + D[4]! * y + D[5]! * z) +
        gk * (D[6]! * x + D[7]! * y + D[8]! * z);
      const d1 =
        gi * (D[9]! * x + D[10]! * y + D[11]! * z) +
        gj * (D[12]! * x + D[13]! * y + D[14]! * z) +
        gk * (D[15]! * x + D[16]! * y + D[17]! * z);
      const d2 =
        gi * (D[18]! * x + D[19]! * y + D[20]! * z) +
        gj * (D[21]! * x + D[22]! * y + D[23]! * z) +
        gk * (D[24]! * x + D[25]! * y + D[26]! * z);
      const d3 = gi * L[0]! + gj * L[4]! + gk * L[8]!;
      const d4 = gi * L[1]! + gj * L[5]! + gk * L[9]!;
      const d5 = gi * L[2]! + gj * L[6]! + gk * L[10]!;
      for (let kappa = first; kappa < first + 4; kappa++) {
        const w = bspline3Derivative(kappa - term);
        const o = (rowBase + kappa) * 6;
        jd[o]! += w * d0;
        jd[o + 1]! += w * d1;
        jd[o + 2]! += w * d2;
        jd[o + 3]! += w * d3;
        jd[o + 4]! += w * d4;
        jd[o + 5]! += w * d5;
      }
    }
    this.validCount = valid;
    if (valid === 0) {
      gradient?.fill(NaN);
      return NaN;
    }

    // Probabilities and marginals.
    const pm = this.marginal;
    const pf = this.fixedMarginal;
    pm.fill(0);
    pf.fill(0);
    const inv = 1 / valid;
    for (let i = 0; i < B; i++)
      for (let k = 0; k < B; k++) {
        const v = (joint[i * B + k]! *= inv);
        pf[i]! += v;
        pm[k]! += v;
      }
    let mi = 0;
    if (wantGradient) gradient.fill(0);
    // ∂p(ι,κ)/∂p = −(1/(N·binSize))·Σ β3'(κ − term)·∂value/∂p; ∂MI/∂p = Σ ∂p(ι,κ)/∂p · log(p(ι,κ)/pm(κ)).
    const dScale = -inv * invBin;
    for (let i = 0; i < B; i++) {
      if (pf[i] === 0) continue;
      for (let k = 0; k < B; k++) {
        const pik = joint[i * B + k]!;
        if (pik <= 0) continue;
        mi += pik * Math.log(pik / (pf[i]! * pm[k]!));
        if (wantGradient) {
          const w = Math.log(pik / pm[k]!) * dScale;
          const o = (i * B + k) * 6;
          for (let c = 0; c < 6; c++) gradient[c]! += w * jd[o + c]!;
        }
      }
    }
    if (wantGradient) for (let c = 0; c < 6; c++) gradient[c] = -gradient[c]!;
    return -mi;
  }
}
