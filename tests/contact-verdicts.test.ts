/**
 * The 3D view's contact painting (apps/planner/src/view3d/contactVerdicts.ts): the plan's contacts matched with
 * /bci/summary channels by electrode (trajectory id) and contact number, fed by the simulated BCI node.
 * Expected verdicts come from the simulation's set-up (the faults we plant and the contacts' depths against
 * the 10 mm brain surface), not from the mapping under test.
 */
import { describe, expect, it } from 'vitest';
import type { BciSummary } from '@neuroplan/ros-messages';
import { RosGraph } from '../ros/sim/src/graph.ts';
import { startBciNode } from '../ros/sim/src/bci/node.ts';
import { demoPlan } from '../ros/sim/src/robot/demo.ts';
import {
  CONTACT_VERDICT_COLORS,
  contactVerdicts,
  hexToRgb01,
  UNREPORTED_CONTACT_COLOR,
} from '../apps/planner/src/view3d/contactVerdicts.ts';

describe('contact verdict painting', () => {
  it('matches contacts by trajectory id and contact number, grey without a report', () => {
    const contacts = [1, 2, 3].map((index) => ({
      index,
      centerLps: [index, 2 * index, 3 * index] as [number, number, number],
      depthFromEntryMm: 40 - index,
      distanceFromTipMm: index,
    }));
    const report = (electrode_id: string, contact_number: number, verdict: 'ok' | 'open') => ({
      index: 0,
      label: `${electrode_id}-${contact_number}`,
      electrode_id,
      contact_number,
      verdict,
      reasons: [`why ${electrode_id} ${contact_number}`],
      noise_uv: 5,
      spike_rate_hz: 3,
      impedance_kohm: 300,
      impedance_phase_deg: -70,
      lfp_power_uv2: 40,
    });
    const summary: BciSummary = {
      header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' },
      // Contact 2 of T1 is open; T2's contact 1 must not paint T1's contact 1.
      channels: [report('T2', 1, 'open'), report('T1', 2, 'open'), report('T1', 1, 'ok')],
      electrode_verdicts: [],
    };
    const paint = contactVerdicts('T1', contacts, summary);
    expect(paint.map((p) => p.verdict)).toEqual(['ok', 'open', null]);
    expect(paint.map((p) => p.color)).toEqual([
      CONTACT_VERDICT_COLORS.ok,
      CONTACT_VERDICT_COLORS.open,
      UNREPORTED_CONTACT_COLOR,
    ]);
    expect(paint[1]!.reasons).toEqual(['why T1 2']);
    expect(paint[2]!.centerLps).toEqual([3, 6, 9]);
    expect(contactVerdicts('T1', contacts, null).every((p) => p.color === UNREPORTED_CONTACT_COLOR)).toBe(
      true,
    );
    expect(hexToRgb01('#ff8000')).toEqual([1, 128 / 255, 0]);
    expect(() => hexToRgb01('red')).toThrow(/#rrggbb/);
  });

  it('paints the plan contacts from the BCI node after an insertion', () => {
    const plan = demoPlan();
    const t0 = plan.trajectories[0]!;
    const graph = new RosGraph();
    const node = startBciNode(graph, {
      seed: 11,
      epochS: 1_800_000_000,
      plan: () => plan,
      depthSource: (id) => (id === t0.id ? t0.lengthMm : 0),
      loopS: 1,
    });
    node.advance(2);
    const summary = node.lastSummary!;
    node.close();
    const paint = contactVerdicts(t0.id, t0.contacts, summary);
    expect(paint).toHaveLength(t0.contacts.length);
    // Default faults on the first electrode (when it has ≥ 8 contacts): 2–3 shorted, 6 open.
    const faulty = t0.contacts.length >= 8 ? [2, 3, 6] : [];
    for (const p of paint) {
      const c = t0.contacts.find((x) => x.index === p.contactNumber)!;
      const depth = t0.lengthMm - c.distanceFromTipMm;
      if (faulty.includes(p.contactNumber)) expect(p.verdict).toBe(p.contactNumber === 6 ? 'open' : 'short');
      else expect(p.verdict).toBe(depth >= 10 ? 'ok' : 'no_neural_activity');
      expect(p.color).toBe(CONTACT_VERDICT_COLORS[p.verdict as keyof typeof CONTACT_VERDICT_COLORS]);
    }
    // A trajectory that was not inserted: every healthy contact is silent.
    const t1 = plan.trajectories[1];
    if (t1)
      for (const p of contactVerdicts(t1.id, t1.contacts, summary))
        expect(p.verdict).toBe('no_neural_activity');
  });
});
