/** Spiking units of the simulator: extracellular action-potential templates and Poisson spike trains. */
import type { Rng } from '../dsp/rng.ts';

/**
 * An extracellular spike (unit trough amplitude): a sharp negative phase (σ = 0.12 ms × width) followed by a
 * slower positive repolarisation (35 % of the trough, centred 0.45 ms × width later). Index `peakIndex` is the
 * trough. Duration ≈ 1.5–2 ms, as recorded spikes of cortical neurons.
 */
export function spikeTemplate(
  sampleRateHz: number,
  widthScale: number,
): { wave: Float64Array; peakIndex: number } {
  const pre = Math.round(0.8e-3 * sampleRateHz);
  const post = Math.round(2.2e-3 * sampleRateHz);
  const wave = new Float64Array(pre + post + 1);
  const s1 = 0.12 * widthScale;
  const s2 = 0.25 * widthScale;
  const t2 = 0.45 * widthScale;
  for (let i = 0; i < wave.length; i++) {
    const tMs = ((i - pre) / sampleRateHz) * 1000;
    wave[i] = -Math.exp(-(tMs * tMs) / (2 * s1 * s1)) + 0.35 * Math.exp(-((tMs - t2) ** 2) / (2 * s2 * s2));
  }
  // Normalise the trough to exactly −1.
  let min = 0;
  for (const v of wave) min = Math.min(min, v);
  for (let i = 0; i < wave.length; i++) wave[i] = wave[i]! / -min;
  return { wave, peakIndex: pre };
}

/** Poisson spike train with an absolute refractory period; sample indices of troughs within [margin, n − margin). */
export function spikeTrain(
  sampleCount: number,
  sampleRateHz: number,
  rateHz: number,
  refractoryS: number,
  marginSamples: number,
  rng: Rng,
): number[] {
  const out: number[] = [];
  // Rate of the exponential part so that the mean rate including the dead time is rateHz.
  const meanIsi = 1 / rateHz;
  const expMean = Math.max(meanIsi - refractoryS, meanIsi * 0.1);
  let t = rng.uniform(0, meanIsi);
  for (;;) {
    const s = Math.round(t * sampleRateHz);
    if (s >= sampleCount - marginSamples) break;
    if (s >= marginSamples) out.push(s);
    t += refractoryS - expMean * Math.log(1 - rng.next());
  }
  return out;
}
