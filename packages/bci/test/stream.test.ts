/**
 * Streaming: a SignalChecker fed in random chunks (single samples, partial frames, large blocks) reports exactly
 * what one pass over the whole recording (checkRecording with the causal filter) reports, also when asked for
 * interim reports along the way. Placement trend as an electrode advances through the cortical surface.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/dsp/rng.ts';
import { measureImpedance } from '../src/checks/impedance.ts';
import { resolveCheckOptions } from '../src/checks/options.ts';
import { PlacementTrend } from '../src/checks/placement.ts';
import { SignalChecker } from '../src/checks/stream.ts';
import { buildReport, checkRecording } from '../src/pipeline.ts';
import { simulateSession } from '../src/simulate/amplifier.ts';

describe('SignalChecker streaming', () => {
  const s = simulateSession({
    seed: 21,
    durationS: 0.7,
    electrodes: [{ id: 'A', contactCount: 6, tipDepthMm: 13, pitchMm: 1 }],
    faultPlan: { shortedPairs: [[1, 2]] },
  });
  const rec = s.recording;
  const whole = checkRecording(rec, { filter: 'causal', impedanceTest: s.impedanceTest, noiseBlockS: 0.1 });

  it.each([1, 2, 3])('equals the whole-recording result for random chunk sizes (run %i)', (run) => {
    const rng = new Rng(100 + run);
    const opts = resolveCheckOptions({ noiseBlockS: 0.1 });
    const checker = new SignalChecker({ sampleRateHz: rec.sampleRateHz, channels: rec.channels }, opts);
    const data = rec.dataUv;
    const C = rec.channelCount;
    for (let i = 0; i < data.length;) {
      // Mostly small chunks: single values (partial frames), single frames, up to ~1000 frames.
      const r = rng.next();
      const len =
        r < 0.3
          ? 1
          : r < 0.6
            ? C
            : r < 0.9
              ? 1 + Math.floor(rng.next() * 50 * C)
              : Math.floor(rng.next() * 1000 * C);
      checker.push(data.subarray(i, Math.min(data.length, i + len)));
      i += len;
      if (rng.next() < 0.002) {
        checker.metrics(); // interim reports must not disturb the state
      }
    }
    const z = measureImpedance(s.impedanceTest);
    const streamed = buildReport(rec.channels, rec.sampleRateHz, checker.metrics(), z, opts);
    expect(streamed).toEqual(whole);
  });

  it('is chunk-independent with the common average reference too', () => {
    const opts = { noiseBlockS: 0.1, commonAverageReference: true };
    const one = new SignalChecker({ sampleRateHz: rec.sampleRateHz, channels: rec.channels }, opts);
    one.push(rec.dataUv);
    const many = new SignalChecker({ sampleRateHz: rec.sampleRateHz, channels: rec.channels }, opts);
    const rng = new Rng(9);
    for (let i = 0; i < rec.dataUv.length;) {
      const len = 1 + Math.floor(rng.next() * 200);
      many.push(rec.dataUv.subarray(i, i + len));
      i += len;
    }
    const a = one.metrics();
    expect(many.metrics()).toEqual(a);
    // The reference changes the spike band: the noise differs from the unreferenced check.
    expect(a.channels[0]!.noiseUv).not.toBe(whole.channels[0]!.noiseUv);
  });

  it('finds the shorted pair and the spikes in the causal path too', () => {
    expect(whole.channels[1]!.verdict).toBe('short');
    expect(whole.channels[2]!.verdict).toBe('short');
    expect(whole.channels[1]!.shortPartner).toBe(2);
    expect(whole.spikeSamples.flat().length).toBeGreaterThan(0);
  });

  it('reports what a prefix of the recording gives, mid-stream', () => {
    const C = rec.channelCount;
    const half = Math.floor(rec.sampleCount / 2);
    const checker = new SignalChecker(
      { sampleRateHz: rec.sampleRateHz, channels: rec.channels },
      { noiseBlockS: 0.1 },
    );
    checker.push(rec.dataUv.subarray(0, half * C + 3));
    const mid = checker.metrics();
    const prefix = new SignalChecker(
      { sampleRateHz: rec.sampleRateHz, channels: rec.channels },
      { noiseBlockS: 0.1 },
    );
    prefix.push(rec.dataUv.subarray(0, half * C));
    expect(mid).toEqual(prefix.metrics());
  });

  it('rejects inconsistent input clearly', () => {
    expect(() => new SignalChecker({ sampleRateHz: 0, channels: rec.channels })).toThrow(/sample rate/);
    expect(() => checkRecording({ ...rec, sampleCount: rec.sampleCount + 1 })).toThrow(
      /recording: data holds/,
    );
  });
});

describe('placement trend as the electrode advances', () => {
  it('counts more active contacts as the contacts enter the cortex, and estimates the surface', () => {
    const trend = new PlacementTrend('T');
    const verdicts: string[] = [];
    for (const [i, tip] of [9, 12, 15, 18].entries()) {
      const s = simulateSession({
        seed: 40 + i,
        durationS: 1.5,
        cortexDepthMm: 10,
        electrodes: [{ id: 'T', contactCount: 8, tipDepthMm: tip, pitchMm: 1 }],
        faults: {},
      });
      const r = checkRecording(s.recording, { impedanceTest: s.impedanceTest });
      const e = r.electrodes[0]!;
      expect(e.activeContacts).toEqual(s.groundTruth.electrodes[0]!.contactsInTissue);
      verdicts.push(e.verdict);
      trend.add(e);
    }
    expect(verdicts).toEqual(['outside_tissue', 'partially_in_tissue', 'partially_in_tissue', 'in_tissue']);
    expect(trend.steps.map((x) => x.activeCount)).toEqual([0, 3, 6, 8]);
    expect(trend.direction).toBe('entering');
    expect(trend.summary()).toMatch(/from 9\.0 to 18\.0 mm, active contacts went 0 → 3 → 6 → 8\. The cortical surface was estimated at 9\.5–9\.5 mm/); // prettier-ignore
    expect(() => trend.add({ ...trend.steps[0]!, electrodeId: 'T', summary: '', activeContacts: [], silentContacts: [], faultyContacts: [], tipDepthMm: 5, boundaryDepthMm: null, verdict: 'unknown' })).toThrow(/increasing depths/); // prettier-ignore
  });
});
