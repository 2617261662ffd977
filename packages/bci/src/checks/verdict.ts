/** Per-channel verdicts with their reasons (sentences with figures). */
import type { RecordingChannel } from '../recording.ts';
import type { ImpedanceResult } from './impedance.ts';
import type { CheckOptions, LfpBandPower } from './options.ts';
import type { ChannelMetrics } from './stream.ts';

export type ChannelVerdict = 'ok' | 'noisy' | 'open' | 'short' | 'saturated' | 'no_neural_activity';

export interface ChannelReport {
  index: number;
  label: string;
  electrodeId: string;
  contactNumber: number;
  depthMm: number | null;
  verdict: ChannelVerdict;
  reasons: string[];
  noiseUv: number;
  spikeCount: number;
  spikeRateHz: number;
  unitSnr: number | null;
  impedanceKohm: number | null;
  impedancePhaseDeg: number | null;
  lineNoiseUv: number;
  lfpBandPowerUv2: LfpBandPower;
  lfpUv: number;
  railedFraction: number;
  /** The channel this one is shorted with (correlation above the threshold), if any. */
  shortPartner: number | null;
  shortCorrelation: number | null;
  /** Shows spikes or LFP (used by the placement verdict). */
  neuralActivity: boolean;
}

const f1 = (x: number): string => x.toFixed(1);
const pct = (x: number): string => `${(100 * x).toFixed(x < 0.01 ? 2 : 1)} %`;
const kohm = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)} MΩ` : `${x.toFixed(1)} kΩ`);

export function channelVerdict(
  ch: RecordingChannel,
  m: ChannelMetrics,
  z: ImpedanceResult | null,
  o: CheckOptions,
  partnerLabel: (i: number) => string,
): ChannelReport {
  const reasons: string[] = [];
  const flags = new Set<ChannelVerdict>();
  if (m.railedFraction >= o.saturatedFraction) {
    flags.add('saturated');
    reasons.push(
      `${pct(m.railedFraction)} of samples sit at the ±${o.railUv} µV rail (limit ${pct(o.saturatedFraction)}).`,
    );
  }
  if (z && z.magnitudeKohm > o.impedance.openKohm) {
    flags.add('open');
    reasons.push(`|Z| at 1 kHz is ${kohm(z.magnitudeKohm)} (phase ${f1(z.phaseDeg)}°), above the ${kohm(o.impedance.openKohm)} open-circuit limit.`); // prettier-ignore
  }
  if (z && z.magnitudeKohm < o.impedance.shortKohm) {
    flags.add('short');
    reasons.push(
      `|Z| at 1 kHz is ${kohm(z.magnitudeKohm)}, below the ${kohm(o.impedance.shortKohm)} short-circuit limit.`,
    );
  }
  const shorted = m.bestCorrelation !== null && m.bestCorrelation >= o.shortCorrelation;
  if (shorted) {
    flags.add('short');
    reasons.push(`Its spike band is near-identical to ${partnerLabel(m.bestPartner!)} (r = ${m.bestCorrelation!.toFixed(3)} ≥ ${o.shortCorrelation}): a shorted pair.`); // prettier-ignore
  }
  if (m.noiseUv > o.noisyNoiseUv) {
    flags.add('noisy');
    reasons.push(`Spike-band noise is ${f1(m.noiseUv)} µV RMS (limit ${o.noisyNoiseUv} µV).`);
  }
  if (m.lineNoiseUv > o.noisyLineUv) {
    flags.add('noisy');
    reasons.push(
      `${o.lineFrequencyHz} Hz line noise is ${f1(m.lineNoiseUv)} µV (limit ${o.noisyLineUv} µV).`,
    );
  }
  const spiking = m.spikeRateHz >= o.minSpikeRateHz;
  const lfp = m.lfpUv >= o.minLfpUv;
  const neuralActivity = spiking || lfp;
  const activity = `${m.spikeCount} threshold crossings (${f1(m.spikeRateHz)} Hz${m.unitSnr !== null ? `, median SNR ${f1(m.unitSnr)}` : ''}); LFP ${f1(m.lfpUv)} µV RMS in 13–80 Hz`; // prettier-ignore
  if (!neuralActivity) {
    flags.add('no_neural_activity');
    reasons.push(`No neural activity: ${activity}, below ${o.minSpikeRateHz} Hz and ${o.minLfpUv} µV.`);
  }
  const order: ChannelVerdict[] = ['saturated', 'open', 'short', 'noisy', 'no_neural_activity'];
  const verdict = order.find((v) => flags.has(v)) ?? 'ok';
  if (verdict === 'ok')
    reasons.push(
      `Noise ${f1(m.noiseUv)} µV RMS${z ? `, |Z| ${kohm(z.magnitudeKohm)} at ${f1(z.phaseDeg)}°` : ''}; ${activity}.`,
    );
  return {
    index: ch.index,
    label: ch.label,
    electrodeId: ch.electrodeId,
    contactNumber: ch.contactNumber,
    depthMm: ch.depthMm ?? null,
    verdict,
    reasons,
    noiseUv: m.noiseUv,
    spikeCount: m.spikeCount,
    spikeRateHz: m.spikeRateHz,
    unitSnr: m.unitSnr,
    impedanceKohm: z ? z.magnitudeKohm : null,
    impedancePhaseDeg: z ? z.phaseDeg : null,
    lineNoiseUv: m.lineNoiseUv,
    lfpBandPowerUv2: m.lfpBandPowerUv2,
    lfpUv: m.lfpUv,
    railedFraction: m.railedFraction,
    shortPartner: shorted ? m.bestPartner : null,
    shortCorrelation: m.bestCorrelation,
    neuralActivity,
  };
}
