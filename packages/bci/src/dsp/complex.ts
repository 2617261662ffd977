/** Minimal complex arithmetic for filter design (poles and zeros); not used in per-sample loops. */
export interface Complex {
  re: number;
  im: number;
}

export const cx = (re: number, im = 0): Complex => ({ re, im });
export const cadd = (a: Complex, b: Complex): Complex => ({ re: a.re + b.re, im: a.im + b.im });
export const csub = (a: Complex, b: Complex): Complex => ({ re: a.re - b.re, im: a.im - b.im });
export const cmul = (a: Complex, b: Complex): Complex => ({
  re: a.re * b.re - a.im * b.im,
  im: a.re * b.im + a.im * b.re,
});
export const cscale = (a: Complex, s: number): Complex => ({ re: a.re * s, im: a.im * s });
export const cconj = (a: Complex): Complex => ({ re: a.re, im: -a.im });
export const cabs = (a: Complex): number => Math.hypot(a.re, a.im);

export function cdiv(a: Complex, b: Complex): Complex {
  // Smith's algorithm, as numpy uses, to avoid overflow and keep rounding close to numpy's.
  if (Math.abs(b.re) >= Math.abs(b.im)) {
    if (b.re === 0 && b.im === 0) return { re: a.re / 0, im: a.im / 0 };
    const r = b.im / b.re;
    const d = b.re + b.im * r;
    return { re: (a.re + a.im * r) / d, im: (a.im - a.re * r) / d };
  }
  const r = b.re / b.im;
  const d = b.re * r + b.im;
  return { re: (a.re * r + a.im) / d, im: (a.im * r - a.re) / d };
}

/** Principal square root (numpy's branch: non-negative real part). */
export function csqrt(a: Complex): Complex {
  if (a.re === 0 && a.im === 0) return { re: 0, im: a.im };
  const m = cabs(a);
  const re = Math.sqrt((m + a.re) / 2);
  const im = Math.sqrt((m - a.re) / 2);
  return { re, im: a.im < 0 || (a.im === 0 && Object.is(a.im, -0)) ? -im : im };
}

export const cexpi = (theta: number): Complex => ({ re: Math.cos(theta), im: Math.sin(theta) });

/** Product of (factor - x) over xs... helpers used by the zpk transforms. */
export function cprod(xs: Complex[]): Complex {
  let acc = cx(1);
  for (const x of xs) acc = cmul(acc, x);
  return acc;
}
