/**
 * Electrode impedance models at an angular frequency ω (rad/s), in kΩ:
 * - healthy: spreading resistance Rs in series with a constant-phase element Z = 1/(q(jω)^α) (double layer;
 *   α ≈ 0.75–0.92 for Pt/Ir and PEDOT sites), giving phases of about −50° to −80° at 1 kHz as measured;
 * - open: a broken lead leaves only the stray capacitance to ground (10–20 pF → 8–16 MΩ at 1 kHz, ≈ −90°;
 *   Plexon reports 5.5–11.5 MΩ for open channels without a cable);
 * - short: tissue fluid in an insulation breach leaks to the reference through a few kΩ, in parallel with the site.
 */
import type { Complex } from '../dsp/complex.ts';
import { cadd, cdiv, cexpi, cscale, cx } from '../dsp/complex.ts';
import type { ImpedanceModel } from './groundTruth.ts';

export function cpeImpedanceKohm(m: ImpedanceModel, omega: number): Complex {
  // (jω)^α = ω^α e^{jαπ/2}; Z = e^{-jαπ/2} / (q ω^α), in Ω → kΩ.
  const cpe = cscale(cexpi((-m.alpha * Math.PI) / 2), 1 / (m.q * omega ** m.alpha) / 1000);
  return cadd(cx(m.seriesKohm), cpe);
}

export function modelImpedanceKohm(m: ImpedanceModel, omega: number): Complex {
  if (m.kind === 'open') return cx(0, -1 / (omega * m.parallelPf * 1e-12) / 1000);
  const site = cpeImpedanceKohm(m, omega);
  if (m.kind === 'short') {
    const leak = cx(m.leakKohm);
    return cdiv(cmulSimple(site, leak), cadd(site, leak));
  }
  return site;
}

const cmulSimple = (a: Complex, b: Complex): Complex => ({
  re: a.re * b.re - a.im * b.im,
  im: a.re * b.im + a.im * b.re,
});

/** The CPE coefficient q that gives |Z(ω)| = targetKohm with the given Rs and α. */
export function cpeForMagnitude(
  targetKohm: number,
  seriesKohm: number,
  alpha: number,
  omega: number,
): ImpedanceModel {
  const cosT = Math.cos((alpha * Math.PI) / 2);
  // |Rs + K e^{-jθ}|² = target² → K² + 2 Rs K cosθ + Rs² − target² = 0.
  const k = -seriesKohm * cosT + Math.sqrt(seriesKohm ** 2 * cosT ** 2 - seriesKohm ** 2 + targetKohm ** 2);
  const q = 1 / (k * 1000 * omega ** alpha);
  return { kind: 'cpe', seriesKohm, q, alpha, parallelPf: 0, leakKohm: 0 };
}
