/**
 * The WebAssembly SIMD kernel (src/dsp/wasm): the committed kernel.generated.ts holds the WAT sources compiled now
 * (by scripts/build-wasm.ts with wabt), and every kernel path gives bit-for-bit what the JavaScript path gives
 * (the JavaScript SosBank is itself checked against scipy's sosfilt in dsp.test.ts): interleaved SOS filtering
 * (Float32/Float64, odd channel counts, any chunking, primed, saved and restored state), and whole checker runs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_PATH, generatedSource } from '../scripts/build-wasm.ts';
import { butterSos } from '../src/dsp/butter.ts';
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
      for (let t = 0, k = 0; t < T; k++) {
        const n = Math.min(T - t, 1 + Math.floor(rng.next() * 120));
        const x = data.subarray(t * C, (t + n) * C);
        const saved = wa.saveState();
        wa.process(x, got.subarray(t * C, (t + n) * C), n);
        if (k % 2) {
          // Rolling back and redoing a chunk gives the same again.
          wa.restoreState(saved);
          wa.process(x, got.subarray(t * C, (t + n) * C), n);
        }
        t += n;
      }
      expect(got).toEqual(ref);
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
