/**
 * The streaming signal checker. `push(chunk)` takes time-major µV samples in chunks of any size (even partial
 * frames); `metrics()` / `report()` give what a single pass over everything pushed so far gives. Every per-sample
 * computation is causal and runs in the same order whatever the chunking (filters with Float64 state, noise
 * blocks aligned to sample 0, sums accumulated sample by sample), so chunked and whole results are identical.
 *
 * Per channel: spike band (notch at the mains fundamental + Butterworth band-pass, optional common average
 * reference) → per-block σ = median|x|/0.6745 → negative threshold crossings at −k·σ with a dead time, aligned to
 * the trough; rail counts on the raw signal; LFP: boxcar decimation to ≈2 kHz, mains notches (3 harmonics), band
 * powers delta…high gamma; mains amplitude by lock-in; spike-band correlations between candidate pairs.
 */
import { butterSos } from '../dsp/butter.ts';
import { MAD_TO_SIGMA, medianInPlace } from '../dsp/mad.ts';
import { concatSos, iirnotchSos } from '../dsp/notch.ts';
import { SosBank } from '../dsp/sos.ts';
import type { RecordingChannel } from '../recording.ts';
import type { CheckOptions, LfpBand, LfpBandPower } from './options.ts';
import { LFP_BANDS, resolveCheckOptions } from './options.ts';

export interface StreamLayout {
  sampleRateHz: number;
  channels: RecordingChannel[];
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
/** Frames per ingest piece (scratch buffers and the filter kernels' I/O buffers hold this many). */
const PIECE = 2048;

export class SignalChecker {
  readonly options: CheckOptions;
  readonly channelCount: number;
  readonly sampleRateHz: number;
  private readonly C: number;
  private readonly spikeBank: SosBank;
  private readonly block: Float32Array; // channel-major C × B
  private readonly blockLen: number;
  private blockFill = 0;
  private samples = 0; // frames consumed
  private readonly pending: Float32Array; // partial frame
  private pendingLen = 0;
  private frameBuf = new Float32Array(0);
  // Detection state.
  private readonly inSpike: Uint8Array;
  private readonly minVal: Float64Array;
  private readonly minIdx: Float64Array;
  private readonly startIdx: Float64Array;
  private readonly deadUntil: Float64Array;
  private readonly sigmas: number[][];
  private readonly spikeTimes: number[][];
  private readonly spikeAmps: number[][];
  private readonly maxWidth: number;
  private readonly refractory: number;
  private readonly scratch: Float32Array;
  // LFP path.
  private readonly decim: number;
  private readonly lfpRate: number;
  private boxFill = 0;
  private lfpSamples = 0;
  private readonly lfpSettle: number;
  private readonly lfpNotch: SosBank;
  private readonly bandBanks: SosBank[];
  private readonly bandPow: Float64Array; // BANDS.length × C
  private readonly lineI: Float64Array;
  private readonly lineQ: Float64Array;
  private lfpBatch = new Float64Array(0);
  private lfpTmp = new Float64Array(0);
  private lfpOut = new Float64Array(0);
  // Short search.
  private readonly pairA: Int32Array;
  private readonly pairB: Int32Array;
  private readonly pairSums: Float64Array; // per pair: sxy
  private readonly chanSums: Float64Array; // per channel: sx, sxx
  private corrCount = 0;

  constructor(
    layout: StreamLayout,
    options: Partial<CheckOptions> = {},
    private readonly source = 'signal checker',
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
    this.sampleRateHz = fs;
    const hi = Math.min(o.spikeBandHz[1], fs * 0.45);
    this.blockLen = Math.max(16, Math.round(o.noiseBlockS * fs));
    // The block lives in the spike bank's kernel memory, so the filter writes straight into it.
    this.spikeBank = new SosBank(
      concatSos(
        iirnotchSos(o.lineFrequencyHz, o.notchQ, fs),
        butterSos(o.spikeFilterOrder, [o.spikeBandHz[0], hi], 'bandpass', fs),
      ),
      C,
      { blockFloats: C * this.blockLen, maxFrames: PIECE, medianFloats: Math.ceil(this.blockLen / o.noiseSubsample) }, // prettier-ignore
    );
    this.block = this.spikeBank.block();
    this.scratch = new Float32Array(this.blockLen);
    this.pending = new Float32Array(C);
    this.inSpike = new Uint8Array(C);
    this.minVal = new Float64Array(C);
    this.minIdx = new Float64Array(C);
    this.startIdx = new Float64Array(C);
    this.deadUntil = new Float64Array(C);
    this.sigmas = Array.from({ length: C }, () => []);
    this.spikeTimes = Array.from({ length: C }, () => []);
    this.spikeAmps = Array.from({ length: C }, () => []);
    this.maxWidth = Math.max(1, Math.round(0.0005 * fs));
    this.refractory = Math.max(1, Math.round(o.refractoryS * fs));
    this.decim = Math.max(1, Math.round(fs / 2000));
    this.lfpRate = fs / this.decim;
    this.lfpSettle = Math.round(0.25 * this.lfpRate);
    const notches = [1, 2, 3]
      .map((h) => h * o.lineFrequencyHz)
      .filter((f) => f < this.lfpRate * 0.45)
      .map((f) => iirnotchSos(f, o.notchQ, this.lfpRate));
    const lfpFrames = Math.ceil(PIECE / this.decim) + 1;
    this.lfpNotch = new SosBank(concatSos(...notches), C, { maxFrames: lfpFrames });
    this.bandBanks = BANDS.map((b) => {
      const [lo, top] = LFP_BANDS[b];
      return new SosBank(butterSos(2, [lo, Math.min(top, this.lfpRate * 0.45)], 'bandpass', this.lfpRate), C, { maxFrames: lfpFrames }); // prettier-ignore
    });
    this.bandPow = new Float64Array(BANDS.length * C);
    this.lineI = new Float64Array(C);
    this.lineQ = new Float64Array(C);
    // Candidate pairs for the short search.
    const mode = o.shortSearch === 'auto' ? (C <= 256 ? 'all' : 'electrode') : o.shortSearch;
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < C; i++)
      for (let j = i + 1; j < C; j++)
        if (
          mode === 'all' ||
          j === i + 1 ||
          layout.channels[i]!.electrodeId === layout.channels[j]!.electrodeId
        ) {
          a.push(i);
          b.push(j);
        }
    this.pairA = Int32Array.from(a);
    this.pairB = Int32Array.from(b);
    this.pairSums = new Float64Array(a.length);
    this.chanSums = new Float64Array(2 * C);
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

  /** Works through long chunks in pieces of ≤ 2048 frames, so scratch buffers stay small (results are the same). */
  private ingest(raw: Float32Array, frames: number, spikeBand: Float32Array | null): void {
    const C = this.C;
    const piece = PIECE;
    for (let t = 0; t < frames; t += piece) {
      const n = Math.min(piece, frames - t);
      this.ingestPiece(
        raw.subarray(t * C, (t + n) * C),
        n,
        spikeBand ? spikeBand.subarray(t * C, (t + n) * C) : null,
      );
    }
  }

  private ingestPiece(raw: Float32Array, frames: number, spikeBand: Float32Array | null): void {
    const C = this.C;
    this.rawMetrics(raw, frames);
    const B = this.blockLen;
    const direct = !spikeBand && !(this.options.commonAverageReference && C > 1);
    let filtered = spikeBand;
    if (!direct && !filtered) {
      if (this.frameBuf.length < frames * C) this.frameBuf = new Float32Array(frames * C);
      filtered = this.frameBuf.subarray(0, frames * C);
      this.spikeBank.process(raw, filtered, frames);
    }
    if (!direct && this.options.commonAverageReference && C > 1) {
      if (spikeBand && filtered === spikeBand) filtered = spikeBand.slice();
      const f = filtered!;
      for (let t = 0; t < frames; t++) {
        let s = 0;
        const base = t * C;
        for (let c = 0; c < C; c++) s += f[base + c]!;
        const m = s / C;
        for (let c = 0; c < C; c++) f[base + c] = f[base + c]! - m;
      }
    }
    // Into the channel-major block (filtering straight into it when possible); process whole blocks.
    let t = 0;
    const blk = this.block;
    while (t < frames) {
      const n = Math.min(frames - t, B - this.blockFill);
      const fill = this.blockFill;
      if (direct) this.spikeBank.processToBlock(raw.subarray(t * C, (t + n) * C), n, blk, B, fill);
      else {
        const f = filtered!;
        // Tiled transpose (32 channels × 64 samples) keeps both sides in cache at 1024 channels.
        for (let c0 = 0; c0 < C; c0 += 32) {
          const c1 = Math.min(C, c0 + 32);
          for (let k0 = 0; k0 < n; k0 += 64) {
            const k1 = Math.min(n, k0 + 64);
            for (let c = c0; c < c1; c++) {
              const row = c * B + fill;
              let src = (t + k0) * C + c;
              for (let k = k0; k < k1; k++, src += C) blk[row + k] = f[src]!;
            }
          }
        }
      }
      this.blockFill += n;
      t += n;
      if (this.blockFill === B) {
        this.processBlock(B, true);
        this.samples += B;
        this.blockFill = 0;
      }
    }
  }

  private rawMetrics(raw: Float32Array, frames: number): void {
    const C = this.C;
    const rail = this.options.railUv * 0.999;
    const box = this.spikeBank.box;
    const d = this.decim;
    const inv = 1 / d;
    const maxOut = Math.floor((this.boxFill + frames) / d);
    if (this.lfpBatch.length < maxOut * C) this.lfpBatch = new Float64Array(maxOut * C);
    const out = this.lfpBatch;
    let nOut = 0;
    // Rails and boxcar sums run in the spike bank (its kernel when available), up to each decimation point.
    for (let t = 0; t < frames;) {
      const n = Math.min(frames - t, d - this.boxFill);
      this.spikeBank.accumulateRaw(raw, t, n, rail);
      t += n;
      this.boxFill += n;
      if (this.boxFill === d) {
        // One decimated LFP sample per channel: the boxcar mean of the last `decim` raw samples.
        this.boxFill = 0;
        const o = nOut * C;
        for (let c = 0; c < C; c++) {
          out[o + c] = box[c]! * inv;
          box[c] = 0;
        }
        nOut++;
      }
    }
    if (nOut > 0) this.lfpBatchProcess(nOut);
  }

  /** Mains lock-in, notches and band powers over `nOut` decimated frames (sums kept in sample order). */
  private lfpBatchProcess(nOut: number): void {
    const C = this.C;
    const x = this.lfpBatch;
    const w = (2 * Math.PI * this.options.lineFrequencyHz) / this.lfpRate;
    for (let j = 0; j < nOut; j++) {
      const idx = this.lfpSamples + j;
      const s = Math.sin(w * idx);
      const co = Math.cos(w * idx);
      const o = j * C;
      for (let c = 0; c < C; c++) {
        this.lineI[c] = this.lineI[c]! + x[o + c]! * s;
        this.lineQ[c] = this.lineQ[c]! + x[o + c]! * co;
      }
    }
    if (this.lfpTmp.length < nOut * C) {
      this.lfpTmp = new Float64Array(nOut * C);
      this.lfpOut = new Float64Array(nOut * C);
    }
    this.lfpNotch.process(x, this.lfpTmp, nOut);
    const first = Math.max(0, this.lfpSettle - this.lfpSamples);
    for (let b = 0; b < this.bandBanks.length; b++) {
      this.bandBanks[b]!.process(this.lfpTmp, this.lfpOut, nOut);
      const o = b * C;
      for (let j = first; j < nOut; j++) {
        const r = j * C;
        for (let c = 0; c < C; c++) this.bandPow[o + c] = this.bandPow[o + c]! + this.lfpOut[r + c]! ** 2;
      }
    }
    this.lfpSamples += nOut;
  }

  /** Noise σ, spike detection and correlation sums over the first `len` samples of the block. */
  private processBlock(len: number, commit: boolean): void {
    const C = this.C;
    const B = this.blockLen;
    const blk = this.block;
    const k = this.options.thresholdSigma;
    const start = this.samples;
    const maxWidth = this.maxWidth;
    const refractory = this.refractory;
    const bank = this.spikeBank;
    for (let c = 0; c < C; c++) {
      const row = c * B;
      const sigma = this.blockSigma(row, len);
      this.sigmas[c]!.push(sigma);
      const thr = -k * sigma;
      let inSpike = this.inSpike[c]!;
      let minVal = this.minVal[c]!;
      let minIdx = this.minIdx[c]!;
      let startIdx = this.startIdx[c]!;
      let dead = this.deadUntil[c]!;
      const times = this.spikeTimes[c]!;
      const amps = this.spikeAmps[c]!;
      let i = 0;
      while (i < len) {
        if (inSpike) {
          const y = blk[row + i]!;
          const idx = start + i;
          if (y < minVal) {
            minVal = y;
            minIdx = idx;
          }
          if (y >= thr || idx - startIdx >= maxWidth) {
            times.push(minIdx);
            amps.push(-minVal / sigma);
            inSpike = 0;
            dead = minIdx + refractory;
          }
          i++;
          continue;
        }
        // Outside a spike: skip the dead time, then scan for the next sample below threshold (the common case
        // by far, kept to one compare per sample).
        if (start + i < dead) i = Math.min(len, dead - start);
        if (i >= len) break;
        i += bank.scanBelow(row + i, len - i, thr);
        if (i < len) {
          inSpike = 1;
          minVal = blk[row + i]!;
          minIdx = start + i;
          startIdx = minIdx;
          i++;
        }
      }
      if (commit) {
        this.inSpike[c] = inSpike;
        this.minVal[c] = minVal;
        this.minIdx[c] = minIdx;
        this.startIdx[c] = startIdx;
        this.deadUntil[c] = dead;
      }
    }
    this.correlate(start, len);
  }

  private blockSigma(row: number, len: number): number {
    const step = this.options.noiseSubsample;
    return this.spikeBank.medianAbsBlock(row, Math.ceil(len / step), step, this.scratch) * MAD_TO_SIGMA;
  }

  /** Correlation sums on every stride-th absolute sample. */
  private correlate(start: number, len: number): void {
    const C = this.C;
    const B = this.blockLen;
    const blk = this.block;
    const stride = this.options.correlationStride;
    const first = (stride - (start % stride)) % stride;
    const cs = this.chanSums;
    for (let c = 0; c < C; c++) {
      const row = c * B;
      let sx = 0;
      let sxx = 0;
      for (let i = first; i < len; i += stride) {
        const v = blk[row + i]!;
        sx += v;
        sxx += v * v;
      }
      cs[2 * c] = cs[2 * c]! + sx;
      cs[2 * c + 1] = cs[2 * c + 1]! + sxx;
    }
    // Pairs sharing their first channel (consecutive in the list) go four at a time: four independent
    // accumulation chains instead of one, each still summed in sample order (same results as one by one).
    const pa = this.pairA;
    const pb = this.pairB;
    const ps = this.pairSums;
    const P = pa.length;
    let p = 0;
    while (p < P) {
      const a = pa[p]!;
      const ra = a * B;
      if (p + 3 < P && pa[p + 3] === a) {
        const r1 = pb[p]! * B;
        const r2 = pb[p + 1]! * B;
        const r3 = pb[p + 2]! * B;
        const r4 = pb[p + 3]! * B;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let s4 = 0;
        for (let i = first; i < len; i += stride) {
          const v = blk[ra + i]!;
          s1 += v * blk[r1 + i]!;
          s2 += v * blk[r2 + i]!;
          s3 += v * blk[r3 + i]!;
          s4 += v * blk[r4 + i]!;
        }
        ps[p] = ps[p]! + s1;
        ps[p + 1] = ps[p + 1]! + s2;
        ps[p + 2] = ps[p + 2]! + s3;
        ps[p + 3] = ps[p + 3]! + s4;
        p += 4;
      } else {
        const rb = pb[p]! * B;
        let sxy = 0;
        for (let i = first; i < len; i += stride) sxy += blk[ra + i]! * blk[rb + i]!;
        ps[p] = ps[p]! + sxy;
        p++;
      }
    }
    this.corrCount += first < len ? Math.floor((len - 1 - first) / stride) + 1 : 0;
  }

  /** Metrics over everything pushed so far (a partial noise block included), without changing the state. */
  metrics(): StreamMetrics {
    const C = this.C;
    // Process the partial block on saved state, then roll back.
    const saved =
      this.blockFill > 0
        ? {
            spikes: this.spikeTimes.map((x) => x.length),
            pair: this.pairSums.slice(),
            chan: this.chanSums.slice(),
            count: this.corrCount,
          }
        : null;
    if (this.blockFill > 0) this.processBlock(this.blockFill, false);
    const total = this.samples + this.blockFill;
    const durationS = total / this.sampleRateHz;
    const lfpCount = Math.max(0, this.lfpSamples - this.lfpSettle);
    const channels: ChannelMetrics[] = [];
    const spikeSamples: number[][] = [];
    const best: { p: number; r: number }[] = Array.from({ length: C }, () => ({ p: -1, r: -Infinity }));
    const n = this.corrCount;
    if (n > 2) {
      const cs = this.chanSums;
      for (let p = 0; p < this.pairA.length; p++) {
        const a = this.pairA[p]!;
        const b = this.pairB[p]!;
        const cov = this.pairSums[p]! - (cs[2 * a]! * cs[2 * b]!) / n;
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
    for (let c = 0; c < C; c++) {
      // A crossing still open at the end is not counted yet (it is once the signal returns above threshold).
      const times = this.spikeTimes[c]!.slice();
      const amps = this.spikeAmps[c]!;
      const sig = this.sigmas[c]!.slice();
      const noiseUv = sig.length ? medianOf(sig) : NaN;
      const pow = {} as LfpBandPower;
      BANDS.forEach((b, bi) => (pow[b] = lfpCount ? this.bandPow[bi * C + c]! / lfpCount : 0));
      const li = this.lfpSamples ? (2 * this.lineI[c]!) / this.lfpSamples : 0;
      const lq = this.lfpSamples ? (2 * this.lineQ[c]!) / this.lfpSamples : 0;
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
        railedFraction: total ? this.spikeBank.railed[c]! / total : 0,
        lineNoiseUv,
        lfpBandPowerUv2: pow,
        lfpUv: Math.sqrt(pow.beta + pow.gamma),
        bestPartner: best[c]!.p >= 0 ? best[c]!.p : null,
        bestCorrelation: best[c]!.p >= 0 ? best[c]!.r : null,
      });
      spikeSamples.push(times);
    }
    if (saved) {
      this.spikeTimes.forEach((x, c) => (x.length = saved.spikes[c]!));
      this.spikeAmps.forEach((x, c) => (x.length = saved.spikes[c]!));
      this.sigmas.forEach((x) => x.pop());
      this.pairSums.set(saved.pair);
      this.chanSums.set(saved.chan);
      this.corrCount = saved.count;
    }
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
