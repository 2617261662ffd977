/**
 * DSP core against scipy.signal (Debian python3-scipy, run at test time by dsp_oracle.py): Butterworth design in
 * second-order sections, sosfilt, sosfilt_zi, sosfiltfilt (odd padding, default padlen) and iirnotch, all to 1e-6
 * relative; plus chunk-independence of the multichannel SosBank and the median used for the MAD noise level.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FilterType } from '../src/dsp/butter.ts';
import { butterSos } from '../src/dsp/butter.ts';
import { medianFromHistogram, medianInPlace } from '../src/dsp/mad.ts';
import { iirnotchSos } from '../src/dsp/notch.ts';
import { Rng } from '../src/dsp/rng.ts';
import { SosBank, sosfilt, sosfiltfilt, sosfiltZi } from '../src/dsp/sos.ts';

const here = dirname(fileURLToPath(import.meta.url));

interface Case {
  order: number;
  cutoff: number | [number, number];
  type: FilterType;
  fs: number;
}
const cases: Case[] = [
  { order: 2, cutoff: [300, 6000], type: 'bandpass', fs: 30000 },
  { order: 3, cutoff: [300, 6000], type: 'bandpass', fs: 20000 },
  { order: 5, cutoff: [300, 6000], type: 'bandpass', fs: 30000 },
  { order: 1, cutoff: [4, 8], type: 'bandpass', fs: 2000 },
  { order: 4, cutoff: 300, type: 'highpass', fs: 30000 },
  { order: 3, cutoff: 300, type: 'highpass', fs: 25000 },
  { order: 4, cutoff: 250, type: 'lowpass', fs: 30000 },
  { order: 5, cutoff: 1000, type: 'lowpass', fs: 24000 },
  { order: 2, cutoff: [45, 55], type: 'bandstop', fs: 30000 },
  { order: 3, cutoff: [500, 1000], type: 'bandstop', fs: 20000 },
];
const notches = [
  { f: 50, q: 30, fs: 30000 },
  { f: 60, q: 20, fs: 20000 },
  { f: 150, q: 35, fs: 2000 },
];

function relClose(ours: ArrayLike<number>, ref: number[], rel = 1e-6): void {
  expect(ours.length).toBe(ref.length);
  const scale = Math.max(...ref.map(Math.abs), 1e-300);
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ours[i]! - ref[i]!) / Math.max(Math.abs(ref[i]!), scale * 1e-3);
    worst = Math.max(worst, d);
  }
  expect(worst).toBeLessThan(rel);
}

describe('Butterworth SOS design and filtering match scipy.signal', () => {
  // A broadband test signal: white noise plus a step, a 50 Hz sine and a 1 kHz burst.
  const rng = new Rng(7);
  const n = 3000;
  const signal = Array.from(
    { length: n },
    (_, i) => 20 * rng.normal() + (i > 1000 ? 50 : 0) + 30 * Math.sin((2 * Math.PI * 50 * i) / 30000),
  );
  const oracle = JSON.parse(
    execFileSync('/usr/bin/python3', [join(here, 'dsp_oracle.py')], {
      input: JSON.stringify({ cases, notches, signal }),
      maxBuffer: 1 << 28,
    }).toString(),
  ) as {
    cases: { sos: number[]; zi: number[]; y: number[]; yy: number[] }[];
    notches: { sos: number[]; yy: number[] }[];
  };

  cases.forEach((c, i) => {
    it(`butter(${c.order}, ${String(c.cutoff)}, ${c.type}, fs=${c.fs})`, () => {
      const ref = oracle.cases[i]!;
      const sos = butterSos(c.order, c.cutoff, c.type, c.fs);
      // Coefficients: compared absolutely against the section's largest coefficient (tiny b's exist in band-pass).
      expect(sos.length).toBe(ref.sos.length);
      for (let k = 0; k < sos.length; k++) {
        const row = ref.sos.slice(k - (k % 6), k - (k % 6) + 6).map(Math.abs);
        expect(Math.abs(sos[k]! - ref.sos[k]!)).toBeLessThan(1e-9 * Math.max(...row));
      }
      relClose(sosfiltZi(sos), ref.zi);
      relClose(sosfilt(sos, signal), ref.y);
      relClose(sosfiltfilt(sos, signal), ref.yy);
    });
  });

  notches.forEach((nt, i) => {
    it(`iirnotch(${nt.f} Hz, Q=${nt.q}, fs=${nt.fs})`, () => {
      const sos = iirnotchSos(nt.f, nt.q, nt.fs);
      relClose(sos, oracle.notches[i]!.sos, 1e-12);
      relClose(sosfiltfilt(sos, signal), oracle.notches[i]!.yy);
    });
  });

  it('rejects bad designs with clear messages', () => {
    expect(() => butterSos(2, [300, 20000], 'bandpass', 30000)).toThrow(/Nyquist/);
    expect(() => butterSos(0, 300, 'highpass', 30000)).toThrow(/order/);
    expect(() => butterSos(2, 300, 'bandpass', 30000)).toThrow(/two cutoff/);
    expect(() => sosfiltfilt(butterSos(2, 300, 'highpass', 30000), [1, 2, 3])).toThrow(/pad length/);
  });
});

describe('SosBank (multichannel, streaming)', () => {
  it('equals per-channel sosfilt exactly, for any chunking', () => {
    const C = 5;
    const T = 997;
    const rng = new Rng(3);
    const data = new Float32Array(C * T).map(() => 40 * rng.normal());
    const sos = butterSos(2, [300, 6000], 'bandpass', 30000);
    const whole = new Float64Array(C * T);
    new SosBank(sos, C).process(data, whole, T);
    for (let c = 0; c < C; c++) {
      const ch = Array.from({ length: T }, (_, t) => data[t * C + c]!);
      const ref = sosfilt(sos, ch);
      for (let t = 0; t < T; t++) expect(whole[t * C + c]).toBe(ref[t]);
    }
    const bank = new SosBank(sos, C);
    const chunked = new Float64Array(C * T);
    for (let t = 0; t < T;) {
      const len = Math.min(T - t, 1 + Math.floor(rng.next() * 40));
      bank.process(data.subarray(t * C, (t + len) * C), chunked.subarray(t * C, (t + len) * C), len);
      t += len;
    }
    expect(chunked).toEqual(whole);
  });
});

describe('median by quickselect', () => {
  it('equals the median of a sorted copy (odd, even, ties)', () => {
    const rng = new Rng(11);
    for (const n of [1, 2, 3, 10, 101, 1000, 1001]) {
      const a = new Float64Array(n).map(() => Math.round(rng.normal() * 5) + 0);
      const sorted = [...a].sort((x, y) => x - y);
      const ref = n % 2 ? sorted[n >> 1]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
      expect(medianInPlace(a, n)).toBe(ref);
    }
  });
});

describe('median of |x| by histogram + select', () => {
  /** |src[offset + i·stride]|, i < n, through `medianFromHistogram` over [0, 4·mean|x|) (with or without collect). */
  function histMedianAbs(
    src: Float32Array,
    offset: number,
    n: number,
    stride: number,
    collect: boolean,
  ): number {
    const g = Float32Array.from({ length: n }, (_, i) => Math.abs(src[offset + i * stride]!));
    const mean = g.reduce((a, v) => a + v, 0) / n;
    const counts = new Int32Array(1024);
    const nb = counts.length;
    const scratch = new Float32Array(n);
    if (!(mean > 0)) return medianInPlace(g, n);
    const scale = nb / (4 * mean);
    const bin = (v: number): number => (v * scale >= nb ? nb - 1 : (v * scale) | 0);
    for (const v of g) counts[bin(v)]!++;
    const gather = (bLo: number, bHi: number): number => {
      let m = 0;
      for (const v of g) if (bin(v) >= bLo && bin(v) <= bHi) scratch[m++] = v;
      return m;
    };
    return medianFromHistogram(g, n, scale, counts, scratch, collect ? gather : undefined);
  }

  it('equals the median of a sorted copy for Gaussian, spiky, railed and constant data', () => {
    const rng = new Rng(12);
    const gens: (() => number)[] = [
      () => 10 * rng.normal(),
      () => (rng.next() < 0.01 ? -300 : 8 * rng.normal()),
      () => (rng.next() < 0.7 ? 5000 : rng.normal()),
      () => 3,
      () => 0,
    ];
    for (const gen of gens)
      for (const n of [1, 2, 7, 100, 7500, 7501]) {
        const x = Float32Array.from({ length: n + 5 }, gen);
        const abs = Array.from(x.subarray(5), Math.abs).sort((a, b) => a - b);
        const ref = n % 2 ? abs[n >> 1]! : (abs[n / 2 - 1]! + abs[n / 2]!) / 2;
        for (const collect of [false, true]) expect(histMedianAbs(x, 5, n, 1, collect)).toBe(ref);
        // Every 3rd value from offset 1.
        const every = Array.from({ length: Math.floor((n + 3) / 3) }, (_, i) => Math.abs(x[1 + 3 * i]!)).sort((a, b) => a - b); // prettier-ignore
        const m = every.length;
        const ref3 = m % 2 ? every[m >> 1]! : (every[m / 2 - 1]! + every[m / 2]!) / 2;
        for (const collect of [false, true]) expect(histMedianAbs(x, 1, m, 3, collect)).toBe(ref3);
      }
  });
});
