/**
 * @neuroplan/bci: intraoperative signal checks (browser-safe; file I/O on Node is in `@neuroplan/bci/node`).
 * Simulated amplifier with ground truth, DSP matching scipy.signal, impedance, noise, spikes, LFP, shorts,
 * per-channel verdicts, per-electrode placement verdicts and a streaming checker.
 */
export * from './recording.ts';
export * from './pipeline.ts';
export * from './dsp/butter.ts';
export * from './dsp/sos.ts';
export * from './dsp/notch.ts';
export * from './dsp/mad.ts';
export { Rng } from './dsp/rng.ts';
export * from './checks/options.ts';
export * from './checks/impedance.ts';
export * from './checks/stream.ts';
export * from './checks/verdict.ts';
export * from './checks/placement.ts';
export * from './simulate/amplifier.ts';
export * from './simulate/groundTruth.ts';
export * from './simulate/impedanceModel.ts';
export * from './nwb/read.ts';
export * from './nwb/write.ts';
export * from './intan/rhd.ts';
