/**
 * Where everything of a streaming check lives in the kernel's memory (byte offsets, 16-byte aligned), and the
 * filter coefficients written there as f32x4 splats. Rows are time-major with Cp = C rounded up to 4 channels; the
 * pad channels read 0 and are never reported.
 */
import type { Sos } from '../../dsp/butter.ts';
import { iirnotchDelta } from '../../dsp/notch.ts';

export interface NotchSpec {
  frequencyHz: number;
  quality: number;
}

export interface CheckLayoutSpec {
  channelCount: number;
  sampleRateHz: number;
  /** Frames per noise block. */
  blockLen: number;
  /** Frames per kernel call (the input buffer holds this many). */
  pieceFrames: number;
  /** Every n-th block row goes to the channel-major noise/correlation copy. */
  noiseSubsample: number;
  decim: number;
  spikeNotch: NotchSpec;
  spikeBandPass: Sos;
  lfpNotches: NotchSpec[];
  lfpRateHz: number;
  /** One band-pass per LFP band, all with the same number of sections. */
  lfpBands: Sos[];
  /** Pairs for the short search, grouped four per first channel. */
  quadCount: number;
  medianBins: number;
}

export interface CheckLayout {
  bytes: number;
  C: number;
  Cp: number;
  rowBytes: number;
  groups: number;
  /** Spike band sections after the notch. */
  nbp: number;
  /** LFP sections per band. */
  spb: number;
  nBands: number;
  nNotch: number;
  lfpCap: number;
  /** Rows in the channel-major copy of a full block, and bytes per channel there (a multiple of 16). */
  gRows: number;
  gStride: number;
  evCap: number;
  coef: number;
  z: number;
  box: number;
  railed: number;
  input: number;
  block: number;
  lfp: number;
  sc: number;
  lfpZ: number;
  nCoef: number;
  bCoef: number;
  pow: number;
  line: number;
  G: number;
  sums: number;
  zero: number;
  counts: number;
  sel: number;
  thr: number;
  trig: number;
  active: number;
  minVal: number;
  minIdx: number;
  startIdx: number;
  dead: number;
  ev: number;
  evCount: number;
  chan: number;
  quads: number;
  quadSums: number;
}

export function checkLayout(s: CheckLayoutSpec): CheckLayout {
  const C = s.channelCount;
  const Cp = Math.ceil(C / 16) * 16; // whole 64-byte lines per row
  const rowBytes = Cp * 4;
  const groups = Cp / 4;
  const nbp = s.spikeBandPass.length / 6;
  const spb = s.lfpBands.length ? s.lfpBands[0]!.length / 6 : 0;
  if (s.lfpBands.some((b) => b.length / 6 !== spb)) throw new Error('check layout: LFP bands differ in sections');
  const nBands = s.lfpBands.length;
  const nNotch = s.lfpNotches.length;
  const lfpCap = Math.ceil(s.pieceFrames / s.decim) + 1;
  const gRows = Math.ceil(s.blockLen / s.noiseSubsample);
  const gStride = Math.ceil(gRows / 4) * 16;
  const evCap = Math.max(4096, 2 * Cp);
  let off = 0;
  const alloc = (bytes: number): number => {
    const p = off;
    off += Math.ceil(bytes / 16) * 16;
    return p;
  };
  const l = {
    C, Cp, rowBytes, groups, nbp, spb, nBands, nNotch, lfpCap, gRows, gStride, evCap,
    coef: alloc(64 + nbp * 80),
    z: alloc(groups * (1 + nbp) * 32),
    box: alloc(rowBytes),
    railed: alloc(rowBytes),
    input: alloc(s.pieceFrames * rowBytes),
    block: alloc(s.blockLen * rowBytes),
    lfp: alloc(lfpCap * rowBytes),
    sc: alloc(lfpCap * 16),
    lfpZ: alloc(groups * (nNotch + nBands * spb) * 32),
    nCoef: alloc(nNotch * 64),
    bCoef: alloc(nBands * spb * 80),
    pow: alloc(groups * nBands * 32),
    line: alloc(groups * 64),
    G: alloc((Cp + 1) * gStride), // row Cp stays 0: the partner of padded quads
    sums: alloc(Cp * 4),
    zero: alloc(64), // a zero line: rows past the end of a gather read it
    counts: alloc(4 * s.medianBins * 4),
    sel: alloc(gRows * 4 + 16),
    thr: alloc(Cp * 4),
    trig: alloc(Cp * 4),
    active: alloc(Cp * 4),
    minVal: alloc(Cp * 4),
    minIdx: alloc(Cp * 8),
    startIdx: alloc(Cp * 8),
    dead: alloc(Cp * 8),
    ev: alloc(evCap * 16),
    evCount: alloc(16),
    chan: alloc(Cp * 16),
    quads: alloc(s.quadCount * 20),
    quadSums: alloc(s.quadCount * 32),
    bytes: 0,
  }; // prettier-ignore
  l.bytes = off;
  return l;
}

/** Writes the spike-band and LFP coefficients (f32x4 splats) into `buf` at the layout's places. */
export function writeCoefficients(buf: ArrayBuffer, l: CheckLayout, s: CheckLayoutSpec): void {
  const f = new Float32Array(buf);
  const splat = (at: number, v: number): void => void f.fill(v, at >> 2, (at >> 2) + 4);
  const notch = (at: number, n: NotchSpec, fs: number): void => {
    const d = iirnotchDelta(n.frequencyHz, n.quality, fs);
    [d.g, d.e, d.alpha, d.beta].forEach((v, i) => splat(at + 16 * i, v));
  };
  const sections = (at: number, sos: Sos): void => {
    for (let k = 0; k < sos.length / 6; k++)
      [0, 1, 2, 4, 5].forEach((j, i) => splat(at + 80 * k + 16 * i, sos[6 * k + j]!));
  };
  notch(l.coef, s.spikeNotch, s.sampleRateHz);
  sections(l.coef + 64, s.spikeBandPass);
  s.lfpNotches.forEach((n, i) => notch(l.nCoef + 64 * i, n, s.lfpRateHz));
  s.lfpBands.forEach((b, i) => sections(l.bCoef + 80 * l.spb * i, b));
}
