/** What the simulated amplifier knows about its recording: written beside the data (JSON-able, no typed arrays). */

export type FaultKind = 'none' | 'open' | 'short' | 'saturated' | 'noisy';

/** Electrode–tissue impedance model: constant-phase element (double layer) in series with a spreading resistance. */
export interface ImpedanceModel {
  kind: 'cpe' | 'open' | 'short';
  /** Spreading (access) resistance, kΩ. */
  seriesKohm: number;
  /** CPE magnitude coefficient: Z_cpe = 1 / (q · (jω)^alpha), q in S·s^alpha. */
  q: number;
  alpha: number;
  /** Open circuit: only the stray capacitance to ground, pF. */
  parallelPf: number;
  /** Short: leak resistance to the reference, kΩ (in parallel with the electrode). */
  leakKohm: number;
}

export interface GroundTruthChannel {
  index: number;
  label: string;
  electrodeId: string;
  contactNumber: number;
  depthMm: number;
  /** Between the cortical surface and the end of the in-tissue range: shows spikes and LFP. */
  inTissue: boolean;
  fault: FaultKind;
  /** For a shorted pair, the other channel of the pair. */
  shortPartner?: number;
  /** Impedance at the test frequency. */
  impedanceKohm: number;
  impedancePhaseDeg: number;
  impedanceModel: ImpedanceModel;
  /** RMS of the background noise (thermal + 1/f + fault noise) after the zero-phase 300–6000 Hz band-pass, µV. */
  noiseSpikeBandUv: number;
  /** Line-noise amplitude at the fundamental, µV (harmonics are 1/3 and 1/5 of it). */
  lineAmplitudeUv: number;
  /** Rail reached in the recording (saturated channels): fraction of samples clipped. */
  clippedFraction: number;
}

export interface GroundTruthUnitOnChannel {
  channel: number;
  /** Peak (trough) amplitude of the raw template on this channel, µV (positive number). */
  amplitudeUv: number;
  /** |trough of the band-passed template| / noiseSpikeBandUv of that channel. */
  snr: number;
}

export interface GroundTruthUnit {
  id: number;
  /** Channel where the unit is largest. */
  channel: number;
  rateHz: number;
  /** Sample indices of the template's trough (0-based, in the recording). */
  spikeSamples: number[];
  channels: GroundTruthUnitOnChannel[];
}

export interface GroundTruthArtefact {
  electrodeId: string;
  startS: number;
  durationS: number;
  /** Peak displacement of the slow movement transient, µV (sign = direction). */
  amplitudeUv: number;
}

export interface GroundTruthElectrode {
  id: string;
  contactCount: number;
  tipDepthMm: number;
  pitchMm: number;
  cortexDepthMm: number;
  tissueMaxDepthMm: number | null;
  /** Contact numbers in tissue (spiking + LFP). */
  contactsInTissue: number[];
}

export interface GroundTruth {
  generator: string;
  seed: number;
  sampleRateHz: number;
  sampleCount: number;
  lineFrequencyHz: number;
  railUv: number;
  impedanceTestFrequencyHz: number;
  electrodes: GroundTruthElectrode[];
  channels: GroundTruthChannel[];
  units: GroundTruthUnit[];
  artefacts: GroundTruthArtefact[];
}
