/**
 * The streaming signal checker. `push(chunk)` takes time-major µV samples in chunks of any size (even partial
 * frames); `metrics()` / `report()` give what a single pass over everything pushed so far gives. Every per-sample
 * computation is causal and runs in the same order whatever the chunking (filter states carried over, noise blocks
 * aligned to sample 0, sums accumulated in a fixed order), so chunked and whole results are identical.
 *
 * Per channel: spike band (notch at the mains fundamental + Butterworth band-pass, optional common average
 * reference) → per-block σ = median|x|/0.6745 → negative threshold crossings at −k·σ with a dead time, aligned to
 * the trough; rail counts on the raw signal (every noiseSubsample-th sample); LFP: boxcar decimation to ≈2 kHz,
 * mains notches (3 harmonics), band powers delta…high gamma (delta…beta on 8-row and gamma on 4-row means); mains
 * amplitude by lock-in; spike-band correlations between candidate pairs.
 *
 * The per-sample work runs in the check kernels (src/dsp/wasm/check.wat: WebAssembly SIMD, four channels per
 * vector, in single precision; or their bit-identical JavaScript reference) over time-major rows in the kernel's
 * memory; this class keeps the bookkeeping: blocks, noise medians, spike lists, correlations and the report.
 * Single precision is what the recordings hold; the spike band's notch uses a form that keeps it exact enough
 * (the band differs from scipy's double-precision sosfilt by < 0.01 µV under 500 µV of mains; test/kernel.test.ts).
 * The threshold of a block is −k·max(σ, 0.8·σ of the block before): it falls by at most 20 % per block, so a quiet
 * block after a loud one (an artefact ending) does not flood detections, and blocks after the first need to keep
 * only the samples below 0.8 of the previous threshold ("candidates") instead of the whole block: detection from
 * them is exact (test/kernel.test.ts compares both ways).
 */
import { butterSos } from '../dsp/butter.ts';
import { MAD_TO_SIGMA, medianFromHistogram, medianInPlace } from '../dsp/mad.ts';
import type { CheckKernel } from './kernel/checkKernel.ts';
import { createCheckKernel, releaseCheckKernel } from './kernel/checkKernel.ts';
import { JsCheckKernel } from './kernel/checkKernelJs.ts';
import type { CheckLayout, CheckLayoutSpec } from './kernel/layout.ts';
import { checkLayout, copyRowsPadded, writeCoefficients } from './kernel/layout.ts';
import type { RecordingChannel } from '../recording.ts';
import type { CheckOptions, LfpBand, LfpBandPower } from './options.ts';
import { LFP_BANDS, resolveCheckOptions } from './options.ts';

export interface StreamLayout {
  sampleRateHz: number;
  channels: RecordingChannel[];
  /**
   * 'filter' (default): `push` raw samples and the checker filters the spike band (causal); 'given': the spike band
   * comes with them through `pushWithSpikeBand` (e.g. a zero-phase band of an offline recording).
   */
  spikeBand?: 'filter' | 'given';
}

/** What the checker measured on one channel (before any verdict). */
export interface ChannelMetrics {
  noiseUv: number;
  spikeCount: number;
  spikeRateHz: number;
  /** Median |trough| of detected spikes / noise σ (null without spikes). */
  unitSnr: number | null;
  railedFraction: number;
  lineNoiseUv: number;
  lfpBandPowerUv2: LfpBandPower;
  /** RMS of the LFP in 13–80 Hz (beta + gamma), µV. */
  lfpUv: number;
  /** Most correlated candidate partner in the spike band (null when none was searched). */
  bestPartner: number | null;
  bestCorrelation: number | null;
}

export interface StreamMetrics {
  sampleCount: number;
  durationS: number;
  channels: ChannelMetrics[];
  /** Spike trough sample indices per channel. */
  spikeSamples: number[][];
  /** Mains: median amplitude over channels and phase coherence (|mean unit phasor|: 1 = common mode). */
  lineNoise: { frequencyHz: number; medianAmplitudeUv: number; phaseCoherence: number };
}

const BANDS = Object.keys(LFP_BANDS) as LfpBand[];
/** Rows per kernel call: the piece in the kernel's memory (2 MiB at 1024 channels) stays in the core's L2 cache. */
const PIECE = 512;
/**
 * The short search correlates every fourth run of four noise samples (block rows 0, 4, 8, 12, then 64…76, …: one
 * sample in 16 on average). Shorted contacts correlate at r ≈ 1, healthy neighbours well below the 0.9 threshold;
 * 1,875 samples per second pin r down to ±0.035 (2 SE via Fisher's z, at r = 0.5) within one second.
 */
const CORR_VECTOR_STEP = 4;
/** Candidates of a block lie below this fraction of the previous block's threshold (see `startBlock`). */
const CAND_MARGIN = 0.8;
let candidatesOn = true;

/**
 * Switches detection from candidates off/on for checkers created afterwards (tests, benchmarks): off, every block is
 * kept whole and scanned, which gives the same results more slowly.
 */
export function setCandidateDetection(on: boolean): void {
  candidatesOn = on;
}

/** Histogram bins of the noise median, over [0, 2·mean|x|) (the last one open): median|x| ≈ 0.85·mean|x| for noise. */
const MEDIAN_BINS = 256;

export class SignalChecker {
  readonly options: CheckOptions;
  readonly channelCount: number;
  readonly sampleRateHz: number;
  /** Whether the WebAssembly kernel runs (else the JavaScript reference). */
  readonly usesWasm: boolean;
  private readonly C: number;
  private readonly k: CheckKernel;
  private readonly L: CheckLayout;
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly blockLen: number;
  private blockFill = 0;
  private samples = 0; // frames in completed blocks
  private readonly pending: Float32Array; // partial frame
  private pendingLen = 0;
  private readonly sigmas: number[][];
  private readonly spikeTimes: number[][];
  private readonly spikeAmps: number[][];
  private readonly maxWidth: number;
  private readonly refractory: number;
  private readonly railThr: number;
  private readonly railedDone: Float64Array; // railed samples flushed from the kernel's i32 counters
  // LFP path.
  private readonly decim: number;
  private readonly invD: number;
  private readonly lfpRate: number;
  private boxFill = 0;
  private lfpSamples = 0;
  private readonly lfpSettle: number;
  private readonly lfpBandOrder: { band: LfpBand; decimation: 1 | 4 | 8 }[];
  // Short search: pair p is slot quadSlot[p] of the kernel's quads.
  private readonly pairA: Int32Array;
  private readonly pairB: Int32Array;
  private readonly quadSlot: Int32Array;
  private readonly quadCount: number;
  private corrCount = 0;
  private readonly bandGiven: boolean;
  private readonly car: boolean;
  /** Whether the current block keeps its whole spike band (else candidates only). */
  private whole = true;
  private readonly candidates: boolean;

  constructor(
    layout: StreamLayout,
    options: Partial<CheckOptions> = {},
    private readonly source = 'signal checker',
    /** wasm: false runs the kernels' JavaScript reference (default: WebAssembly where available). */
    engine: { wasm?: boolean } = {},
  ) {
    const o = resolveCheckOptions(options);
    this.options = o;
    const fs = layout.sampleRateHz;
    const C = layout.channels.length;
    if (!(fs > 0)) throw new Error(`${source}: sample rate must be positive, got ${fs}`);
    if (C < 1) throw new Error(`${source}: no channels`);
    if (!(o.thresholdSigma > 0)) throw new Error(`${source}: threshold must be a positive number of σ`);
    if (!(Number.isInteger(o.noiseSubsample) && o.noiseSubsample >= 1))
      throw new Error(`${source}: noiseSubsample must be a positive integer, got ${o.noiseSubsample}`);
    this.C = C;
    this.channelCount = C;
    this.bandGiven = layout.spikeBand === 'given';
    this.car = o.commonAverageReference && C > 1;
    this.candidates = candidatesOn && !this.car;
    this.sampleRateHz = fs;
    const hi = Math.min(o.spikeBandHz[1], fs * 0.45);
    this.blockLen = Math.max(16, Math.round(o.noiseBlockS * fs));
    this.pending = new Float32Array(C);
    this.sigmas = Array.from({ length: C }, () => []);
    this.spikeTimes = Array.from({ length: C }, () => []);
    this.spikeAmps = Array.from({ length: C }, () => []);
    this.maxWidth = Math.max(1, Math.round(0.0005 * fs));
    this.refractory = Math.max(1, Math.round(o.refractoryS * fs));
    this.railThr = Math.fround(o.railUv * 0.999);
    this.railedDone = new Float64Array(C);
    this.decim = Math.max(1, Math.round(fs / 2000));
    this.invD = Math.fround(1 / this.decim);
    this.lfpRate = fs / this.decim;
    this.lfpSettle = Math.round(0.25 * this.lfpRate);
    // Each band runs at the slowest of LFP rate, /4, /8 that holds it (top ≤ 0.4 of the rate): the mean of 4 or 8
    // rows is its anti-alias filter (−0.4 dB at the top of gamma, −0.2 dB at the top of beta).
    this.lfpBandOrder = BANDS.map((band) => {
      const top = LFP_BANDS[band][1];
      const decimation: 1 | 4 | 8 = ([8, 4] as const).find((d) => top <= 0.4 * (this.lfpRate / d)) ?? 1;
      return { band, decimation };
    }).sort((a, b) => a.decimation - b.decimation);
    // Candidate pairs for the short search, in quads sharing their first channel.
    const mode = o.shortSearch === 'auto' ? (C <= 256 ? 'all' : 'electrode') : o.shortSearch;
    const a: number[] = [];
    const b: number[] = [];
    const quads: number[] = [];
    const slot: number[] = [];
    for (let i = 0; i < C; i++) {
      const partners: number[] = [];
      for (let j = i + 1; j < C; j++)
        if (
          mode === 'all' ||
          j === i + 1 ||
          layout.channels[i]!.electrodeId === layout.channels[j]!.electrodeId
        )
          partners.push(j);
      for (let q = 0; q < partners.length; q += 4) {
        const at = quads.length / 5;
        quads.push(i);
        for (let k = 0; k < 4; k++) {
          const j = partners[q + k];
          quads.push(j ?? Math.ceil(C / 16) * 16); // the always-zero row (channel Cp)
          if (j !== undefined) {
            a.push(i);
            b.push(j);
            slot.push(4 * at + k);
          }
        }
      }
    }
    this.pairA = Int32Array.from(a);
    this.pairB = Int32Array.from(b);
    this.quadSlot = Int32Array.from(slot);
    this.quadCount = quads.length / 5;
    const spec: CheckLayoutSpec = {
      channelCount: C,
      sampleRateHz: fs,
      blockLen: this.blockLen,
      pieceFrames: PIECE,
      bandGiven: this.bandGiven,
      noiseSubsample: o.noiseSubsample,
      decim: this.decim,
      spikeNotch: { frequencyHz: o.lineFrequencyHz, quality: o.notchQ },
      spikeBandPass: butterSos(o.spikeFilterOrder, [o.spikeBandHz[0], hi], 'bandpass', fs),
      lfpNotches: [1, 2, 3]
        .map((h) => h * o.lineFrequencyHz)
        .filter((f) => f < this.lfpRate * 0.45)
        .map((f) => ({ frequencyHz: f, quality: o.notchQ })),
      lfpRateHz: this.lfpRate,
      lfpBands: this.lfpBandOrder.map(({ band, decimation }) => {
        const [lo, top] = LFP_BANDS[band];
        const rate = this.lfpRate / decimation;
        return { sos: butterSos(2, [lo, Math.min(top, rate * 0.45)], 'bandpass', rate), decimation };
      }),
      quadCount: quads.length / 5,
      medianBins: MEDIAN_BINS,
    };
    this.L = checkLayout(spec);
    // Read before written: the state, the pads of input rows, the zero row of G and the zero line.
    const L = this.L;
    this.k = createCheckKernel(L.bytes, engine.wasm, [
      [L.stateStart, L.stateEnd],
      [L.input, L.band],
      [L.G + L.Cp * L.gStride, L.G + (L.Cp + 1) * L.gStride],
      [L.zero, L.zero + 64],
      [L.candCount, L.candCount + 16],
    ]);
    this.usesWasm = !(this.k instanceof JsCheckKernel);
    this.f32 = new Float32Array(this.k.buffer);
    this.i32 = new Int32Array(this.k.buffer);
    this.f64 = new Float64Array(this.k.buffer);
    writeCoefficients(this.k.buffer, this.L, spec);
    this.i32.set(quads, this.L.quads >> 2);
    // Pad channels never cross a threshold.
    this.f32.fill(-Infinity, (this.L.thr >> 2) + C, (this.L.thr >> 2) + this.L.Cp);
    this.f32.fill(-Infinity, (this.L.trig >> 2) + C, (this.L.trig >> 2) + this.L.Cp);
  }

  /** Feeds time-major µV samples; any length, frames may be split across calls. */
  push(chunk: ArrayLike<number>): void {
    const C = this.C;
    let off = 0;
    if (this.pendingLen > 0) {
      const take = Math.min(C - this.pendingLen, chunk.length);
      for (let i = 0; i < take; i++) this.pending[this.pendingLen + i] = chunk[i]!;
      this.pendingLen += take;
      off = take;
      if (this.pendingLen < C) return;
      this.pendingLen = 0;
      this.ingest(this.pending, 1, null);
    }
    const frames = Math.floor((chunk.length - off) / C);
    if (frames > 0) {
      const view =
        chunk instanceof Float32Array
          ? chunk.subarray(off, off + frames * C)
          : Float32Array.from({ length: frames * C }, (_, i) => chunk[off + i]!);
      this.ingest(view, frames, null);
    }
    const rest = chunk.length - off - frames * C;
    for (let i = 0; i < rest; i++) this.pending[i] = chunk[off + frames * C + i]!;
    this.pendingLen = rest;
  }

  /**
   * Feeds raw samples together with their already filtered spike band (same layout), e.g. the zero-phase
   * band of an offline recording. Do not mix with `push` in one checker.
   */
  pushWithSpikeBand(raw: Float32Array, spikeBand: Float32Array): void {
    if (raw.length !== spikeBand.length || raw.length % this.C !== 0)
      throw new Error(`${this.source}: raw and spike-band chunks must hold the same whole frames`);
    this.ingest(raw, raw.length / this.C, spikeBand);
  }

  /**
   * Pieces of ≤ PIECE rows, copied into the kernel's memory (they stay in cache), go through box/rail sums, the
   * spike band (filtered, or the given band) into the block and the LFP at once; each full block is then checked.
   */
  private ingest(raw: Float32Array, frames: number, spikeBand: Float32Array | null): void {
    if (this.disposed) throw new Error(`${this.source}: the checker was disposed`);
    if (!spikeBand !== !this.bandGiven)
      throw new Error(`${this.source}: ${this.bandGiven ? 'this checker takes its spike band given (pushWithSpikeBand)' : 'this checker filters the spike band itself (push)'}`); // prettier-ignore
    const C = this.C;
    const L = this.L;
    const B = this.blockLen;
    for (let t = 0; t < frames;) {
      if (this.blockFill === 0) this.startBlock();
      const n = Math.min(frames - t, B - this.blockFill, PIECE);
      copyRowsPadded(this.f32, raw.subarray(t * C, (t + n) * C), n, C, L.Cp, L.input);
      if (spikeBand) copyRowsPadded(this.f32, spikeBand.subarray(t * C, (t + n) * C), n, C, L.Cp, L.given);
      const rows = this.whole ? L.band + this.blockFill * L.rowBytes : 0;
      const emitted = this.k.spike_rows(
        L.input, L.rowBytes, rows, L.rowBytes, L.rowBytes, n, L.z, L.coef, L.nbp, L.box, L.railed, this.railThr,
        L.lfp, this.decim, this.boxFill, this.invD, spikeBand ? 0 : 1, L.given, this.blockFill,
        this.options.noiseSubsample, L.compact, this.whole ? 0 : L.candThr, L.candKeys, L.band, L.candCount,
      ); // prettier-ignore
      this.boxFill = (this.boxFill + n) % this.decim;
      if (this.car) this.k.car_rows(rows, n, L.rowBytes, C);
      if (emitted > 0) this.lfpRows(emitted);
      this.blockFill += n;
      t += n;
      if (this.blockFill === B) {
        this.processBlock(B);
        this.samples += B;
        this.blockFill = 0;
        // Flush the kernel's railed counters (i32) into doubles, block by block.
        const r = L.railed >> 2;
        for (let c = 0; c < C; c++) this.railedDone[c] = this.railedDone[c]! + this.i32[r + c]!;
        this.i32.fill(0, r, r + L.Cp);
      }
    }
  }

  /** Mains lock-in, notches and band powers over the `n` LFP rows the last spike_rows call wrote. */
  private lfpRows(n: number): void {
    const L = this.L;
    const w = (2 * Math.PI * this.options.lineFrequencyHz) / this.lfpRate;
    for (let j = 0; j < n; j++) {
      const idx = this.lfpSamples + j;
      this.f64[(L.sc >> 3) + 2 * j] = Math.sin(w * idx);
      this.f64[(L.sc >> 3) + 2 * j + 1] = Math.cos(w * idx);
    }
    const settle = Math.max(0, this.lfpSettle - this.lfpSamples);
    this.k.lfp_rows(
      L.lfp, n, L.rowBytes, L.lfpZ, L.nCoef, L.nNotch, L.bCoef, L.n1, L.n4, L.n8, L.spb, L.pow, settle, L.line,
      L.sc, this.lfpSamples % 8,
    ); // prettier-ignore
    this.lfpSamples += n;
  }

  /**
   * A block is kept whole (every row of its spike band, then one scan) when there is no earlier block (no σ to go
   * by yet) or with the common average reference; otherwise only the candidates: groups of 4 channels with a
   * sample below CAND_MARGIN · (the previous block's threshold). The block's own threshold never lies above that
   * (`blockThreshold`), so the candidates hold every sample below it and detection from them is exact.
   */
  private startBlock(): void {
    const L = this.L;
    this.whole = !this.candidates || this.samples === 0;
    this.i32[L.candCount >> 2] = 0;
    if (this.whole) return;
    const k = this.options.thresholdSigma;
    for (let c = 0; c < this.C; c++) {
      const prev = this.sigmas[c]!;
      this.f32[(L.candThr >> 2) + c] = -k * (CAND_MARGIN * prev[prev.length - 1]!);
    }
    this.f32.fill(NaN, (L.candThr >> 2) + this.C, (L.candThr >> 2) + L.Cp);
  }

  /** −k·max(σ, CAND_MARGIN·σ of the block before): the threshold falls by at most 20 % from block to block. */
  private blockThreshold(c: number, sigma: number): number {
    const prev = this.sigmas[c]!;
    const floor = prev.length ? CAND_MARGIN * prev[prev.length - 1]! : -Infinity;
    return -this.options.thresholdSigma * Math.max(sigma, floor);
  }

  /** Noise σ, threshold crossings and correlation sums over the first `len` rows of the block. */
  private processBlock(len: number): void {
    const C = this.C;
    const L = this.L;
    const k = this.k;
    const step = this.options.noiseSubsample;
    const n = Math.ceil(len / step);
    const nVec = Math.ceil(n / 4);
    if (this.whole) k.gather(L.band, n, step * L.rowBytes, L.rowBytes, L.G, L.gStride, L.zero);
    else k.gather(L.compact, n, L.rowBytes, L.rowBytes, L.G, L.gStride, L.zero);
    k.chan_sums(L.G, L.gStride, nVec, CORR_VECTOR_STEP, C, L.chan, L.sums);
    const sig = new Float64Array(C);
    const thr = L.thr >> 2;
    for (let c = 0; c < C; c++) {
      const sigma = this.medianAbs(c, n) * MAD_TO_SIGMA;
      sig[c] = sigma;
      this.f32[thr + c] = this.blockThreshold(c, sigma);
      this.sigmas[c]!.push(sigma);
    }
    const evCount = L.evCount >> 2;
    const end = this.samples + len; // absolute index after the block's last row
    const active = L.active >> 2;
    const last = L.last >> 3;
    const drain = (): void => {
      const m = this.i32[evCount]!;
      for (let e = 0; e < m; e++) {
        const c = this.i32[(L.ev >> 2) + 4 * e]!;
        this.spikeTimes[c]!.push(this.f64[(L.ev >> 3) + 2 * e + 1]!);
        this.spikeAmps[c]!.push(-this.f32[(L.ev >> 2) + 4 * e + 1]! / sig[c]!);
      }
      this.i32[evCount] = 0;
    };
    this.i32[evCount] = 0;
    if (this.whole) {
      for (let c = 0; c < C; c++)
        this.f32[(L.trig >> 2) + c] = this.i32[active + c] ? NaN : this.f32[thr + c]!;
      for (let r = 0; r < len;) {
        r = k.detect(
          L.band, r, len, L.rowBytes, C, L.thr, L.trig, L.active, L.minVal, L.minIdx, L.startIdx, L.dead,
          this.samples, this.maxWidth, this.refractory, L.ev, L.evCap, L.evCount,
        ); // prettier-ignore
        drain();
      }
      // Spikes still open reached the block's last row.
      for (let c = 0; c < C; c++) if (this.i32[active + c]) this.f64[last + c] = end - 1;
    } else {
      const nEnt = this.i32[L.candCount >> 2]!;
      for (let e = 0; e < nEnt;) {
        e = k.detect_cand(
          L.candKeys, L.band, e, nEnt, C, L.thr, L.active, L.minVal, L.minIdx, L.startIdx, L.dead, L.last,
          this.samples, this.maxWidth, this.refractory, L.ev, L.evCap, L.evCount,
        ); // prettier-ignore
        drain();
      }
      // A spike whose last sample lies before the block's last row ended at the sample after it (not a candidate).
      for (let c = 0; c < C; c++)
        if (this.i32[active + c] && this.f64[last + c]! < end - 1) {
          this.spikeTimes[c]!.push(this.f64[(L.minIdx >> 3) + c]!);
          this.spikeAmps[c]!.push(-this.f32[(L.minVal >> 2) + c]! / sig[c]!);
          this.i32[active + c] = 0;
          this.f64[(L.dead >> 3) + c] = this.f64[(L.minIdx >> 3) + c]! + this.refractory;
        }
    }
    k.corr_quads(L.G, L.gStride, nVec, CORR_VECTOR_STEP, L.quads, this.quadCount, L.quadSums);
    // Noise samples correlated: those (j < n) of every CORR_VECTOR_STEP-th vector of four.
    for (let v = 0; v < nVec; v += CORR_VECTOR_STEP) this.corrCount += Math.min(4, n - 4 * v);
  }

  /** Median |x| of channel c's first n rows in the channel-major copy (exact, via a histogram). */
  private medianAbs(c: number, n: number): number {
    const L = this.L;
    const x = L.G + c * L.gStride;
    const mean = this.f32[(L.sums >> 2) + c]! / n;
    const s = Math.fround(MEDIAN_BINS / (2 * mean));
    const sel = this.f32.subarray(L.sel >> 2, (L.sel >> 2) + n);
    if (!(s > 0 && Number.isFinite(s))) {
      for (let i = 0; i < n; i++) sel[i] = Math.abs(this.f32[(x >> 2) + i]!);
      return medianInPlace(sel, n);
    }
    this.i32.fill(0, L.counts >> 2, (L.counts >> 2) + MEDIAN_BINS);
    this.k.hist(x, n, s, L.counts, MEDIAN_BINS, L.bins);
    const counts = this.i32.subarray(L.counts >> 2, (L.counts >> 2) + MEDIAN_BINS);
    return medianFromHistogram(sel, n, s, counts, sel, (bLo, bHi) =>
      this.k.collect(x, L.bins, n, bLo, bHi, L.sel),
    );
  }

  /** Gives the kernel's memory back for the next checker; this one cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    releaseCheckKernel(this.k);
  }

  private disposed = false;

  /** Metrics over everything pushed so far (a partial noise block included), without changing the state. */
  metrics(): StreamMetrics {
    if (this.disposed) throw new Error(`${this.source}: the checker was disposed`);
    const C = this.C;
    const L = this.L;
    // Check the partial block on a snapshot of the state, then roll back.
    let restore: (() => void) | null = null;
    if (this.blockFill > 0) {
      const spikes = this.spikeTimes.map((x) => x.length);
      const bytes = new Uint8Array(this.k.buffer);
      const state = bytes.slice(L.stateStart, L.stateEnd);
      const saved = this.corrCount;
      this.processBlock(this.blockFill);
      restore = () => {
        this.spikeTimes.forEach((x, c) => (x.length = spikes[c]!));
        this.spikeAmps.forEach((x, c) => (x.length = spikes[c]!));
        this.sigmas.forEach((x) => x.pop());
        bytes.set(state, L.stateStart);
        this.corrCount = saved;
      };
    }
    const total = this.samples + this.blockFill;
    const durationS = total / this.sampleRateHz;
    // Rails are counted on the noise rows (every noiseSubsample-th row of each block).
    const step = this.options.noiseSubsample;
    const noiseRows =
      (this.samples / this.blockLen) * Math.ceil(this.blockLen / step) + Math.ceil(this.blockFill / step);
    const channels: ChannelMetrics[] = [];
    const spikeSamples: number[][] = [];
    const best: { p: number; r: number }[] = Array.from({ length: C }, () => ({ p: -1, r: -Infinity }));
    const n = this.corrCount;
    if (n > 2) {
      const cs = this.f64.subarray(L.chan >> 3, (L.chan >> 3) + 2 * L.Cp);
      const qs = this.f64.subarray(L.quadSums >> 3, (L.quadSums >> 3) + 4 * this.quadCount);
      for (let p = 0; p < this.pairA.length; p++) {
        const a = this.pairA[p]!;
        const b = this.pairB[p]!;
        const cov = qs[this.quadSlot[p]!]! - (cs[2 * a]! * cs[2 * b]!) / n;
        const va = cs[2 * a + 1]! - cs[2 * a]! ** 2 / n;
        const vb = cs[2 * b + 1]! - cs[2 * b]! ** 2 / n;
        const r = va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
        if (r > best[a]!.r) best[a] = { p: b, r };
        if (r > best[b]!.r) best[b] = { p: a, r };
      }
    }
    let phasorRe = 0;
    let phasorIm = 0;
    const lineAmps: number[] = [];
    const railed = L.railed >> 2;
    for (let c = 0; c < C; c++) {
      // A crossing still open at the end is not counted yet (it is once the signal returns above threshold).
      const times = this.spikeTimes[c]!.slice();
      const amps = this.spikeAmps[c]!;
      const sig = this.sigmas[c]!.slice();
      const noiseUv = sig.length ? medianOf(sig) : NaN;
      const gi = c >> 2;
      const lane = c & 3;
      const pow = {} as LfpBandPower;
      this.lfpBandOrder.forEach(({ band, decimation: d }, bi) => {
        const sum = this.f64[(L.pow >> 3) + (gi * L.nBands + bi) * 4 + lane]!;
        // Outputs counted: rows i ≥ settle with i mod d = d − 1.
        const n = Math.max(0, Math.floor(this.lfpSamples / d) - Math.floor(this.lfpSettle / d));
        pow[band] = n ? sum / n : 0;
      });
      const lp = (L.line >> 3) + gi * 8 + lane;
      const li = this.lfpSamples ? (2 * this.f64[lp]!) / this.lfpSamples : 0;
      const lq = this.lfpSamples ? (2 * this.f64[lp + 4]!) / this.lfpSamples : 0;
      const lineNoiseUv = Math.hypot(li, lq);
      lineAmps.push(lineNoiseUv);
      if (lineNoiseUv > 0) {
        phasorRe += li / lineNoiseUv;
        phasorIm += lq / lineNoiseUv;
      }
      channels.push({
        noiseUv,
        spikeCount: times.length,
        spikeRateHz: durationS > 0 ? times.length / durationS : 0,
        unitSnr: amps.length ? medianOf(amps) : null,
        railedFraction: noiseRows ? (this.railedDone[c]! + this.i32[railed + c]!) / noiseRows : 0,
        lineNoiseUv,
        lfpBandPowerUv2: pow,
        lfpUv: Math.sqrt(pow.beta + pow.gamma),
        bestPartner: best[c]!.p >= 0 ? best[c]!.p : null,
        bestCorrelation: best[c]!.p >= 0 ? best[c]!.r : null,
      });
      spikeSamples.push(times);
    }
    restore?.();
    return {
      sampleCount: total,
      durationS,
      channels,
      spikeSamples,
      lineNoise: {
        frequencyHz: this.options.lineFrequencyHz,
        medianAmplitudeUv: lineAmps.length ? medianOf(lineAmps) : 0,
        phaseCoherence: C ? Math.hypot(phasorRe, phasorIm) / C : 0,
      },
    };
  }
}

function medianOf(xs: number[]): number {
  const a = Float64Array.from(xs);
  return medianInPlace(a, a.length);
}
