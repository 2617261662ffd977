/**
 * The BCI node in simulated time: /bci/summary at 10 Hz with valid messages, the simulated faults flagged,
 * contacts entering tissue as the insertion depth grows, and /bci/request_snippet.
 *
 * Expected values come from the simulator's own configuration, not from the checker: which contacts are in
 * tissue follows from the geometry (depth − distance from the tip vs the 10 mm brain surface), the faults are
 * the ones we planted (default: contacts 2–3 shorted, 6 open), and snippet samples are compared with the
 * amplifier's raw loop reproduced by an independent `simulateSession` call with the same seed.
 */
import { describe, expect, it } from 'vitest';
import { simulateSession } from '@neuroplan/bci';
import {
  deserializeCdr,
  RosNames,
  RosTypes,
  serializeCdr,
  validateMessage,
  type BciSnippet,
  type BciSummary,
  type InsertionStatus,
  type RequestBciSnippetResponse,
} from '@neuroplan/ros-messages';
import { RosGraph } from '../src/graph.ts';
import { BCI_SUMMARY_RATE_HZ, MAX_SNIPPET_VALUES, startBciNode } from '../src/bci/node.ts';
import { DEFAULT_ELECTRODE_ID, defaultFaults, layoutFromPlan } from '../src/bci/layout.ts';
import { demoPlan } from '../src/robot/demo.ts';

const EPOCH = 1_800_000_000;

function setup(seed = 3) {
  const graph = new RosGraph();
  const summaries: BciSummary[] = [];
  const snippets: BciSnippet[] = [];
  const status = graph.advertise(RosNames.insertionStatus, RosTypes.InsertionStatus);
  const node = startBciNode(graph, { seed, epochS: EPOCH });
  graph.subscribe(RosNames.bciSummary, RosTypes.BciSummary, (m) => summaries.push(m as BciSummary));
  graph.subscribe(RosNames.bciSnippets, RosTypes.BciSnippet, (m) => snippets.push(m as BciSnippet));
  const publishDepth = (depthMm: number) => {
    const msg: InsertionStatus = {
      header: { stamp: { sec: EPOCH, nanosec: 0 }, frame_id: 'world' },
      phase: 'inserting',
      trajectory_id: '',
      depth_mm: depthMm,
      target_depth_mm: depthMm,
      velocity_mm_per_s: 0,
      tracking_error_um: 0,
      tissue_displacement_um: 0,
      force_n: 0,
    };
    status.publish(msg);
  };
  return { graph, node, summaries, snippets, publishDepth };
}

const verdictOf = (s: BciSummary, contact: number) =>
  s.channels.find((c) => c.contact_number === contact)!.verdict;

describe('BCI node', () => {
  it('publishes valid summaries at 10 Hz of simulated time, flags the faults and follows the insertion', () => {
    const { node, summaries, publishDepth } = setup();
    expect(node.channelCount).toBe(16);
    node.advance(2);
    expect(summaries.length).toBe(2 * BCI_SUMMARY_RATE_HZ);
    // Stamps 0.1 s apart in simulated time.
    const t = summaries.map((s) => s.header.stamp.sec + s.header.stamp.nanosec * 1e-9 - EPOCH);
    t.forEach((x, i) => expect(x).toBeCloseTo((i + 1) * 0.1, 6));
    for (const s of summaries) expect(validateMessage(RosTypes.BciSummary, s)).toEqual([]);

    // Before the insertion nothing is in tissue: all healthy contacts are silent, the faults are flagged.
    let s = summaries.at(-1)!;
    expect(s.channels).toHaveLength(16);
    expect(verdictOf(s, 2)).toBe('short');
    expect(verdictOf(s, 3)).toBe('short');
    expect(verdictOf(s, 6)).toBe('open');
    for (const c of s.channels)
      if (![2, 3, 6].includes(c.contact_number)) expect(c.verdict).toBe('no_neural_activity');
    expect(s.channels.find((c) => c.contact_number === 6)!.impedance_kohm).toBeGreaterThan(5000);
    expect(s.channels.find((c) => c.contact_number === 2)!.reasons.join(' ')).toMatch(/E1-03/);
    expect(s.electrode_verdicts[0]).toMatch(/^E1: outside_tissue: /);

    // Insert to 30 mm: contacts whose centre (1 + 3.5·(k−1) mm from the tip) lies deeper than the 10 mm brain
    // surface, i.e. k ≤ 6 (18.5 mm from the tip → 11.5 mm deep), enter tissue; k ≥ 7 (8 mm deep) stay outside.
    publishDepth(30);
    node.advance(2.5);
    const contacts = node.contacts();
    expect(contacts.filter((c) => c.inTissue).map((c) => c.contactNumber)).toEqual([1, 2, 3, 4, 5, 6]);
    s = summaries.at(-1)!;
    expect(validateMessage(RosTypes.BciSummary, s)).toEqual([]);
    for (const k of [1, 4, 5]) expect(verdictOf(s, k)).toBe('ok');
    for (let k = 7; k <= 16; k++) expect(verdictOf(s, k)).toBe('no_neural_activity');
    expect(verdictOf(s, 2)).toBe('short');
    expect(verdictOf(s, 6)).toBe('open');
    expect(s.electrode_verdicts[0]).toMatch(/^E1: partially_in_tissue: /);
    const ok = s.channels.find((c) => c.contact_number === 1)!;
    expect(ok.lfp_power_uv2).toBeGreaterThan(25);
    expect(ok.impedance_kohm).toBeGreaterThan(10);
    expect(ok.impedance_kohm).toBeLessThan(5000);

    // Retract: the contacts leave the tissue again.
    publishDepth(0);
    node.advance(2.5);
    s = summaries.at(-1)!;
    for (const k of [1, 4, 5]) expect(verdictOf(s, k)).toBe('no_neural_activity');

    // CDR round trip of a summary.
    const bytes = serializeCdr(RosTypes.BciSummary, s);
    const back = deserializeCdr(RosTypes.BciSummary, bytes) as unknown as BciSummary;
    expect(back.channels.map((c) => c.verdict)).toEqual(s.channels.map((c) => c.verdict));
    node.close();
  });

  it('serves snippets of the requested channels and duration, publishes them, and caps their size', async () => {
    const { graph, node, snippets } = setup(5);
    node.advance(1.05);
    const res = (await graph.callService(RosNames.requestBciSnippet, {
      channels: [0, 5, 9],
      duration_s: 0.5,
    })) as RequestBciSnippetResponse;
    expect(validateMessage(`${RosTypes.RequestBciSnippet}_Response`, res)).toEqual([]);
    expect(res.success).toBe(true);
    expect(res.reason).toBe('');
    const sn = res.snippet;
    expect(sn.channels).toEqual([0, 5, 9]);
    expect(sn.sample_rate_hz).toBe(30000);
    expect(sn.sample_count).toBe(15000);
    expect(sn.data_uv).toHaveLength(15000 * 3);
    expect(snippets).toHaveLength(1);
    expect(snippets[0]).toBe(sn);
    const cdr = serializeCdr(RosTypes.BciSnippet, sn);
    expect(cdr.length).toBeLessThan(1_000_000);

    // Nothing is in tissue (no depth published), so every sample comes from the outside loop: an independent
    // simulator run with the node's settings reproduces it (2 s loop; the snippet covers frames 16500..31499).
    const layout = layoutFromPlan(null);
    const sim = simulateSession({
      seed: 5,
      sampleRateHz: 30000,
      durationS: 2,
      electrodes: [{ id: DEFAULT_ELECTRODE_ID, contactCount: 16, tipDepthMm: 0, pitchMm: 1 }],
      faultPlan: defaultFaults(layout),
      artefactsPerS: 0,
      lineFrequencyHz: 50,
      railUv: 5000,
      cortexDepthMm: Infinity,
    }).recording;
    const first = 31500 - 15000;
    for (const k of [0, 1, 7777, 14999])
      [0, 5, 9].forEach((ch, j) => {
        const expected = sim.dataUv[((first + k) % sim.sampleCount) * 16 + ch]!;
        expect(sn.data_uv[k * 3 + j]!).toBeCloseTo(expected, 1); // the node rounds to 0.01 µV
      });

    // Longer than the history and over the size cap: shortened, with the reason.
    const all = Array.from({ length: 16 }, (_, i) => i);
    node.advance(2);
    const big = (await graph.callService(RosNames.requestBciSnippet, {
      channels: all,
      duration_s: 10,
    })) as RequestBciSnippetResponse;
    expect(big.success).toBe(true);
    expect(big.snippet.sample_count).toBe(Math.floor(MAX_SNIPPET_VALUES / 16));
    expect(big.snippet.data_uv.length).toBeLessThanOrEqual(MAX_SNIPPET_VALUES);
    expect(big.reason).toMatch(/shortened/);
    expect(serializeCdr(RosTypes.BciSnippet, big.snippet).length).toBeLessThan(1_000_000);
    expect(JSON.stringify(big.snippet).length).toBeLessThan(1_100_000);

    // Bad requests are refused with reasons.
    for (const [req, why] of [
      [{ channels: [], duration_s: 1 }, /at least one/],
      [{ channels: [16], duration_s: 1 }, /does not exist/],
      [{ channels: [1, 1], duration_s: 1 }, /twice/],
      [{ channels: [1], duration_s: 0 }, /positive/],
      [{ channels: [1], duration_s: Number.NaN }, /positive/],
    ] as const) {
      const r = (await graph.callService(RosNames.requestBciSnippet, req)) as RequestBciSnippetResponse;
      expect(r.success).toBe(false);
      expect(r.reason).toMatch(why);
      expect(validateMessage(`${RosTypes.RequestBciSnippet}_Response`, r)).toEqual([]);
    }
    node.close();
    expect(graph.serviceType(RosNames.requestBciSnippet)).toBeUndefined();
  });

  it('records the contacts of the loaded plan, per trajectory, with a depth function', () => {
    const plan = demoPlan();
    const graph = new RosGraph();
    const depths = new Map<string, number>();
    const node = startBciNode(graph, {
      seed: 7,
      epochS: EPOCH,
      plan: () => plan,
      channelsPerElectrode: 8,
      depthSource: (id) => depths.get(id) ?? 0,
      loopS: 1,
    });
    const ids = plan.trajectories.map((t) => t.id);
    const contacts = node.contacts();
    expect([...new Set(contacts.map((c) => c.electrodeId))]).toEqual(ids);
    for (const t of plan.trajectories) {
      const mine = contacts.filter((c) => c.electrodeId === t.id);
      expect(mine.length).toBe(Math.min(8, t.contacts.length));
      mine.forEach((c, k) => expect(c.distanceFromTipMm).toBeCloseTo(t.contacts[k]!.distanceFromTipMm, 9));
    }
    // Insert only the first trajectory to its full length: its contacts deeper than 10 mm are in tissue.
    const t0 = plan.trajectories[0]!;
    depths.set(t0.id, t0.lengthMm);
    node.advance(0.1);
    for (const c of node.contacts()) {
      const inserted = c.electrodeId === t0.id;
      const depth = inserted ? t0.lengthMm - c.distanceFromTipMm : -c.distanceFromTipMm;
      expect(c.depthMm).toBeCloseTo(depth, 9);
      expect(c.inTissue).toBe(depth >= 10);
    }
    node.close();
  });

  it('refuses fewer than one channel per electrode', () => {
    expect(() => layoutFromPlan(null, 0)).toThrow(/channelsPerElectrode/);
  });
});
