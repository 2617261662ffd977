/**
 * The WebAssembly SIMD kernel (src/dsp/wasm): the committed kernel.generated.ts is the WAT source compiled now
 * (by scripts/build-wasm.ts with wabt), and every kernel path gives bit-for-bit what the JavaScript path gives
 * (the JavaScript SosBank is itself checked against scipy's sosfilt in dsp.test.ts): filtering (interleaved and
 * channel-major, Float32/Float64, odd channel counts, any chunking, primed and restored state), the noise median
 * (against medianAbs, itself checked against a sorted copy there), the threshold scan, and whole checker runs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_PATH, generatedSource } from '../scripts/build-wasm.ts';
import { butterSos } from '../src/dsp/butter.ts';
import { medianAbs } from '../src/dsp/mad.ts';
import { concatSos, iirnotchSos } from '../src/dsp/notch.ts';
import { Rng } from '../src/dsp/rng.ts';
import { SosBank } from '../src/dsp/sos.ts';
import { setSosWasmEnabled, sosWasmAvailable } from '../src/dsp/wasm/sosWasm.ts';
import { SignalChecker } from '../src/checks/stream.ts';
import { simulateSession } from '../src/simulate/amplifier.ts';

const fs = 30000;
const sos = concatSos(iirnotchSos(50, 30, fs), butterSos(2, [300, 6000], 'bandpass', fs));

function noise(n: number, seed: number, scale = 40): Float32Array {
  const rng = new Rng(seed);
  return new Float32Array(n).map(() => scale * rng.normal());
}

describe('WebAssembly kernel build', () => {
  it('is available in Node (so the comparisons below exercise it)', () => {
    expect(sosWasmAvailable()).toBe(true);
    expect(new SosBank(sos, 3).usesWasm).toBe(true);
    expect(new SosBank(sos, 3, { wasm: false }).usesWasm).toBe(false);
  });

  it('kernel.generated.ts is sos.wat compiled now', async () => {
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(await generatedSource());
  });
});

describe('WebAssembly SOS bank equals the JavaScript bank bit for bit', () => {
  it.each([1, 2, 5, 64, 67])('interleaved Float64 and Float32 output, random chunks (%i channels)', (C) => {
    const T = 613;
    const data = noise(C * T, C);
    data[7 % data.length] = 5000; // a rail-sized step
    for (const Out of [Float64Array, Float32Array]) {
      const ref = new Out(C * T);
      const js = new SosBank(sos, C, { wasm: false });
      js.primeSteadyState(data.subarray(0, C));
      js.process(data, ref, T);
      const wa = new SosBank(sos, C, { maxFrames: 50 });
      wa.primeSteadyState(data.subarray(0, C));
      const got = new Out(C * T);
      const rng = new Rng(9);
      for (let t = 0; t < T;) {
        const n = Math.min(T - t, 1 + Math.floor(rng.next() * 120));
        wa.process(data.subarray(t * C, (t + n) * C), got.subarray(t * C, (t + n) * C), n);
        t += n;
      }
      expect(got).toEqual(ref);
    }
  });

  it('channel-major block output (own and foreign block), saved and restored state', () => {
    const C = 7;
    const B = 300;
    const T = 2 * B;
    const data = noise(C * T, 4);
    const js = new SosBank(sos, C, { wasm: false, blockFloats: C * B });
    const wa = new SosBank(sos, C, { blockFloats: C * B, maxFrames: 64 });
    const foreign = new Float32Array(C * B);
    const wf = new SosBank(sos, C, { maxFrames: 64 });
    for (let t = 0; t < T; t += 100) {
      const x = data.subarray(t * C, (t + 100) * C);
      const fill = t % B;
      const saved = wa.saveState();
      js.processToBlock(x, 100, js.block(), B, fill);
      wa.processToBlock(x, 100, wa.block(), B, fill);
      wf.processToBlock(x, 100, foreign, B, fill);
      expect(wa.block()).toEqual(js.block());
      expect(foreign).toEqual(js.block());
      // Rolling back and redoing gives the same again.
      wa.restoreState(saved);
      wa.processToBlock(x, 100, wa.block(), B, fill);
      expect(wa.block()).toEqual(js.block());
    }
  });

  it('noise median and threshold scan equal the JavaScript ones', () => {
    const C = 3;
    const B = 1001;
    const blockFloats = C * B;
    const js = new SosBank(sos, C, { wasm: false, blockFloats, medianFloats: B });
    const wa = new SosBank(sos, C, { blockFloats, medianFloats: B });
    const rng = new Rng(17);
    for (let trial = 0; trial < 20; trial++) {
      const x = noise(blockFloats, 100 + trial, 10 + trial);
      if (trial % 5 === 0) x.fill(0, 0, B); // all-zero row: no histogram
      if (trial % 7 === 1) for (let i = 0; i < B; i += 3) x[B + i] = Math.round(x[B + i]!); // ties
      js.block().set(x);
      wa.block().set(x);
      const counts = new Int32Array(1024);
      for (const stride of [1, 3, 4]) {
        for (let c = 0; c < C; c++) {
          const n = Math.ceil((B - c) / stride);
          const ref = medianAbs(x, c * B + c, n, stride, new Float32Array(n), counts);
          expect(wa.medianAbsBlock(c * B + c, n, stride, new Float32Array(n))).toBe(ref);
          expect(js.medianAbsBlock(c * B + c, n, stride, new Float32Array(n))).toBe(ref);
        }
      }
      // Thresholds exactly at a sample value, between float neighbours, and below everything.
      for (const thr of [x[B + 500]!, -4.5 * (10 + trial) + 1e-9 * rng.next(), -1e9]) {
        for (const [at, n] of [
          [0, B],
          [B + 1, B - 1],
          [2 * B + 998, 3],
          [5, 0],
        ] as const) {
          let ref = 0;
          while (ref < n && !(x[at + ref]! < thr)) ref++;
          expect(wa.scanBelow(at, n, thr)).toBe(ref);
          expect(js.scanBelow(at, n, thr)).toBe(ref);
        }
      }
    }
  });
});

describe('SignalChecker with and without the kernel', () => {
  it('reports exactly the same metrics', () => {
    const s = simulateSession({
      seed: 5,
      durationS: 0.6,
      electrodes: [
        { id: 'A', contactCount: 9, tipDepthMm: 13, pitchMm: 1 },
        { id: 'B', contactCount: 4, tipDepthMm: 12, pitchMm: 1 },
      ],
      faultPlan: { shortedPairs: [[1, 2]] },
    });
    const rec = s.recording;
    const run = (wasm: boolean, car: boolean) => {
      setSosWasmEnabled(wasm);
      try {
        const ck = new SignalChecker(
          { sampleRateHz: rec.sampleRateHz, channels: rec.channels },
          { noiseBlockS: 0.1, commonAverageReference: car },
        );
        const C = rec.channelCount;
        for (let i = 0; i < rec.dataUv.length; i += 333 * C) ck.push(rec.dataUv.subarray(i, i + 333 * C));
        return ck.metrics();
      } finally {
        setSosWasmEnabled(true);
      }
    };
    for (const car of [false, true]) {
      const a = run(true, car);
      expect(a.spikeSamples.flat().length).toBeGreaterThan(0);
      expect(a).toEqual(run(false, car));
    }
  });
});
