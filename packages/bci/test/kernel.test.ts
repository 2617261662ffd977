/**
 * The streaming check's kernels (src/dsp/wasm/check.wat, src/checks/kernel/): check.wat holds what its generator
 * writes; the single-precision spike band (notch in delta form, then the band-pass) stays within 0.01 µV of the
 * double-precision sosfilt (itself scipy's to 1e-6, dsp.test.ts) even under 500 µV of mains, where a plain
 * single-precision notch would be off by 0.3 µV; the WebAssembly kernel and its JavaScript reference give the same
 * bits, section kinds and generic sections alike; detection from candidates equals detection on whole blocks,
 * also where the noise drops; the rest of the checker's outputs agree across all of these.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECK_WAT_PATH, checkWatWithSpikeRows } from '../scripts/spike-rows-wat.ts';
import { butterSos } from '../src/dsp/butter.ts';
import type { Sos } from '../src/dsp/butter.ts';
import { concatSos, iirnotchSos } from '../src/dsp/notch.ts';
import { Rng } from '../src/dsp/rng.ts';
import { sosfilt } from '../src/dsp/sos.ts';
import { checkWasmAvailable, createCheckKernel } from '../src/checks/kernel/checkKernel.ts';
import { lockInSums } from '../src/checks/kernel/lockIn.ts';
import { setSosWasmEnabled } from '../src/dsp/wasm/sosWasm.ts';
import { checkLayout, copyRowsPadded, sectionKind, writeCoefficients } from '../src/checks/kernel/layout.ts';
import type { CheckLayoutSpec } from '../src/checks/kernel/layout.ts';
import { setCandidateDetection, SignalChecker } from '../src/checks/stream.ts';
import { simulateSession } from '../src/simulate/amplifier.ts';
import type { Recording } from '../src/recording.ts';

const fs = 30000;

it('check.wat holds what scripts/spike-rows-wat.ts generates', () => {
  const wat = readFileSync(CHECK_WAT_PATH, 'utf8');
  expect(checkWatWithSpikeRows(wat)).toBe(wat);
  expect(checkWasmAvailable()).toBe(true);
});

/** The kernel's spike band of time-major `x` (C channels), from zero state, through spike_rows alone. */
function kernelBand(x: Float32Array, C: number, bandPass: Sos, wasm: boolean): Float32Array {
  const T = x.length / C;
  const spec: CheckLayoutSpec = {
    channelCount: C,
    sampleRateHz: fs,
    blockLen: T,
    pieceFrames: T,
    bandGiven: false,
    noiseSubsample: 4,
    decim: 15,
    spikeNotch: { frequencyHz: 50, quality: 30 },
    spikeBandPass: bandPass,
    lfpNotches: [],
    lfpRateHz: 2000,
    lfpBands: [],
    quadCount: 0,
    medianBins: 256,
  };
  const L = checkLayout(spec);
  const k = createCheckKernel(L.bytes, wasm);
  writeCoefficients(k.buffer, L, spec);
  const f32 = new Float32Array(k.buffer);
  copyRowsPadded(f32, x, T, C, L.Cp, L.input);
  k.spike_rows(
    L.input, L.rowBytes, L.band, L.rowBytes, L.rowBytes, T, L.z, L.coef, L.nbp, L.box, L.railed, 5000, L.lfp, 15,
    0, Math.fround(1 / 15), 1, L.given, 0, 4, L.compact, 0, L.candKeys, L.band, L.candCount,
  ); // prettier-ignore
  const out = new Float32Array(T * C);
  for (let t = 0; t < T; t++)
    out.set(f32.subarray((L.band >> 2) + t * L.Cp, (L.band >> 2) + t * L.Cp + C), t * C);
  return out;
}

function mainsAndNoise(C: number, T: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(C * T);
  for (let c = 0; c < C; c++) {
    const amp = 100 + 400 * (c / Math.max(1, C - 1)); // 100–500 µV of mains
    const ph = rng.next() * 2 * Math.PI;
    for (let t = 0; t < T; t++) {
      const spike = t % 3001 === 100 + c ? -150 : 0;
      x[t * C + c] = 10 * rng.normal() + amp * Math.sin((2 * Math.PI * 50 * t) / fs + ph) + 40 * Math.sin((2 * Math.PI * 150 * t) / fs) + spike; // prettier-ignore
    }
  }
  return x;
}

describe('single-precision spike band', () => {
  const orders = [2, 3];
  it.each(orders)(
    'order %i: within 0.01 µV of double-precision sosfilt under 100–500 µV of mains',
    (order) => {
      const C = 5;
      const T = fs; // 1 s
      const bp = butterSos(order, [300, 6000], 'bandpass', fs);
      const x = mainsAndNoise(C, T, order);
      const got = kernelBand(x, C, bp, true);
      const sos = concatSos(iirnotchSos(50, 30, fs), bp);
      let worst = 0;
      for (let c = 0; c < C; c++) {
        const ref = sosfilt(
          sos,
          Float64Array.from({ length: T }, (_, t) => x[t * C + c]!),
        );
        for (let t = 0; t < T; t++) worst = Math.max(worst, Math.abs(got[t * C + c]! - ref[t]!));
      }
      expect(worst).toBeLessThan(0.01);
      expect(worst).toBeGreaterThan(0); // single precision really ran
    },
  );

  it('the usual band-pass takes the unrolled path (kinds 1, 2); order 3 adds a general section', () => {
    const two = butterSos(2, [300, 6000], 'bandpass', fs);
    expect([sectionKind(two, 0), sectionKind(two, 1)]).toEqual([1, 2]);
    const three = butterSos(3, [300, 6000], 'bandpass', fs);
    expect([0, 1, 2].map((k) => sectionKind(three, k))).toEqual([1, 0, 2]);
  });

  it.each(orders)(
    'order %i: the WebAssembly kernel and the JavaScript reference agree bit for bit',
    (order) => {
      const C = 13; // pads to 16
      const x = mainsAndNoise(C, 4000, 10 + order);
      const bp = butterSos(order, [300, 6000], 'bandpass', fs);
      expect(kernelBand(x, C, bp, true)).toEqual(kernelBand(x, C, bp, false));
    },
  );
});

/** A session whose noise halves after `dropS` on half of the channels (the threshold's 20 % floor then holds). */
function session(seed: number, dropS: number | null): Recording {
  const s = simulateSession({
    seed,
    durationS: 1.3,
    electrodes: [
      { id: 'A', contactCount: 9, tipDepthMm: 13, pitchMm: 1 },
      { id: 'B', contactCount: 6, tipDepthMm: 12, pitchMm: 1 },
    ],
    faultPlan: { shortedPairs: [[1, 2]], open: [5] },
  });
  const rec = s.recording;
  if (dropS !== null) {
    const C = rec.channelCount;
    const from = Math.round(dropS * rec.sampleRateHz);
    const data = rec.dataUv.slice();
    for (let t = 0; t < from; t++) for (let c = 0; c < C; c += 2) data[t * C + c] = data[t * C + c]! * 2.5;
    return { ...rec, dataUv: data };
  }
  return rec;
}

function run(
  rec: Recording,
  opts: { wasm?: boolean; candidates?: boolean; chunk?: number; car?: boolean; given?: boolean },
) {
  // prettier-ignore
  setCandidateDetection(opts.candidates ?? true);
  try {
    const ck = new SignalChecker(
      { sampleRateHz: rec.sampleRateHz, channels: rec.channels, spikeBand: opts.given ? 'given' : 'filter' },
      { noiseBlockS: 0.1, commonAverageReference: opts.car ?? false },
      'test',
      { wasm: opts.wasm ?? true },
    );
    const C = rec.channelCount;
    const step = (opts.chunk ?? 333) * C;
    for (let i = 0; i < rec.dataUv.length; i += step) {
      const raw = rec.dataUv.subarray(i, i + step);
      if (opts.given)
        ck.pushWithSpikeBand(
          raw,
          raw.map((v) => v * 0.5),
        );
      else ck.push(raw);
    }
    const m = ck.metrics();
    ck.dispose();
    return m;
  } finally {
    setCandidateDetection(true);
  }
}

describe('detection from candidates', () => {
  it.each([
    [7, null],
    [8, 0.55],
  ] as const)('equals detection on whole blocks (seed %i, noise drop at %s s)', (seed, drop) => {
    const rec = session(seed, drop);
    const whole = run(rec, { candidates: false });
    const cand = run(rec, { candidates: true });
    expect(cand).toEqual(whole);
    expect(whole.spikeSamples.reduce((n, s) => n + s.length, 0)).toBeGreaterThan(50);
  });
});

describe('WebAssembly kernels and their JavaScript reference', () => {
  it.each([
    ['filtered spike band', {}],
    ['common average reference', { car: true }],
    ['given spike band', { given: true }],
    ['odd chunks of 97 frames', { chunk: 97 }],
  ] as const)('give the same metrics: %s', (_, opts) => {
    const rec = session(11, 0.45);
    expect(run(rec, { ...opts, wasm: true })).toEqual(run(rec, { ...opts, wasm: false }));
  });
});

it('the impedance lock-in gives the bits of the plain double-precision loop', () => {
  const C = 21;
  const T = 1100; // more than one kernel piece
  const x = mainsAndNoise(C, T, 3);
  const w = (2 * Math.PI * 1000) / fs;
  const sin = new Float64Array(C);
  const cos = new Float64Array(C);
  for (let t = 40; t < T; t++)
    for (let c = 0; c < C; c++) {
      sin[c] = sin[c]! + x[t * C + c]! * Math.sin(w * t);
      cos[c] = cos[c]! + x[t * C + c]! * Math.cos(w * t);
    }
  expect(lockInSums(x, C, 40, T, w)).toEqual({ sin, cos });
  setSosWasmEnabled(false);
  try {
    expect(lockInSums(x, C, 40, T, w)).toEqual({ sin, cos });
  } finally {
    setSosWasmEnabled(true);
  }
});
