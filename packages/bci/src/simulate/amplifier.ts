/**
 * The simulated amplifier: a seeded, documented generator of realistic intraoperative recordings with their
 * ground truth, for testing the signal checks end to end.
 *
 * Per channel (µV): thermal noise (white) + 1/f noise + LFP (shared per electrode, in-tissue contacts only)
 * + spikes of units from templates at known times + mains pickup (50/60 Hz with 2nd and 3rd harmonics, same
 * phase on every channel: common mode) + slow movement artefacts (shared per electrode) + faults:
 * - open: broken lead; no neural signal, 40–80 µV spike-band noise, 10–30× the line pickup, |Z| ≈ stray C;
 * - short: two adjacent contacts bridged by fluid in an insulation breach: both record the average of the two
 *   plus their own amplifier noise (near-identical), and read a few kΩ (leak to the reference);
 * - saturated: a DC offset drives the input to the amplifier's rail (±railUv), clipping most samples;
 * - noisy: a healthy electrode with 35–60 µV spike-band noise (bad connector, EMI).
 * Contacts shallower than the cortical surface or deeper than the in-tissue range show no spikes and no LFP.
 * All channels clip at ±railUv (Intan RHD2000: ±5 mV input range).
 *
 * It also produces the impedance-test segment: the response to a 1 kHz sine current (Intan's three ranges,
 * 0.385/3.85/38.5 nA from 0.1/1/10 pF at 0.6125 V; the largest whose response stays below 4.5 mV) through
 * each channel's electrode model, plus that channel's thermal and line noise.
 */
import { butterSos } from '../dsp/butter.ts';
import { cabs } from '../dsp/complex.ts';
import { Rng } from '../dsp/rng.ts';
import { sosfiltfilt } from '../dsp/sos.ts';
import type { ImpedanceTestSegment } from '../checks/impedance.ts';
import type { Recording, RecordingChannel } from '../recording.ts';
import type {
  FaultKind,
  GroundTruth,
  GroundTruthArtefact,
  GroundTruthChannel,
  GroundTruthUnit,
  ImpedanceModel,
} from './groundTruth.ts';
import { cpeForMagnitude, modelImpedanceKohm } from './impedanceModel.ts';
import { addArtefact, addPinkNoise, addWhiteNoise, lfpSource, lineWaveform } from './noise.ts';
import { spikeTemplate, spikeTrain } from './units.ts';

export interface SimulatedElectrode {
  id: string;
  contactCount: number;
  /** Depth of contact 1 (the tip contact) below the entry point along the trajectory, mm. */
  tipDepthMm: number;
  /** Centre-to-centre contact spacing, mm. */
  pitchMm: number;
}

export interface FaultPlan {
  open?: number[];
  /** Pairs of channel indices (same electrode, adjacent contacts for realism). */
  shortedPairs?: [number, number][];
  saturated?: number[];
  noisy?: number[];
}

export interface SimulationOptions {
  seed: number;
  /** 20–30 kHz typical; default 30000. */
  sampleRateHz?: number;
  /** Default 2 s. */
  durationS?: number;
  /** Default one 16-contact electrode, tip at 16 mm, 1 mm pitch. 1–1024 channels in all. */
  electrodes?: SimulatedElectrode[];
  /** Depth of the cortical surface along every trajectory, mm (default 10). */
  cortexDepthMm?: number;
  /** Contacts deeper than this are outside the tissue range (e.g. in a ventricle); default none. */
  tissueMaxDepthMm?: number;
  /** Healthy spike-band (300–6000 Hz) RMS of the white noise, drawn per channel in this range; default [4, 12]. */
  noiseUv?: [number, number];
  /** 1/f noise RMS over the whole band, µV; default 4. */
  pinkNoiseUv?: number;
  lineFrequencyHz?: 50 | 60;
  /** Mains amplitude at the fundamental on a healthy channel, µV (×0.5–1.5 per channel); default 10. */
  lineAmplitudeUv?: number;
  /** Scale of the LFP rhythms, µV; default 60. */
  lfpAmplitudeUv?: number;
  /** Units per in-tissue contact; default [1, 2]. */
  unitsPerContact?: [number, number];
  /** Raw template trough amplitude range (log-uniform), µV; default [30, 300]. */
  unitAmplitudeUv?: [number, number];
  /** Firing rate range (log-uniform), Hz; default [1, 10]. */
  unitRateHz?: [number, number];
  /** Movement artefacts per electrode per second; default 0.5. */
  artefactsPerS?: number;
  /** Counts of random faults (ignored when `faultPlan` is given). Default 1 open, 1 shorted pair, 1 saturated. */
  faults?: { open?: number; shortedPairs?: number; saturated?: number; noisy?: number };
  faultPlan?: FaultPlan;
  /** Amplifier input range ±railUv; default 5000. */
  railUv?: number;
  /** Healthy |Z| at 1 kHz, log-uniform, kΩ; default [50, 1500]. */
  impedanceKohm?: [number, number];
  impedanceTestFrequencyHz?: number;
  impedanceTestDurationS?: number;
}

export interface SimulatedSession {
  recording: Recording;
  impedanceTest: ImpedanceTestSegment;
  groundTruth: GroundTruth;
}

/** Intan RHD test currents at 1 kHz: 2π·f·0.6125 V·C for C = 10, 1, 0.1 pF, in nA (scaled with f). */
const testCurrentsNa = (fHz: number): number[] =>
  [10, 1, 0.1].map((pf) => 2 * Math.PI * fHz * 0.6125 * pf * 1e-3);

export function simulateSession(options: SimulationOptions): SimulatedSession {
  const seed = options.seed;
  const fs = options.sampleRateHz ?? 30000;
  const durationS = options.durationS ?? 2;
  const electrodes = options.electrodes ?? [{ id: 'E1', contactCount: 16, tipDepthMm: 16, pitchMm: 1 }];
  const cortexDepthMm = options.cortexDepthMm ?? 10;
  const tissueMax = options.tissueMaxDepthMm ?? null;
  const [noiseLo, noiseHi] = options.noiseUv ?? [4, 12];
  const pinkUv = options.pinkNoiseUv ?? 4;
  const lineHz = options.lineFrequencyHz ?? 50;
  const lineUv = options.lineAmplitudeUv ?? 10;
  const lfpUv = options.lfpAmplitudeUv ?? 60;
  const [uLo, uHi] = options.unitsPerContact ?? [1, 2];
  const [aLo, aHi] = options.unitAmplitudeUv ?? [30, 300];
  const [rLo, rHi] = options.unitRateHz ?? [1, 10];
  const artefactsPerS = options.artefactsPerS ?? 0.5;
  const railUv = options.railUv ?? 5000;
  const [zLo, zHi] = options.impedanceKohm ?? [50, 1500];
  const zHz = options.impedanceTestFrequencyHz ?? 1000;
  const zDurS = options.impedanceTestDurationS ?? 0.2;

  if (!(fs >= 1000 && fs <= 100000)) throw new Error(`simulator: sample rate ${fs} Hz is outside 1–100 kHz`);
  if (!(durationS > 0 && durationS <= 600))
    throw new Error(`simulator: duration ${durationS} s is outside (0, 600]`);
  const C = electrodes.reduce((n, e) => n + e.contactCount, 0);
  if (C < 1 || C > 1024) throw new Error(`simulator: ${C} channels requested, the amplifier has 1–1024`);
  const n = Math.round(durationS * fs);
  const rng = new Rng(seed);
  const omega = 2 * Math.PI * zHz;

  // Layout: electrodes in order, contact 1 (tip, deepest) first.
  const channels: RecordingChannel[] = [];
  const gtChannels: GroundTruthChannel[] = [];
  const electrodeOf: number[] = [];
  electrodes.forEach((e, ei) => {
    for (let k = 1; k <= e.contactCount; k++) {
      const depthMm = e.tipDepthMm - (k - 1) * e.pitchMm;
      const inTissue = depthMm >= cortexDepthMm && (tissueMax === null || depthMm <= tissueMax);
      const index = channels.length;
      const label = `${e.id}-${String(k).padStart(2, '0')}`;
      channels.push({ index, label, electrodeId: e.id, contactNumber: k, depthMm });
      electrodeOf.push(ei);
      gtChannels.push({
        index, label, electrodeId: e.id, contactNumber: k, depthMm, inTissue, fault: 'none',
        impedanceKohm: 0, impedancePhaseDeg: 0,
        impedanceModel: { kind: 'cpe', seriesKohm: 0, q: 0, alpha: 0, parallelPf: 0, leakKohm: 0 },
        noiseSpikeBandUv: 0, lineAmplitudeUv: 0, clippedFraction: 0,
      }); // prettier-ignore
    }
  });

  // Faults.
  const plan = options.faultPlan ?? randomFaults(options.faults, channels, electrodeOf, rng);
  const fault: FaultKind[] = new Array<FaultKind>(C).fill('none');
  const partner: number[] = new Array<number>(C).fill(-1);
  const mark = (c: number, kind: FaultKind): void => {
    if (!(Number.isInteger(c) && c >= 0 && c < C))
      throw new Error(`simulator: fault channel ${c} does not exist`);
    if (fault[c] !== 'none') throw new Error(`simulator: channel ${c} given two faults`);
    fault[c] = kind;
  };
  plan.open?.forEach((c) => mark(c, 'open'));
  plan.saturated?.forEach((c) => mark(c, 'saturated'));
  plan.noisy?.forEach((c) => mark(c, 'noisy'));
  plan.shortedPairs?.forEach(([a, b]) => {
    mark(a, 'short');
    mark(b, 'short');
    partner[a] = b;
    partner[b] = a;
  });

  // Per-channel parameters (drawn in channel order so that a seed fixes everything).
  const whiteSigma = new Float64Array(C);
  const lineAmp = new Float64Array(C);
  const models: ImpedanceModel[] = [];
  const bandpass = butterSos(2, [300, Math.min(6000, fs * 0.45)], 'bandpass', fs);
  // White noise of σ_w has a spike-band RMS of σ_w·√(Σh²) with h the zero-phase filter's impulse response.
  const whiteToBand = Math.sqrt(impulseEnergy(bandpass, fs));
  for (let c = 0; c < C; c++) {
    const f = fault[c]!;
    const bandUv = f === 'open' ? rng.uniform(40, 80) : f === 'noisy' ? rng.uniform(35, 60) : rng.uniform(noiseLo, noiseHi); // prettier-ignore
    whiteSigma[c] = bandUv / whiteToBand;
    lineAmp[c] = lineUv * rng.uniform(0.5, 1.5) * (f === 'open' ? rng.uniform(10, 30) : 1);
    if (f === 'open')
      models.push({
        kind: 'open',
        seriesKohm: 0,
        q: 0,
        alpha: 0,
        parallelPf: rng.uniform(10, 20),
        leakKohm: 0,
      });
    else {
      const m = cpeForMagnitude(rng.logUniform(zLo, zHi), rng.uniform(5, 20), rng.uniform(0.75, 0.92), omega);
      models.push(f === 'short' ? { ...m, kind: 'short', leakKohm: rng.uniform(2, 7) } : m);
    }
    const z = modelImpedanceKohm(models[c]!, omega);
    const gt = gtChannels[c]!;
    gt.fault = f;
    if (partner[c]! >= 0) gt.shortPartner = partner[c]!;
    gt.impedanceModel = models[c]!;
    gt.impedanceKohm = cabs(z);
    gt.impedancePhaseDeg = (Math.atan2(z.im, z.re) * 180) / Math.PI;
    gt.lineAmplitudeUv = lineAmp[c]!;
  }

  // Shared sources.
  const linePhase = rng.uniform(0, 2 * Math.PI);
  const line = lineWaveform(n, fs, lineHz, linePhase);
  const lfp = electrodes.map(() => lfpSource(n, fs, lfpUv, rng));
  const artefacts: GroundTruthArtefact[] = [];
  electrodes.forEach((e) => {
    const count = Math.floor(artefactsPerS * durationS + rng.next());
    for (let i = 0; i < count; i++) {
      const durS = rng.uniform(0.3, 0.8);
      artefacts.push({
        electrodeId: e.id,
        startS: rng.uniform(0, Math.max(0, durationS - durS)),
        durationS: durS,
        amplitudeUv: (rng.next() < 0.5 ? -1 : 1) * rng.uniform(200, 1000),
      });
    }
  });

  // Units: on in-tissue contacts with a working lead; they also reach the neighbouring contacts at 25 %.
  const { wave } = spikeTemplate(fs, 1);
  const margin = wave.length;
  const units: (GroundTruthUnit & { width: number; amps: number[] })[] = [];
  for (let c = 0; c < C; c++) {
    if (!gtChannels[c]!.inTissue || fault[c] === 'open') continue;
    const count = rng.int(uLo, uHi);
    for (let u = 0; u < count; u++) {
      const amp = rng.logUniform(aLo, aHi);
      const rate = rng.logUniform(rLo, rHi);
      const width = rng.uniform(0.8, 1.25);
      const spikes = spikeTrain(n, fs, rate, 0.002, margin, rng);
      const amps = spikes.map(() => 1 + 0.05 * rng.normal());
      const on: { channel: number; amplitudeUv: number; snr: number }[] = [
        { channel: c, amplitudeUv: amp, snr: 0 },
      ];
      for (const d of [-1, 1]) {
        const o = c + d;
        if (
          o >= 0 &&
          o < C &&
          electrodeOf[o] === electrodeOf[c] &&
          gtChannels[o]!.inTissue &&
          fault[o] !== 'open'
        )
          on.push({ channel: o, amplitudeUv: 0.25 * amp, snr: 0 });
      }
      units.push({
        id: units.length,
        channel: c,
        rateHz: rate,
        spikeSamples: spikes,
        channels: on,
        width,
        amps,
      });
    }
  }
  const templates = new Map<number, { wave: Float64Array; peakIndex: number; filteredTrough: number }>();
  const templateFor = (width: number): { wave: Float64Array; peakIndex: number; filteredTrough: number } => {
    const key = Math.round(width * 1000);
    let t = templates.get(key);
    if (!t) {
      const tp = spikeTemplate(fs, key / 1000);
      const padded = new Float64Array(tp.wave.length + 2 * margin);
      padded.set(tp.wave, margin);
      const filtered = sosfiltfilt(bandpass, padded);
      t = { ...tp, filteredTrough: -Math.min(...filtered) };
      templates.set(key, t);
    }
    return t;
  };
  const unitsOn: number[][] = Array.from({ length: C }, () => []);
  units.forEach((u, ui) => u.channels.forEach((uc) => unitsOn[uc.channel]!.push(ui)));

  // Build each channel: signal and its noise-only part (for the ground-truth noise level).
  const build = (c: number): { sig: Float64Array; noise: Float64Array } => {
    const crng = new Rng((seed * 1000003 + c * 7919 + 17) >>> 0);
    const noise = new Float64Array(n);
    addWhiteNoise(noise, whiteSigma[c]!, crng);
    addPinkNoise(noise, fault[c] === 'open' ? 3 * pinkUv : pinkUv, crng);
    const sig = noise.slice();
    const gt = gtChannels[c]!;
    const e = electrodeOf[c]!;
    if (fault[c] !== 'open') {
      if (gt.inTissue) {
        const g = crng.uniform(0.7, 1);
        const src = lfp[e]!;
        for (let i = 0; i < n; i++) sig[i] = sig[i]! + g * src[i]!;
      }
      for (const ui of unitsOn[c]!) {
        const u = units[ui]!;
        const amp = u.channels.find((x) => x.channel === c)!.amplitudeUv;
        const t = templateFor(u.width);
        u.spikeSamples.forEach((s, k) => {
          const a = amp * u.amps[k]!;
          const o = s - t.peakIndex;
          for (let i = 0; i < t.wave.length; i++) sig[o + i] = sig[o + i]! + a * t.wave[i]!;
        });
      }
    }
    const la = lineAmp[c]!;
    for (let i = 0; i < n; i++) sig[i] = sig[i]! + la * line[i]!;
    for (const a of artefacts)
      if (a.electrodeId === electrodes[e]!.id) addArtefact(sig, fs, a.startS, a.durationS, a.amplitudeUv, crng.uniform(0.8, 1.2)); // prettier-ignore
    return { sig, noise };
  };

  const dataUv = new Float32Array(n * C);
  const noiseWindow = Math.min(n, Math.round(fs));
  const finish = (c: number, sig: Float64Array, noise: Float64Array): void => {
    const gt = gtChannels[c]!;
    if (fault[c] === 'saturated') {
      const r = new Rng((seed * 31 + c) >>> 0);
      const offset = (r.next() < 0.5 ? -1 : 1) * railUv * r.uniform(0.97, 1.1);
      for (let i = 0; i < n; i++) sig[i] = sig[i]! + offset;
    }
    let clipped = 0;
    for (let i = 0; i < n; i++) {
      const v = Math.max(-railUv, Math.min(railUv, sig[i]!));
      if (v === railUv || v === -railUv) clipped++;
      dataUv[i * C + c] = v;
    }
    gt.clippedFraction = clipped / n;
    const nb = noiseWindow > 100 ? sosfiltfilt(bandpass, noise.subarray(0, noiseWindow)) : noise;
    let ss = 0;
    for (const v of nb) ss += v * v;
    gt.noiseSpikeBandUv = Math.sqrt(ss / nb.length);
  };
  for (let c = 0; c < C; c++) {
    if (fault[c] === 'short') {
      const p = partner[c]!;
      if (p < c) continue;
      const a = build(c);
      const b = build(p);
      const ra = new Rng((seed * 131 + c) >>> 0);
      const rb = new Rng((seed * 137 + p) >>> 0);
      const mix = (x: Float64Array, y: Float64Array): Float64Array => x.map((v, i) => 0.5 * (v + y[i]!));
      const sig = mix(a.sig, b.sig);
      const noise = mix(a.noise, b.noise);
      // Each input still adds its own amplifier noise (2.4 µVrms, Intan RHD2000).
      const ampNoise = 2.4;
      const sa = sig.slice();
      const na = noise.slice();
      addWhiteNoiseBoth(sa, na, ampNoise, ra);
      addWhiteNoiseBoth(sig, noise, ampNoise, rb);
      finish(c, sa, na);
      finish(p, sig, noise);
    } else {
      const { sig, noise } = build(c);
      finish(c, sig, noise);
    }
  }

  // Unit SNRs on each channel they reach.
  for (const u of units) {
    const t = templateFor(u.width);
    for (const uc of u.channels)
      uc.snr = (uc.amplitudeUv * t.filteredTrough) / gtChannels[uc.channel]!.noiseSpikeBandUv;
  }

  // Impedance-test segment.
  const zn = Math.round(zDurS * fs);
  const zData = new Float32Array(zn * C);
  const currentNa = new Float64Array(C);
  const zLine = lineWaveform(zn, fs, lineHz, linePhase);
  for (let c = 0; c < C; c++) {
    const z = modelImpedanceKohm(models[c]!, omega);
    const mag = cabs(z);
    const ph = Math.atan2(z.im, z.re);
    const currents = testCurrentsNa(zHz);
    const current = currents.find((i) => i * mag < 4500) ?? currents[currents.length - 1]!;
    currentNa[c] = current;
    const crng = new Rng((seed * 7 + c * 104729 + 3) >>> 0);
    const sigma = fault[c] === 'short' ? 2.4 : whiteSigma[c]!;
    for (let i = 0; i < zn; i++) {
      // Current i(t) = I sin(ωt); nA × kΩ = µV.
      let v =
        current * mag * Math.sin((omega * i) / fs + ph) + sigma * crng.normal() + lineAmp[c]! * zLine[i]!;
      v = Math.max(-railUv, Math.min(railUv, v));
      zData[i * C + c] = v;
    }
  }

  const groundTruth: GroundTruth = {
    generator: '@neuroplan/bci simulateSession v1',
    seed,
    sampleRateHz: fs,
    sampleCount: n,
    lineFrequencyHz: lineHz,
    railUv,
    impedanceTestFrequencyHz: zHz,
    electrodes: electrodes.map((e) => ({
      id: e.id,
      contactCount: e.contactCount,
      tipDepthMm: e.tipDepthMm,
      pitchMm: e.pitchMm,
      cortexDepthMm,
      tissueMaxDepthMm: tissueMax,
      contactsInTissue: gtChannels
        .filter((g) => g.electrodeId === e.id && g.inTissue)
        .map((g) => g.contactNumber),
    })),
    channels: gtChannels,
    units: units.map(({ width: _w, amps: _a, ...u }) => u),
    artefacts,
  };
  return {
    recording: { sampleRateHz: fs, channelCount: C, sampleCount: n, dataUv, channels, startTimeS: 0 },
    impedanceTest: {
      frequencyHz: zHz,
      sampleRateHz: fs,
      channelCount: C,
      sampleCount: zn,
      currentNa,
      dataUv: zData,
    },
    groundTruth,
  };
}

function addWhiteNoiseBoth(sig: Float64Array, noise: Float64Array, sigma: number, rng: Rng): void {
  for (let i = 0; i < sig.length; i++) {
    const v = sigma * rng.normal();
    sig[i] = sig[i]! + v;
    noise[i] = noise[i]! + v;
  }
}

/** Σh² of the zero-phase filter's impulse response (noise power gain for white noise). */
function impulseEnergy(sos: Float64Array, fs: number): number {
  const len = Math.round(fs * 0.1) | 1;
  const x = new Float64Array(len);
  x[len >> 1] = 1;
  let e = 0;
  for (const v of sosfiltfilt(sos, x)) e += v * v;
  return e;
}

function randomFaults(
  counts: SimulationOptions['faults'],
  channels: RecordingChannel[],
  electrodeOf: number[],
  rng: Rng,
): FaultPlan {
  const C = channels.length;
  const want = counts ?? (C >= 8 ? { open: 1, shortedPairs: 1, saturated: 1 } : {});
  const used = new Set<number>();
  const plan: Required<FaultPlan> = { open: [], shortedPairs: [], saturated: [], noisy: [] };
  // Pairs first: adjacent contacts on one electrode.
  const pairs: [number, number][] = [];
  for (let c = 0; c + 1 < C; c++) if (electrodeOf[c] === electrodeOf[c + 1]) pairs.push([c, c + 1]);
  for (const pr of rng.pick(pairs, pairs.length)) {
    if (plan.shortedPairs.length >= (want.shortedPairs ?? 0)) break;
    if (used.has(pr[0]) || used.has(pr[1])) continue;
    plan.shortedPairs.push(pr);
    used.add(pr[0]).add(pr[1]);
  }
  const free = rng.pick(
    channels.map((c) => c.index).filter((c) => !used.has(c)),
    C,
  );
  const takeN = (k: number | undefined): number[] => free.splice(0, Math.min(k ?? 0, free.length));
  plan.open = takeN(want.open);
  plan.saturated = takeN(want.saturated);
  plan.noisy = takeN(want.noisy);
  return plan;
}
