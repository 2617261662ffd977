/**
 * The BCI node beside the simulated robot (as sim.ts starts them): it records the loaded plan's electrodes and
 * its contacts enter tissue as the robot inserts, through /robot/insertion_status. Expected: the contacts whose
 * depth (insertion depth − distance from the tip, from the plan's geometry) passes the 10 mm brain surface.
 */
import { describe, expect, it } from 'vitest';
import { startBciNode } from '../src/bci/node.ts';
import { GoalStatus } from '../src/graph.ts';
import { Harness } from './robotHarness.ts';

describe('BCI node with the simulated robot', () => {
  it('follows the robot insertion of the loaded plan', async () => {
    const h = await Harness.create();
    const bci = startBciNode(h.graph, {
      seed: 2,
      sampleRateHz: 20000,
      loopS: 1,
      epochS: h.robot.clock.epochS,
      plan: () => h.robot.loadedPlan?.plan ?? null,
    });
    const step = (seconds: number) => {
      for (let t = 0; t < seconds - 1e-9; t += 0.05) {
        h.run(0.05);
        bci.advance(0.05);
      }
    };
    try {
      // Before a plan: the default electrode.
      expect(bci.contacts()[0]!.electrodeId).toBe('E1');
      await h.ready();
      step(0.1);
      const plan = h.robot.loadedPlan!.plan;
      const t1 = plan.trajectories.find((t) => t.id === 'T1')!;
      expect([...new Set(bci.contacts().map((c) => c.electrodeId))]).toEqual(
        plan.trajectories.map((t) => t.id),
      );

      const move = h.moveToPreEntry('T1', 5);
      for (let t = 0; t < 60 && move.status === undefined; t += 0.05) step(0.05);
      expect(move.status).toBe(GoalStatus.SUCCEEDED);
      // 27 mm puts T1's contacts (1 + 3.5·(k−1) mm from the tip) ≥ 1.5 mm away from the 10 mm brain surface.
      const depth = 27;
      expect(t1.lengthMm).toBeGreaterThan(depth);
      const ins = h.insert(depth, 5); // the insertion axis limit
      for (let t = 0; t < 60 && ins.status === undefined; t += 0.05) step(0.05);
      expect(ins.status).toBe(GoalStatus.SUCCEEDED);
      step(4.2);

      const summary = bci.lastSummary!;
      for (const c of bci.contacts().filter((x) => x.electrodeId === 'T1')) {
        const planned = t1.contacts.find((p) => p.index === c.contactNumber)!;
        // The robot reached the commanded depth (within the servo's tracking, well under a millimetre).
        expect(c.depthMm).toBeCloseTo(depth - planned.distanceFromTipMm, 0);
        const report = summary.channels.find(
          (r) => r.electrode_id === 'T1' && r.contact_number === c.contactNumber,
        )!;
        if ([2, 3, 6].includes(c.contactNumber)) continue; // the planted faults
        expect(Math.abs(c.depthMm - 10)).toBeGreaterThan(1);
        expect(report.verdict).toBe(c.depthMm >= 10 ? 'ok' : 'no_neural_activity');
      }
      // T2 was not inserted.
      for (const r of summary.channels.filter((x) => x.electrode_id === 'T2'))
        expect(r.verdict).toBe('no_neural_activity');
    } finally {
      bci.close();
      h.close();
    }
  });
});
