/** Background signals of the simulated amplifier: thermal + 1/f noise, LFP, line noise, movement artefacts. */
import type { Rng } from '../dsp/rng.ts';

/** Adds white Gaussian noise of standard deviation `sigmaUv` to `out`. */
export function addWhiteNoise(out: Float64Array, sigmaUv: number, rng: Rng): void {
  for (let i = 0; i < out.length; i++) out[i] = out[i]! + sigmaUv * rng.normal();
}

/**
 * Adds 1/f ("pink") noise of RMS `rmsUv`: Paul Kellet's refined 7-pole filter of white noise (±0.05 dB of 1/f
 * above ~9 Hz at 44.1 kHz; the pole frequencies scale with the rate, which keeps it 1/f over the LFP band).
 */
export function addPinkNoise(out: Float64Array, rmsUv: number, rng: Rng): void {
  const n = out.length;
  const pink = new Float64Array(n);
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0; // prettier-ignore
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const w = rng.normal();
    b0 = 0.99886 * b0 + w * 0.0555179;
    b1 = 0.99332 * b1 + w * 0.0750759;
    b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856;
    b4 = 0.55 * b4 + w * 0.5329522;
    b5 = -0.7616 * b5 - w * 0.016898;
    const v = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
    pink[i] = v;
    sumSq += v * v;
  }
  const scale = n > 0 && sumSq > 0 ? rmsUv / Math.sqrt(sumSq / n) : 0;
  for (let i = 0; i < n; i++) out[i] = out[i]! + scale * pink[i]!;
}

/** Oscillations of a cortical LFP: band, centre frequency and relative amplitude (≈ 1/f falloff). */
const LFP_RHYTHMS: { lo: number; hi: number; rel: number }[] = [
  { lo: 1, hi: 4, rel: 1 }, // delta
  { lo: 4, hi: 8, rel: 0.7 }, // theta
  { lo: 8, hi: 13, rel: 0.5 }, // alpha
  { lo: 13, hi: 30, rel: 0.35 }, // beta
  { lo: 30, hi: 80, rel: 0.18 }, // gamma
  { lo: 80, hi: 300, rel: 0.08 }, // high gamma
];

/**
 * A shared LFP source for one electrode (µV, RMS ≈ amplitudeUv/√2 per rhythm scale): in each band, three
 * sinusoids at random frequencies and phases with a slow (0.2–1 Hz) amplitude modulation, like the bursty
 * rhythms of a real LFP.
 */
export function lfpSource(
  sampleCount: number,
  sampleRateHz: number,
  amplitudeUv: number,
  rng: Rng,
): Float64Array {
  const out = new Float64Array(sampleCount);
  for (const r of LFP_RHYTHMS) {
    for (let k = 0; k < 3; k++) {
      const f = rng.uniform(r.lo, r.hi);
      const ph = rng.uniform(0, 2 * Math.PI);
      const fm = rng.uniform(0.2, 1);
      const phm = rng.uniform(0, 2 * Math.PI);
      const a = (amplitudeUv * r.rel) / Math.sqrt(3);
      const w = (2 * Math.PI * f) / sampleRateHz;
      const wm = (2 * Math.PI * fm) / sampleRateHz;
      for (let i = 0; i < sampleCount; i++)
        out[i] = out[i]! + a * (0.6 + 0.4 * Math.sin(wm * i + phm)) * Math.sin(w * i + ph);
    }
  }
  return out;
}

/** Mains pickup: fundamental plus 2nd and 3rd harmonics at 1/3 and 1/5 of its amplitude (unit amplitude). */
export function lineWaveform(
  sampleCount: number,
  sampleRateHz: number,
  lineHz: number,
  phase: number,
): Float64Array {
  const out = new Float64Array(sampleCount);
  const w = (2 * Math.PI * lineHz) / sampleRateHz;
  for (let i = 0; i < sampleCount; i++)
    out[i] = Math.sin(w * i + phase) + Math.sin(2 * (w * i + phase)) / 3 + Math.sin(3 * (w * i + phase)) / 5;
  return out;
}

/** A slow movement transient (raised cosine, 0.3–0.8 s): almost no energy above ~13 Hz, so it shows in the LFP only. */
export function addArtefact(
  out: Float64Array,
  sampleRateHz: number,
  startS: number,
  durationS: number,
  amplitudeUv: number,
  gain: number,
): void {
  const s0 = Math.round(startS * sampleRateHz);
  const n = Math.max(1, Math.round(durationS * sampleRateHz));
  for (let i = 0; i < n && s0 + i < out.length; i++)
    out[s0 + i] = out[s0 + i]! + gain * amplitudeUv * 0.5 * (1 - Math.cos((2 * Math.PI * i) / n));
}
