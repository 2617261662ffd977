/**
 * Impedance from an impedance-test segment: a known sine current at `frequencyHz` (1 kHz) is injected and the
 * recorded voltage's complex amplitude at that frequency is measured by lock-in (I/Q correlation over a whole
 * number of periods, after 2 settling periods, as Intan RHX does). Z = V / I (µV / nA = kΩ); the phase is that
 * of V relative to the current sin(ωt). Mains harmonics are orthogonal to the reference over whole periods of
 * both (e.g. 0.2 s at 50/60 Hz and 1 kHz), so no notch is needed before the correlation.
 */

import { lockInSums } from './kernel/lockIn.ts';

/** A recorded impedance test: time-major µV like a Recording, with the test current per channel. */
export interface ImpedanceTestSegment {
  frequencyHz: number;
  sampleRateHz: number;
  channelCount: number;
  sampleCount: number;
  /** Amplitude of the injected sine current per channel, nA (phase: i(t) = I·sin(2πft), t = 0 at sample 0). */
  currentNa: Float64Array;
  /** Time-major µV: dataUv[t * channelCount + c]. */
  dataUv: Float32Array;
}

export interface ImpedanceResult {
  magnitudeKohm: number;
  phaseDeg: number;
  classification: 'ok' | 'open' | 'short';
}

export interface ImpedanceThresholds {
  /**
   * Above this |Z| at 1 kHz a contact is open. Default 5 MΩ: healthy microelectrodes read 0.1–2 MΩ (Neto et al.
   * 2018, PMC6188074), while an open lead reads only the stray capacitance, 1.5–11.5 MΩ (Plexon manual §9.4;
   * 15 pF at 1 kHz = 10.6 MΩ in Intan RHX); 5 MΩ leaves a 2.5× margin above the healthy range.
   */
  openKohm: number;
  /**
   * Below this |Z| a contact is shorted (to the reference or its neighbour through fluid). Default 10 kΩ: the
   * lowest healthy sites are PEDOT-coated thin-film contacts at 37 ± 5 kΩ (Neuralink white paper 2019), and a
   * spreading resistance alone is a few kΩ, so < 10 kΩ means the double layer is bypassed.
   */
  shortKohm: number;
}

export const DEFAULT_IMPEDANCE_THRESHOLDS: ImpedanceThresholds = { openKohm: 5000, shortKohm: 10 };

export function measureImpedance(
  seg: ImpedanceTestSegment,
  thresholds: ImpedanceThresholds = DEFAULT_IMPEDANCE_THRESHOLDS,
  source = 'impedance test',
): ImpedanceResult[] {
  const { frequencyHz: f, sampleRateHz: fs, channelCount: C, sampleCount: n } = seg;
  if (!(f > 0 && f < fs / 2))
    throw new Error(`${source}: test frequency ${f} Hz must lie below Nyquist (${fs / 2} Hz)`);
  if (seg.dataUv.length !== n * C)
    throw new Error(`${source}: data holds ${seg.dataUv.length} values, expected ${n * C}`);
  if (seg.currentNa.length !== C)
    throw new Error(`${source}: ${seg.currentNa.length} test currents for ${C} channels`);
  const perPeriod = fs / f;
  const settle = Math.ceil(2 * perPeriod);
  const periods = Math.floor((n - settle) / perPeriod);
  if (periods < 5) throw new Error(`${source}: ${n} samples hold fewer than 5 test periods after settling`);
  const start = n - Math.round(periods * perPeriod);
  const count = n - start;
  const w = (2 * Math.PI * f) / fs;
  const { sin: si, cos: sq } = lockInSums(seg.dataUv, C, start, n, w);
  const out: ImpedanceResult[] = [];
  for (let c = 0; c < C; c++) {
    const i = (2 * si[c]!) / count;
    const q = (2 * sq[c]!) / count;
    const current = seg.currentNa[c]!;
    if (!(current > 0)) throw new Error(`${source}: channel ${c} has no positive test current`);
    const magnitudeKohm = Math.hypot(i, q) / current;
    const phaseDeg = (Math.atan2(q, i) * 180) / Math.PI;
    const classification =
      magnitudeKohm > thresholds.openKohm ? 'open' : magnitudeKohm < thresholds.shortKohm ? 'short' : 'ok';
    out.push({ magnitudeKohm, phaseDeg, classification });
  }
  return out;
}
