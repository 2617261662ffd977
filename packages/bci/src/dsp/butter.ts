/**
 * Butterworth IIR design in second-order sections, ported step by step from scipy.signal 1.10
 * (`buttap` → `lp2lp/lp2hp/lp2bp/lp2bs_zpk` → `bilinear_zpk` with prewarping → `zpk2sos(pairing='nearest')`),
 * so `butterSos(n, wn, type, fs)` gives scipy's `butter(n, wn, type, output='sos', fs=fs)` to rounding.
 */
import type { Complex } from './complex.ts';
import { cabs, cadd, cconj, cdiv, cexpi, cmul, cprod, cscale, csqrt, csub, cx } from './complex.ts';

/** Zeros, poles and gain of a filter (analog or digital). */
export interface Zpk {
  z: Complex[];
  p: Complex[];
  k: number;
}

/** Second-order sections, row-major: section s is [b0, b1, b2, a0 (=1), a1, a2] at 6s..6s+5. */
export type Sos = Float64Array;

export type FilterType = 'lowpass' | 'highpass' | 'bandpass' | 'bandstop';

/** Analog Butterworth prototype: N poles on the unit circle in the left half plane (scipy `buttap`). */
export function buttap(order: number): Zpk {
  if (!Number.isInteger(order) || order < 1)
    throw new Error(`butter: order must be a positive integer, got ${order}`);
  const p: Complex[] = [];
  for (let m = -order + 1; m < order; m += 2) p.push(cscale(cexpi((Math.PI * m) / (2 * order)), -1));
  return { z: [], p, k: 1 };
}

const degreeOf = (zpk: Zpk): number => zpk.p.length - zpk.z.length;

export function lp2lpZpk({ z, p, k }: Zpk, wo: number): Zpk {
  const degree = p.length - z.length;
  return { z: z.map((x) => cscale(x, wo)), p: p.map((x) => cscale(x, wo)), k: k * wo ** degree };
}

export function lp2hpZpk(zpk: Zpk, wo: number): Zpk {
  const { z, p, k } = zpk;
  const degree = degreeOf(zpk);
  const zHp = z.map((x) => cdiv(cx(wo), x));
  const pHp = p.map((x) => cdiv(cx(wo), x));
  for (let i = 0; i < degree; i++) zHp.push(cx(0));
  const g = cdiv(cprod(z.map((x) => cscale(x, -1))), cprod(p.map((x) => cscale(x, -1))));
  return { z: zHp, p: pHp, k: k * g.re };
}

function shiftPair(xs: Complex[], wo: number): Complex[] {
  const plus: Complex[] = [];
  const minus: Complex[] = [];
  for (const x of xs) {
    const r = csqrt(csub(cmul(x, x), cx(wo * wo)));
    plus.push(cadd(x, r));
    minus.push(csub(x, r));
  }
  return [...plus, ...minus];
}

export function lp2bpZpk(zpk: Zpk, wo: number, bw: number): Zpk {
  const degree = degreeOf(zpk);
  const zBp = shiftPair(
    zpk.z.map((x) => cscale(x, bw / 2)),
    wo,
  );
  const pBp = shiftPair(
    zpk.p.map((x) => cscale(x, bw / 2)),
    wo,
  );
  for (let i = 0; i < degree; i++) zBp.push(cx(0));
  return { z: zBp, p: pBp, k: zpk.k * bw ** degree };
}

export function lp2bsZpk(zpk: Zpk, wo: number, bw: number): Zpk {
  const degree = degreeOf(zpk);
  const zBs = shiftPair(
    zpk.z.map((x) => cdiv(cx(bw / 2), x)),
    wo,
  );
  const pBs = shiftPair(
    zpk.p.map((x) => cdiv(cx(bw / 2), x)),
    wo,
  );
  for (let i = 0; i < degree; i++) zBs.push(cx(0, wo));
  for (let i = 0; i < degree; i++) zBs.push(cx(0, -wo));
  const g = cdiv(cprod(zpk.z.map((x) => cscale(x, -1))), cprod(zpk.p.map((x) => cscale(x, -1))));
  return { z: zBs, p: pBs, k: zpk.k * g.re };
}

/** Bilinear transform s → 2·fs·(z−1)/(z+1); zeros at infinity go to Nyquist (z = −1). */
export function bilinearZpk(zpk: Zpk, fs: number): Zpk {
  const degree = degreeOf(zpk);
  const fs2 = cx(2 * fs);
  const zZ = zpk.z.map((x) => cdiv(cadd(fs2, x), csub(fs2, x)));
  const pZ = zpk.p.map((x) => cdiv(cadd(fs2, x), csub(fs2, x)));
  for (let i = 0; i < degree; i++) zZ.push(cx(-1));
  const g = cdiv(cprod(zpk.z.map((x) => csub(fs2, x))), cprod(zpk.p.map((x) => csub(fs2, x))));
  return { z: zZ, p: pZ, k: zpk.k * g.re };
}

/**
 * Digital Butterworth filter as second-order sections. `cutoffHz` is one frequency (low/high-pass) or
 * [low, high] (band-pass/stop), `sampleRateHz` the sampling rate. Frequencies are prewarped (tan) so the
 * −3 dB points land exactly on the requested cutoffs after the bilinear transform.
 */
export function butterSos(
  order: number,
  cutoffHz: number | readonly [number, number],
  type: FilterType,
  sampleRateHz: number,
): Sos {
  const wn = (typeof cutoffHz === 'number' ? [cutoffHz] : [...cutoffHz]).map((f) => (2 * f) / sampleRateHz);
  const band = type === 'bandpass' || type === 'bandstop';
  if (wn.length !== (band ? 2 : 1))
    throw new Error(
      `butter: a ${type} filter needs ${band ? 'two cutoff frequencies' : 'one cutoff frequency'}`,
    );
  if (wn.some((w) => !(w > 0 && w < 1)))
    throw new Error(
      `butter: cutoff frequencies must lie between 0 and Nyquist (${sampleRateHz / 2} Hz), got ${String(cutoffHz)}`,
    );
  if (band && !(wn[0]! < wn[1]!))
    throw new Error(`butter: band edges must be increasing, got ${String(cutoffHz)}`);
  const fs = 2;
  const warped = wn.map((w) => 2 * fs * Math.tan((Math.PI * w) / fs));
  let zpk = buttap(order);
  if (type === 'lowpass') zpk = lp2lpZpk(zpk, warped[0]!);
  else if (type === 'highpass') zpk = lp2hpZpk(zpk, warped[0]!);
  else {
    const bw = warped[1]! - warped[0]!;
    const wo = Math.sqrt(warped[0]! * warped[1]!);
    zpk = type === 'bandpass' ? lp2bpZpk(zpk, wo, bw) : lp2bsZpk(zpk, wo, bw);
  }
  return zpk2sos(bilinearZpk(zpk, fs));
}

const EPS = 2.220446049250313e-16;

/** scipy `_cplxreal`: complex values (one per conjugate pair, positive imaginary part) and real values. */
export function cplxreal(values: Complex[]): { zc: Complex[]; zr: Complex[] } {
  if (values.length === 0) return { zc: [], zr: [] };
  const tol = 100 * EPS;
  const z = [...values].sort((a, b) => a.re - b.re || Math.abs(a.im) - Math.abs(b.im));
  const isRealish = (x: Complex): boolean => Math.abs(x.im) <= tol * cabs(x);
  const zr = z.filter(isRealish).map((x) => cx(x.re));
  const rest = z.filter((x) => !isRealish(x));
  const zp = rest.filter((x) => x.im > 0);
  const zn = rest.filter((x) => x.im < 0);
  if (zp.length !== zn.length) throw new Error('zpk2sos: a complex value has no matching conjugate');
  // Runs of (nearly) the same real part are sorted by |imag| (scipy does this explicitly).
  let start = 0;
  for (let i = 1; i <= zp.length; i++) {
    const same = i < zp.length && zp[i]!.re - zp[i - 1]!.re <= tol * cabs(zp[i - 1]!);
    if (!same) {
      if (i - start > 1) {
        const byImag = (a: Complex, b: Complex): number => Math.abs(a.im) - Math.abs(b.im);
        zp.splice(start, i - start, ...zp.slice(start, i).sort(byImag));
        zn.splice(start, i - start, ...zn.slice(start, i).sort(byImag));
      }
      start = i;
    }
  }
  zp.forEach((a, i) => {
    const b = zn[i]!;
    if (cabs(csub(a, cconj(b))) > tol * cabs(b))
      throw new Error('zpk2sos: a complex value has no matching conjugate');
  });
  const zc = zp.map((a, i) => cscale(cadd(a, cconj(zn[i]!)), 0.5));
  return { zc, zr };
}

const isReal = (x: Complex): boolean => x.im === 0;

function nearestIdx(from: Complex[], to: Complex, which: 'real' | 'complex' | 'any'): number {
  const order = from.map((_, i) => i).sort((a, b) => cabs(csub(from[a]!, to)) - cabs(csub(from[b]!, to)));
  const found = order.find((i) => which === 'any' || (which === 'real') === isReal(from[i]!));
  if (found === undefined) throw new Error(`zpk2sos: no ${which} zero left to pair`);
  return found;
}

/** Real polynomial coefficients (highest power first) from roots given as real values or conjugate pairs. */
function polyReal(roots: Complex[]): number[] {
  let a: Complex[] = [cx(1)];
  for (const r of roots) {
    const next: Complex[] = a.map((x) => ({ ...x }));
    next.push(cx(0));
    for (let i = 1; i < next.length; i++) next[i] = csub(next[i]!, cmul(r, a[i - 1]!));
    a = next;
  }
  return a.map((x) => x.re);
}

function singleSection(z: Complex[], p: Complex[]): number[] {
  const sec = [0, 0, 0, 0, 0, 0];
  const b = polyReal(z);
  const a = polyReal(p);
  b.forEach((v, i) => (sec[3 - b.length + i] = v));
  a.forEach((v, i) => (sec[6 - a.length + i] = v));
  return sec;
}

/** scipy `zpk2sos(z, p, k)` for digital filters with the default 'nearest' pairing. */
export function zpk2sos(zpk: Zpk): Sos {
  let z = [...zpk.z];
  let p = [...zpk.p];
  if (z.length === 0 && p.length === 0) return Float64Array.from([zpk.k, 0, 0, 1, 0, 0]);
  while (p.length < z.length) p.push(cx(0));
  while (z.length < p.length) z.push(cx(0));
  const nSections = (Math.max(p.length, z.length) + 1) >> 1;
  if (p.length % 2 === 1) {
    p.push(cx(0));
    z.push(cx(0));
  }
  const zs = cplxreal(z);
  z = [...zs.zc, ...zs.zr];
  const ps = cplxreal(p);
  p = [...ps.zc, ...ps.zr];
  const idxWorst = (xs: Complex[]): number => {
    let best = 0;
    for (let i = 1; i < xs.length; i++)
      if (Math.abs(1 - cabs(xs[i]!)) < Math.abs(1 - cabs(xs[best]!))) best = i;
    return best;
  };
  const take = (xs: Complex[], i: number): Complex => xs.splice(i, 1)[0]!;
  const sos = new Float64Array(nSections * 6);
  for (let si = nSections - 1; si >= 0; si--) {
    const p1 = take(p, idxWorst(p));
    let sec: number[];
    const realPoles = p.filter(isReal).length;
    if (isReal(p1) && realPoles === 0) {
      const z1 = take(z, nearestIdx(z, p1, 'real'));
      sec = singleSection([z1, cx(0)], [p1, cx(0)]);
    } else if (p.length + 1 === z.length && !isReal(p1) && realPoles === 1 && z.filter(isReal).length === 1) {
      const z1 = take(z, nearestIdx(z, p1, 'complex'));
      sec = singleSection([z1, cconj(z1)], [p1, cconj(p1)]);
    } else {
      let p2: Complex;
      if (isReal(p1)) {
        const realIdx = p.map((x, i) => (isReal(x) ? i : -1)).filter((i) => i >= 0);
        p2 = take(p, realIdx[idxWorst(realIdx.map((i) => p[i]!))]!);
      } else p2 = cconj(p1);
      if (z.length > 0) {
        const z1 = take(z, nearestIdx(z, p1, 'any'));
        if (!isReal(z1)) sec = singleSection([z1, cconj(z1)], [p1, p2]);
        else if (z.length > 0) {
          const z2 = take(z, nearestIdx(z, p1, 'real'));
          sec = singleSection([z1, z2], [p1, p2]);
        } else sec = singleSection([z1], [p1, p2]);
      } else sec = singleSection([], [p1, p2]);
    }
    sos.set(sec, si * 6);
  }
  for (let i = 0; i < 3; i++) sos[i] = sos[i]! * zpk.k;
  return sos;
}
