/**
 * The signals panel's pure model. Expected values come from how the inputs are constructed (spikes inserted at
 * known samples into seeded Gaussian noise; envelopes of a ramp; an electrode layout), not from the code.
 */
import { describe, expect, it } from 'vitest';
import {
  detectSpikes,
  electrodeColumns,
  envelope,
  snippetColumn,
  verdictColor,
  type BciChannelReportMsg,
} from '../src/signals/signalsModel.ts';

function gaussian(n: number, sigma: number, seed: number): Float64Array {
  let s = seed;
  const u = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) + 1) / (2 ** 31 + 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = sigma * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

describe('signals model', () => {
  it('finds spikes inserted at known samples and few elsewhere', () => {
    const fs = 30000;
    const x = gaussian(fs, 8, 42);
    const truth = [3000, 7100, 12000, 18555, 25000];
    // A 1 ms biphasic spike, trough −150 µV (≈ 19 σ of the noise).
    for (const t of truth)
      for (let k = 0; k < 30; k++) x[t + k]! += -150 * Math.sin((Math.PI * k) / 15) * (k < 15 ? 1 : -0.4);
    const found = detectSpikes(x, fs, 4.5);
    for (const t of truth)
      expect(
        found.some((f) => Math.abs(f - t) <= 15),
        `spike at ${t}`,
      ).toBe(true);
    expect(found.length).toBeLessThanOrEqual(truth.length + 3);
  });

  it('envelopes, columns and electrode layout', () => {
    const ramp = Float64Array.from({ length: 100 }, (_, i) => i);
    expect(Array.from(envelope(ramp, 4))).toEqual([0, 24, 25, 49, 50, 74, 75, 99]);
    const snip = { sample_rate_hz: 1000, channels: [5, 9], sample_count: 3, data_uv: [1, 10, 2, 20, 3, 30] };
    expect(Array.from(snippetColumn(snip, 1))).toEqual([10, 20, 30]);
    expect(() => snippetColumn({ ...snip, sample_count: 4 }, 0)).toThrow(/expected 4 × 2/);
    const ch = (index: number, electrode_id: string, contact_number: number): BciChannelReportMsg => ({
      index,
      label: `${electrode_id}-${contact_number}`,
      electrode_id,
      contact_number,
      verdict: 'ok',
      reasons: [],
      noise_uv: 5,
      spike_rate_hz: 3,
      impedance_kohm: 100,
      impedance_phase_deg: -60,
    });
    const cols = electrodeColumns([ch(0, 'A', 1), ch(1, 'A', 2), ch(2, 'B', 1), ch(3, 'A', 3)]);
    expect(cols.map((c) => [c.electrodeId, c.contacts.map((k) => k.contact_number)])).toEqual([
      ['A', [3, 2, 1]],
      ['B', [1]],
    ]);
    expect(verdictColor('open')).not.toBe(verdictColor('ok'));
  });
});
