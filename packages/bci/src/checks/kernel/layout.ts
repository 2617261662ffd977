/**
 * Where everything of a streaming check lives in the kernel's memory (byte offsets, 16-byte aligned), and the
 * filter coefficients written there as f32x4 splats. Rows are time-major with Cp = C rounded up to 16 channels; the
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
  /** Rows per kernel call (the input buffer holds this many). */
  pieceFrames: number;
  /** Whether the spike band is given (a second input buffer holds it) rather than filtered here. */
  bandGiven: boolean;
  /** Every n-th block row goes to the channel-major noise/correlation copy. */
  noiseSubsample: number;
  decim: number;
  spikeNotch: NotchSpec;
  spikeBandPass: Sos;
  lfpNotches: NotchSpec[];
  lfpRateHz: number;
  /**
   * One band-pass per LFP band (all with the same number of sections), each run on the mean of `decimation` LFP
   * rows (1, 4 or 8; designed for that rate), in kernel order: decimation 1, then 4, then 8.
   */
  lfpBands: { sos: Sos; decimation: 1 | 4 | 8 }[];
  /** Pairs for the short search, grouped four per first channel. */
  quadCount: number;
  medianBins: number;
}

export interface CheckLayout {
  bytes: number;
  C: number;
  Cp: number;
  rowBytes: number;
  /** Spike band sections after the notch. */
  nbp: number;
  /** LFP sections per band. */
  spb: number;
  nBands: number;
  /** LFP bands per rate (full, /4, /8). */
  n1: number;
  n4: number;
  n8: number;
  nNotch: number;
  /** LFP rows one piece can give. */
  lfpCap: number;
  /** Rows in the channel-major copy of a full block, and bytes per channel there (a multiple of 16). */
  gRows: number;
  gStride: number;
  evCap: number;
  /** [stateStart, stateEnd): the kernels' state that checking a block changes (snapshots for partial reports). */
  stateStart: number;
  stateEnd: number;
  z: number;
  box: number;
  railed: number;
  lfpZ: number;
  pow: number;
  line: number;
  chan: number;
  quadSums: number;
  thr: number;
  trig: number;
  active: number;
  minVal: number;
  minIdx: number;
  startIdx: number;
  dead: number;
  /** Index of each channel's last sample in a spike (f64), for detection from candidates. */
  last: number;
  /** Candidate threshold per channel (f32), candidate count (i32). */
  candThr: number;
  candCount: number;
  /** Every noiseSubsample-th row of the block's spike band (gRows × rowBytes). */
  compact: number;
  /** Candidate entries: (i32 row, i32 group) × B·Cp/4 (the most a block can give); their values share `band`. */
  candKeys: number;
  coef: number;
  nCoef: number;
  bCoef: number;
  /**
   * Raw rows of the current piece, the given spike band of the piece (or 0 bytes), the block's spike band (whole
   * rows when the block is kept whole, else the candidate entries' values).
   */
  input: number;
  given: number;
  band: number;
  lfp: number;
  sc: number;
  G: number;
  sums: number;
  zero: number;
  counts: number;
  /** The noise samples' histogram bins (a byte each) for the median's second pass. */
  bins: number;
  sel: number;
  ev: number;
  evCount: number;
  quads: number;
}

export function checkLayout(s: CheckLayoutSpec): CheckLayout {
  const C = s.channelCount;
  const Cp = Math.ceil(C / 16) * 16; // whole 64-byte lines per row
  const rowBytes = Cp * 4;
  const groups = Cp / 4;
  const nbp = s.spikeBandPass.length / 6;
  const spb = s.lfpBands.length ? s.lfpBands[0]!.sos.length / 6 : 0;
  if (s.lfpBands.some((b) => b.sos.length / 6 !== spb))
    throw new Error('check layout: LFP bands differ in sections');
  const nBands = s.lfpBands.length;
  const count = (d: number): number => s.lfpBands.filter((b) => b.decimation === d).length;
  const [n1, n4, n8] = [count(1), count(4), count(8)];
  const order = s.lfpBands.map((b) => b.decimation);
  if (order.some((d, i) => i > 0 && d < order[i - 1]!))
    throw new Error('check layout: LFP bands out of rate order');
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
  const stateStart = off;
  const state = {
    z: alloc(groups * (1 + nbp) * 32),
    box: alloc(rowBytes),
    railed: alloc(rowBytes),
    lfpZ: alloc(groups * ((nNotch + nBands * spb) * 32 + 32)), // + the two box sums
    pow: alloc(groups * nBands * 32),
    line: alloc(groups * 64),
    chan: alloc(Cp * 16),
    quadSums: alloc(s.quadCount * 32),
    thr: alloc(Cp * 4),
    trig: alloc(Cp * 4),
    active: alloc(Cp * 4),
    minVal: alloc(Cp * 4),
    minIdx: alloc(Cp * 8),
    startIdx: alloc(Cp * 8),
    dead: alloc(Cp * 8),
    last: alloc(Cp * 8),
  };
  const stateEnd = off;
  const l = {
    C, Cp, rowBytes, nbp, spb, nBands, n1, n4, n8, nNotch, lfpCap, gRows, gStride, evCap, stateStart, stateEnd,
    ...state,
    coef: alloc(64 + nbp * 96),
    nCoef: alloc(nNotch * 64),
    bCoef: alloc(nBands * spb * 80),
    input: alloc(s.pieceFrames * rowBytes),
    given: alloc(s.bandGiven ? s.pieceFrames * rowBytes : 0),
    band: alloc(s.blockLen * rowBytes),
    compact: alloc(gRows * rowBytes),
    candKeys: alloc(s.blockLen * groups * 8),
    candThr: alloc(Cp * 4),
    candCount: alloc(16),
    lfp: alloc(lfpCap * rowBytes),
    sc: alloc(lfpCap * 16),
    G: alloc((Cp + 1) * gStride), // row Cp stays 0: the partner of padded quads
    sums: alloc(Cp * 4),
    zero: alloc(64), // a zero line: rows past the end of a gather read it
    counts: alloc(s.medianBins * 4),
    bins: alloc(gRows + 16),
    sel: alloc(gRows * 4 + 16),
    ev: alloc(evCap * 16),
    evCount: alloc(16),
    quads: alloc(s.quadCount * 20),
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
  /** Five splats per section (b0 b1 b2 a1 a2), `stride` bytes apart; spike-band sections (96) add their kind. */
  const sections = (at: number, sos: Sos, stride: 80 | 96): void => {
    for (let k = 0; k < sos.length / 6; k++) {
      [0, 1, 2, 4, 5].forEach((j, i) => splat(at + stride * k + 16 * i, sos[6 * k + j]!));
      if (stride === 96) new Int32Array(buf).fill(sectionKind(sos, k), (at + 96 * k + 80) >> 2, (at + 96 * k + 96) >> 2); // prettier-ignore
    }
  };
  notch(l.coef, s.spikeNotch, s.sampleRateHz);
  sections(l.coef + 64, s.spikeBandPass, 96); // see spike_rows in check.wat
  s.lfpNotches.forEach((n, i) => notch(l.nCoef + 64 * i, n, s.lfpRateHz));
  s.lfpBands.forEach((b, i) => sections(l.bCoef + 80 * l.spb * i, b.sos, 80));
}

/** 2: b = [1, −2, 1]; 1: b = b0·[1, 2, 1] (exactly, in single precision); 0: anything else. */
export function sectionKind(sos: Sos, k: number): 0 | 1 | 2 {
  const [b0, b1, b2] = [0, 1, 2].map((j) => Math.fround(sos[6 * k + j]!));
  if (b0 === 1 && b1 === -2 && b2 === 1) return 2;
  if (b1 === 2 * b0! && b2 === b0) return 1;
  return 0;
}

/** Copies `frames` time-major rows of C channels from `src` into `dst` at byte `at`, as rows of Cp floats. */
export function copyRowsPadded(
  dst: Float32Array,
  src: Float32Array,
  frames: number,
  C: number,
  Cp: number,
  at: number,
): void {
  // prettier-ignore
  if (C === Cp) dst.set(src.subarray(0, frames * C), at >> 2);
  else for (let t = 0; t < frames; t++) dst.set(src.subarray(t * C, (t + 1) * C), (at >> 2) + t * Cp);
}
