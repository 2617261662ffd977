/** Line-noise notch, as scipy.signal.iirnotch (Sophocles Orfanidis, Introduction to Signal Processing, §11.3). */
import type { Sos } from './butter.ts';

/**
 * scipy `iirnotch(w0=frequencyHz, Q=quality, fs=sampleRateHz)` as one second-order section.
 * Q = centre frequency / −3 dB bandwidth; Q = 30 at 50 Hz removes a 1.7 Hz wide band.
 */
export function iirnotchSos(frequencyHz: number, quality: number, sampleRateHz: number): Sos {
  const w0n = (2 * frequencyHz) / sampleRateHz;
  if (!(w0n > 0 && w0n < 1))
    throw new Error(`iirnotch: the notch frequency must lie between 0 and Nyquist, got ${frequencyHz} Hz`);
  if (!(quality > 0)) throw new Error(`iirnotch: the quality factor must be positive, got ${quality}`);
  const bw = (w0n / quality) * Math.PI;
  const w0 = w0n * Math.PI;
  const gb = 1 / Math.sqrt(2);
  const beta = (Math.sqrt(1 - gb ** 2) / gb) * Math.tan(bw / 2);
  const gain = 1 / (1 + beta);
  return Float64Array.from([gain, gain * -2 * Math.cos(w0), gain, 1, -2 * gain * Math.cos(w0), 2 * gain - 1]);
}

/** Concatenates cascades (the result filters by `a`, then `b`, ...). */
export function concatSos(...parts: Sos[]): Sos {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * The notch of `iirnotchSos` as g·(1 − 2cos w0·z⁻¹ + z⁻²)/(1 + a1·z⁻¹ + a2·z⁻²) by its small parts
 * e = 2 − 2cos w0, α = 2 + a1, β = 1 − a2 (computed without cancellation), for single-precision filtering: there,
 * −2cos w0 near −2 would be rounded enough to move a 50 Hz notch at 30 kHz by ~0.03 Hz (a 30 dB shallower notch).
 */
export function iirnotchDelta(
  frequencyHz: number,
  quality: number,
  sampleRateHz: number,
): { g: number; e: number; alpha: number; beta: number } {
  iirnotchSos(frequencyHz, quality, sampleRateHz); // validates
  const w0 = (2 * Math.PI * frequencyHz) / sampleRateHz;
  const t = Math.tan(w0 / quality / 2); // iirnotch's beta (gb = 1/√2)
  const g = 1 / (1 + t);
  const e = 4 * Math.sin(w0 / 2) ** 2;
  // 1 − g·cos w0 = (1 − cos w0) + cos w0·(1 − g), with 1 − g = t/(1 + t).
  const alpha = 2 * (e / 2 + Math.cos(w0) * (t / (1 + t)));
  const beta = (2 * t) / (1 + t);
  return { g, e, alpha, beta };
}
