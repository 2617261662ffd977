/** Settings of the signal checks, with defaults and the published figures they come from. */
import type { ImpedanceThresholds } from './impedance.ts';
import { DEFAULT_IMPEDANCE_THRESHOLDS } from './impedance.ts';

export interface CheckOptions {
  /** Spike band, Hz (300–6000: Open Ephys, SpikeInterface, MEArec defaults). */
  spikeBandHz: [number, number];
  /** Butterworth order of the spike band-pass (2: Open Ephys; gives 2 second-order sections). */
  spikeFilterOrder: number;
  /** Mains frequency, notched in the spike band (fundamental) and the LFP band (fundamental + 2 harmonics). */
  lineFrequencyHz: 50 | 60;
  /** Notch quality factor (centre / −3 dB width). */
  notchQ: number;
  /** Subtract the across-channel mean of the spike band from every channel before detection. */
  commonAverageReference: boolean;
  /** Threshold in robust σ (σ = median|x|/0.6745): 4 (Quiroga 2004, Open Ephys DYN) to 5 (wave_clus, SI). */
  thresholdSigma: number;
  /** Dead time after a detected spike, s (1 ms as SpikeInterface's exclude sweep; wave_clus uses 1.5 ms). */
  refractoryS: number;
  /** Noise (MAD) is estimated per block of this length, aligned to sample 0; the reported noise is the median. */
  noiseBlockS: number;
  /**
   * σ is the median of every n-th sample of the block (1 = all): band-limited noise is correlated over a few
   * samples anyway, and 1875 samples per 0.25 s block still give σ to ~3 % (SpikeInterface also estimates
   * noise on random subsets). The short search correlates a quarter of these samples (runs of four).
   */
  noiseSubsample: number;
  /**
   * Amplifier input range: samples at ±railUv (within 0.1 %) count as railed. Intan RHD2000: ±5 mV. Counted on
   * every noiseSubsample-th sample (a railed stretch lasts far longer than that).
   */
  railUv: number;
  /** Fraction of railed samples above which a channel is saturated (OpenBCI warns at 75 % of range; 0.1 % of time). */
  saturatedFraction: number;
  /** Spike-band noise above which a channel is noisy, µV. In-vivo background is ~10 µV, ≤ 8 µV on Neuropixels. */
  noisyNoiseUv: number;
  /** Line-noise amplitude above which a channel is noisy, µV. */
  noisyLineUv: number;
  /** Spike-band correlation above which two channels are a shorted pair (Blackrock flags crosstalk at r > 0.5). */
  shortCorrelation: number;
  /** 'all' pairs, or only contacts of the same electrode plus neighbouring amplifier channels (bridged traces). */
  shortSearch: 'all' | 'electrode' | 'auto';
  /** Below this threshold-crossing rate a channel shows no spiking, Hz. */
  minSpikeRateHz: number;
  /** Below this LFP RMS in 13–80 Hz (beta + gamma, after the notch) a channel shows no LFP, µV. */
  minLfpUv: number;
  impedance: ImpedanceThresholds;
}

export const DEFAULT_CHECK_OPTIONS: CheckOptions = {
  spikeBandHz: [300, 6000],
  spikeFilterOrder: 2,
  lineFrequencyHz: 50,
  notchQ: 30,
  commonAverageReference: false,
  thresholdSigma: 4.5,
  refractoryS: 0.001,
  noiseBlockS: 0.25,
  noiseSubsample: 4,
  railUv: 5000,
  saturatedFraction: 0.001,
  noisyNoiseUv: 25,
  noisyLineUv: 100,
  shortCorrelation: 0.9,
  shortSearch: 'auto',
  minSpikeRateHz: 1,
  minLfpUv: 5,
  impedance: DEFAULT_IMPEDANCE_THRESHOLDS,
};

export const resolveCheckOptions = (o: Partial<CheckOptions> = {}): CheckOptions => ({
  ...DEFAULT_CHECK_OPTIONS,
  ...o,
  impedance: { ...DEFAULT_IMPEDANCE_THRESHOLDS, ...o.impedance },
});

/** LFP bands, Hz (EEG-style names; high gamma up to the 300 Hz top of the LFP). */
export const LFP_BANDS = {
  delta: [1, 4],
  theta: [4, 8],
  alpha: [8, 13],
  beta: [13, 30],
  gamma: [30, 80],
  highGamma: [80, 300],
} as const;
export type LfpBand = keyof typeof LFP_BANDS;
export type LfpBandPower = Record<LfpBand, number>;
