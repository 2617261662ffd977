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
