/**
 * Brain-surface motion along the insertion axis: respiration + cardiac pulsation + slow drift, with seeded
 * beat-to-beat variability. Orders of magnitude follow intraoperative observations (cortical pulsation of tens
 * of µm with the heartbeat, respiratory excursion up to a few hundred µm under ventilation; e.g. Britt & Rossi
 * 1982, and the "tens to hundreds of µm"); rates are a ventilator at 15/min and a heart at 72/min.
 */
import { requireFinite, requireNonNegative, requirePositive } from './errors.ts';
import type { Rng } from './rng.ts';

export interface QuasiPeriodicComponent {
  /** Mean fundamental frequency, Hz. */
  frequencyHz: number;
  /** Amplitude of the fundamental, µm (zero to peak). */
  amplitudeUm: number;
  /** Amplitudes of the 2nd, 3rd … harmonics relative to the fundamental. */
  harmonics: number[];
  /** Relative RMS variation of the rate (an Ornstein–Uhlenbeck process), e.g. 0.03 = 3 % heart-rate variability. */
  rateVariability: number;
  /** Relative RMS variation of the amplitude (Ornstein–Uhlenbeck). */
  amplitudeVariability: number;
  /** Correlation time of both variations, s. */
  variabilityTimeS: number;
}

export interface BrainMotionParams {
  respiration: QuasiPeriodicComponent;
  cardiac: QuasiPeriodicComponent;
  /** Slow drift (brain shift, CSF loss): Ornstein–Uhlenbeck with this RMS, µm, and correlation time, s. */
  driftRmsUm: number;
  driftTimeS: number;
}

export const DEFAULT_BRAIN_MOTION: Readonly<BrainMotionParams> = Object.freeze({
  respiration: Object.freeze({
    frequencyHz: 0.25,
    amplitudeUm: 150,
    harmonics: [0.25],
    rateVariability: 0.02,
    amplitudeVariability: 0.1,
    variabilityTimeS: 10,
  }),
  cardiac: Object.freeze({
    frequencyHz: 1.2,
    amplitudeUm: 20,
    harmonics: [0.5, 0.25],
    rateVariability: 0.03,
    amplitudeVariability: 0.1,
    variabilityTimeS: 5,
  }),
  driftRmsUm: 5,
  driftTimeS: 30,
}) as Readonly<BrainMotionParams>;

/** Brain motion switched off (a still surface). */
export const NO_BRAIN_MOTION: Readonly<BrainMotionParams> = Object.freeze({
  respiration: { ...DEFAULT_BRAIN_MOTION.respiration, amplitudeUm: 0, harmonics: [] },
  cardiac: { ...DEFAULT_BRAIN_MOTION.cardiac, amplitudeUm: 0, harmonics: [] },
  driftRmsUm: 0,
  driftTimeS: 30,
});

export function validateBrainMotion(b: BrainMotionParams): void {
  for (const [name, c] of [
    ['respiration', b.respiration],
    ['cardiac', b.cardiac],
  ] as const) {
    requirePositive(c.frequencyHz, `brainMotion.${name}.frequencyHz`);
    requireNonNegative(c.amplitudeUm, `brainMotion.${name}.amplitudeUm`);
    c.harmonics.forEach((h, i) => requireFinite(h, `brainMotion.${name}.harmonics[${i}]`));
    requireNonNegative(c.rateVariability, `brainMotion.${name}.rateVariability`);
    requireNonNegative(c.amplitudeVariability, `brainMotion.${name}.amplitudeVariability`);
    requirePositive(c.variabilityTimeS, `brainMotion.${name}.variabilityTimeS`);
  }
  requireNonNegative(b.driftRmsUm, 'brainMotion.driftRmsUm');
  requirePositive(b.driftTimeS, 'brainMotion.driftTimeS');
}

/** Time constant of the low-pass that smooths amplitude and drift variations, s. */
const SMOOTHING_TIME_S = 0.5;

/** One quasi-periodic source: a phase accumulator whose rate and amplitude wander (OU processes). */
class Oscillator {
  private phase: number;
  private rateDev = 0;
  private ampDevRaw = 0;
  /** Low-passed amplitude deviation: keeps the surface smooth (no 1 ms steps in position). */
  private ampDev = 0;
  constructor(
    private readonly c: QuasiPeriodicComponent,
    rng: Rng,
  ) {
    this.phase = 2 * Math.PI * rng.uniform();
  }
  /** Advance the variability by dt (called at the slow variability rate). */
  vary(rng: Rng, dt: number): void {
    const a = Math.exp(-dt / this.c.variabilityTimeS);
    const w = Math.sqrt(1 - a * a);
    this.rateDev = a * this.rateDev + w * this.c.rateVariability * rng.normal();
    this.ampDevRaw = a * this.ampDevRaw + w * this.c.amplitudeVariability * rng.normal();
    this.ampDev += (this.ampDevRaw - this.ampDev) * (dt / SMOOTHING_TIME_S);
  }
  advance(dt: number): void {
    this.phase += 2 * Math.PI * this.c.frequencyHz * (1 + this.rateDev) * dt;
    if (this.phase > 2 * Math.PI) this.phase -= 2 * Math.PI;
  }
  valueUm(): number {
    const h = this.c.harmonics;
    // Harmonics by the Chebyshev recurrence sin((k+1)φ) = 2cosφ·sin(kφ) − sin((k−1)φ): two trig calls in all.
    const s1 = Math.sin(this.phase);
    const c2 = 2 * Math.cos(this.phase);
    let prev = 0;
    let cur = s1;
    let s = s1;
    for (let k = 0; k < h.length; k++) {
      const next = c2 * cur - prev;
      prev = cur;
      cur = next;
      s += h[k]! * next;
    }
    return this.c.amplitudeUm * (1 + this.ampDev) * s;
  }
}

/** Incremental generator of the surface displacement (µm, along the insertion axis, deeper = positive). */
export class BrainMotion {
  private readonly resp: Oscillator;
  private readonly card: Oscillator;
  private driftRaw = 0;
  private drift = 0;
  private sinceVary = 0;
  /** Variability and drift are updated every 1 ms (they change over seconds). */
  private static readonly varyPeriodS = 1e-3;
  constructor(
    private readonly p: BrainMotionParams,
    private readonly rng: Rng,
  ) {
    this.resp = new Oscillator(p.respiration, rng);
    this.card = new Oscillator(p.cardiac, rng);
    this.driftRaw = p.driftRmsUm * rng.normal();
    this.drift = this.driftRaw;
  }
  /** Current displacement, µm. */
  valueUm(): number {
    return this.resp.valueUm() + this.card.valueUm() + this.drift;
  }
  /** Advance by dt seconds. */
  advance(dt: number): void {
    this.resp.advance(dt);
    this.card.advance(dt);
    this.sinceVary += dt;
    if (this.sinceVary >= BrainMotion.varyPeriodS) {
      const T = this.sinceVary;
      this.sinceVary = 0;
      this.resp.vary(this.rng, T);
      this.card.vary(this.rng, T);
      const a = Math.exp(-T / this.p.driftTimeS);
      this.driftRaw = a * this.driftRaw + Math.sqrt(1 - a * a) * this.p.driftRmsUm * this.rng.normal();
      this.drift += (this.driftRaw - this.drift) * (T / SMOOTHING_TIME_S);
    }
  }
}
