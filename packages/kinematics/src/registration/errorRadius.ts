/**
 * Confidence radii of a 3D Gaussian error: the radius R with P(|e| ≤ R) = confidence, for an isotropic
 * error of given RMS (a Maxwell distribution: χ with 3 degrees of freedom, scale RMS/√3) or for a given
 * covariance (anisotropic: the TRE of a real fiducial layout is elongated across its principal axes).
 */
import { symmetricEigen3 } from './eigen3.ts';

const FILE = 'registration/errorRadius';
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
/** Gauss–Legendre nodes per angle for the anisotropic radius: relative error below 2e-4 up to
 * confidence 0.999 for variance ratios up to 100 (checked against 64 nodes). */
const QUADRATURE_NODES = 20;

/** erf(x) for x ≥ 0: 2/√π · e^{−x²} · Σₙ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)) (A&S 7.1.6), a series of positive terms. */
function erf(x: number): number {
  if (x > 6) return 1;
  let term = x;
  let sum = x;
  for (let n = 1; n < 500; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum;
}

/** P(|z| ≤ s) for z ~ N(0, I₃). */
function maxwellCdf(s: number): number {
  return erf(s / Math.SQRT2) - Math.sqrt(2 / Math.PI) * s * Math.exp((-s * s) / 2);
}

function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1 - 1e-12))
    throw new Error(`${FILE}: confidence must lie strictly between 0 and 1, got ${confidence}`);
}

/** The smallest x in [0, hi] with cdf(x) ≥ p, by bisection (cdf non-decreasing). */
function invert(cdf: (x: number) => number, p: number, hi: number): number {
  let lo = 0;
  for (let i = 0; i < 200 && hi - lo > 1e-14 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The radius, in units of the RMS error, that contains an isotropic 3D Gaussian error with probability
 * `confidence`: √(χ²₃(confidence) / 3); 1.614 for 0.95. Throws unless 0 < confidence < 1.
 */
export function rmsToRadiusFactor(confidence: number): number {
  checkConfidence(confidence);
  return invert(maxwellCdf, confidence, 40) / Math.sqrt(3);
}

/** Gauss–Legendre nodes and weights on [0, 1] (Newton on Pₙ from the Chebyshev guesses). */
function gaussLegendre01(n: number): { x: number[]; w: number[] } {
  const x: number[] = [];
  const w: number[] = [];
  for (let i = 1; i <= n; i++) {
    let t = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let dp = 1;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = t;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * t * p1 - (k - 1) * p0) / k];
      dp = (n * (t * p1 - p0)) / (t * t - 1);
      const dt = p1 / dp;
      t -= dt;
      if (Math.abs(dt) < 1e-16) break;
    }
    x.push((1 - t) / 2);
    w.push(1 / ((1 - t * t) * dp * dp));
  }
  return { x, w };
}
const GL = gaussLegendre01(QUADRATURE_NODES);
const COS_PHI = GL.x.map((x) => Math.cos((x * Math.PI) / 2));
const SIN_PHI = GL.x.map((x) => Math.sin((x * Math.PI) / 2));
const MAXWELL_PDF_SCALE = Math.sqrt(2 / Math.PI);

/**
 * P(|e| ≤ R) for e ~ N(0, diag(λ)), and its derivative in R: in each direction u the radial integral is
 * a Maxwell CDF, so P = ∫ det^{−1/2} q(u)^{−3/2} M(R·√q(u)) dΩ / 4π with q(u) = Σ uₖ²/λₖ; by symmetry
 * over one octant, in (cos θ, φ), by Gauss–Legendre quadrature.
 */
function anisotropicCdf(lambda: number[], radius: number): { p: number; dp: number } {
  const [l1, l2, l3] = lambda as [number, number, number];
  const norm = 1 / Math.sqrt(l1 * l2 * l3);
  let p = 0;
  let dp = 0;
  for (let a = 0; a < GL.x.length; a++) {
    const ct = GL.x[a]!;
    const st2 = 1 - ct * ct;
    for (let b = 0; b < GL.x.length; b++) {
      const c = COS_PHI[b]!;
      const s = SIN_PHI[b]!;
      const q = (st2 * c * c) / l1 + (st2 * s * s) / l2 + (ct * ct) / l3;
      const sq = Math.sqrt(q);
      const x = radius * sq;
      const w = (GL.w[a]! * GL.w[b]!) / (q * sq);
      p += w * maxwellCdf(x);
      dp += w * sq * MAXWELL_PDF_SCALE * x * x * Math.exp((-x * x) / 2);
    }
  }
  // 8 octants × (π/2 for φ ∈ [0, π/2]) / 4π = 1.
  return { p: Math.min(1, p * norm), dp: dp * norm };
}

/** Eigenvalues below this fraction of the largest are raised to it (keeps the quadrature accurate). */
const MIN_EIGEN_RATIO = 1e-2;

/**
 * The radius (mm) that contains a zero-mean 3D Gaussian error of covariance `covarianceMm2` (row-major
 * 3×3, symmetric) with probability `confidence`. Near-degenerate axes are widened to 1/100 of the
 * largest variance, which errs on the safe side. Throws unless 0 < confidence < 1.
 */
export function confidenceRadiusMm(covarianceMm2: number[], confidence: number): number {
  checkConfidence(confidence);
  if (covarianceMm2.length !== 9 || !covarianceMm2.every(Number.isFinite))
    throw new Error(`${FILE}: covariance must be 9 finite numbers (row-major 3×3)`);
  const { values } = symmetricEigen3(covarianceMm2);
  const top = values[0];
  if (!(top > 0)) return 0;
  const lambda = values.map((l) => Math.max(l, top * MIN_EIGEN_RATIO));
  // Newton from the isotropic radius of the same RMS, kept inside the bracket [0, isotropic radius of
  // the largest variance] (|e| is stochastically smaller than for that isotropic error).
  const z = invert(maxwellCdf, confidence, 40);
  let lo = 0;
  let hi = Math.sqrt(top) * z;
  let r = Math.sqrt((lambda[0]! + lambda[1]! + lambda[2]!) / 3) * z;
  for (let it = 0; it < 60; it++) {
    const { p, dp } = anisotropicCdf(lambda, r);
    if (p < confidence) lo = r;
    else hi = r;
    let next = r - (p - confidence) / dp;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - r) <= 1e-12 * r) return next;
    r = next;
  }
  return r;
}
