/**
 * The robot's motion on the graph, in stepped simulated time: pre-entry move (IK + quintic), insertion with
 * the 10 kHz servo under brain motion, retraction. Expected positions come from the plan's points and the
 * known demo image → robot transform (applied here by hand), not from the robot's own registration.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { forwardKinematics } from '@neuroplan/kinematics';
import { GoalStatus } from '../src/graph.ts';
import { DEMO_IMAGE_TO_ROBOT, DEMO_TRAJECTORIES } from '../src/robot/demo.ts';
import { ACTIONS, TOPICS } from '../src/robot/messages.ts';
import { Harness } from './robotHarness.ts';

let h: Harness;
afterEach(() => h?.close());

const toRobot = (p: readonly number[]) => {
  const m = DEMO_IMAGE_TO_ROBOT;
  return [0, 1, 2].map(
    (r) => m[4 * r]! * p[0]! + m[4 * r + 1]! * p[1]! + m[4 * r + 2]! * p[2]! + m[4 * r + 3]!,
  );
};

describe('simulated robot motion', () => {
  it('moves to the pre-entry pose, inserts along the planned axis, retracts', async () => {
    h = await Harness.create();
    const states: unknown[] = [];
    h.graph.subscribe(TOPICS.jointStates, undefined, (m) => states.push(m));
    await h.ready();
    const move = h.moveToPreEntry('T1', 5);
    h.runUntil(move, 30);
    expect(move.status, JSON.stringify(move.result)).toBe(GoalStatus.SUCCEEDED);
    expect(h.robot.currentPhase).toBe('at_pre_entry');
    expect(move.feedback.length).toBeGreaterThan(3);
    const t = DEMO_TRAJECTORIES[0]!;
    const entry = toRobot(t.entryLps);
    const target = toRobot(t.targetLps);
    const len = Math.hypot(...[0, 1, 2].map((k) => target[k]! - entry[k]!));
    const dir = [0, 1, 2].map((k) => (target[k]! - entry[k]!) / len);
    const tip = forwardKinematics(h.robot.chain, h.robot.joints()).positionMm;
    const expected = [0, 1, 2].map((k) => entry[k]! - 5 * dir[k]!);
    // Registration noise (0.05 mm per axis on the fiducials) moves the planned point by well under 0.2 mm.
    expect(Math.hypot(...[0, 1, 2].map((k) => tip[k]! - expected[k]!))).toBeLessThan(0.2);

    const ins = h.insert(3, 2);
    h.runUntil(ins, 30);
    expect(ins.status, JSON.stringify(ins.result)).toBe(GoalStatus.SUCCEEDED);
    const r = ins.result!;
    expect(r.success).toBe(true);
    expect(Math.abs((r.final_depth_mm as number) - 3)).toBeLessThan(0.005);
    expect(r.rms_tracking_error_um as number).toBeLessThan(5);
    expect(ins.feedback.some((f) => (f.tissue_displacement_um as number) !== 0)).toBe(true);
    // The needle tip lies on the planned axis, 3 mm past the entry (± brain motion, ≤ 0.3 mm here).
    const tip2 = forwardKinematics(h.robot.chain, h.robot.joints()).positionMm;
    const deep = [0, 1, 2].map((k) => entry[k]! + 3 * dir[k]!);
    expect(Math.hypot(...[0, 1, 2].map((k) => tip2[k]! - deep[k]!))).toBeLessThan(0.5);
    expect(h.robot.currentPhase).toBe('holding');

    const ret = h.goal(ACTIONS.retract, { ...h.fields(), speed_mm_per_s: 4 });
    h.runUntil(ret, 30);
    expect(ret.status, JSON.stringify(ret.result)).toBe(GoalStatus.SUCCEEDED);
    expect(h.robot.currentPhase).toBe('at_pre_entry');
    expect(states.length).toBeGreaterThan(100);
    const last = states.at(-1) as { name: string[]; position: number[] };
    expect(last.name).toEqual(h.robot.chain.joints.map((j) => j.name));
    expect(last.position[6]).toBeGreaterThanOrEqual(0);
    expect(last.position[6]).toBeLessThan(1e-4); // retracted: metres on the wire
  });

  it('publishes tf, the description, the tip pose in the patient frame, insertion status and diagnostics', async () => {
    h = await Harness.create();
    const got: Record<string, unknown[]> = {};
    for (const t of [
      TOPICS.tfStatic,
      TOPICS.robotDescription,
      TOPICS.tipPose,
      TOPICS.insertionStatus,
      TOPICS.diagnostics,
      TOPICS.tf,
      TOPICS.safetyState,
    ])
      h.graph.subscribe(t, undefined, (m) => (got[t] ??= []).push(m));
    expect(String((got[TOPICS.robotDescription]![0] as { data: string }).data)).toContain(
      '<robot name="neuroplan_robot"',
    );
    await h.ready();
    const move = h.moveToPreEntry('T1', 5);
    h.runUntil(move, 30);
    const ins = h.insert(2, 2);
    h.run(1.2);
    const statics = (
      got[TOPICS.tfStatic]!.at(-1) as {
        transforms: Array<{ header: { frame_id: string }; child_frame_id: string }>;
      }
    ).transforms;
    expect(statics.map((t) => `${t.header.frame_id}>${t.child_frame_id}`)).toEqual(
      expect.arrayContaining([
        'world>base_link',
        'link_6>tool0',
        'insertion_carriage>needle_tip',
        'world>patient_lps',
      ]),
    );
    const dyn = (got[TOPICS.tf]!.at(-1) as { transforms: unknown[] }).transforms;
    expect(dyn).toHaveLength(7);
    // Tip pose in patient_lps (m): on the planned line from the plan's own LPS points, between entry−5 mm and entry+2 mm.
    const tip = got[TOPICS.tipPose]!.at(-1) as {
      header: { frame_id: string };
      pose: { position: { x: number; y: number; z: number } };
    };
    expect(tip.header.frame_id).toBe('patient_lps');
    const t = DEMO_TRAJECTORIES[0]!;
    const p = [tip.pose.position.x * 1000, tip.pose.position.y * 1000, tip.pose.position.z * 1000];
    const len = Math.hypot(...[0, 1, 2].map((k) => t.targetLps[k]! - t.entryLps[k]!));
    const u = [0, 1, 2].map((k) => (t.targetLps[k]! - t.entryLps[k]!) / len);
    const along = [0, 1, 2].reduce((s, k) => s + (p[k]! - t.entryLps[k]!) * u[k]!, 0);
    const off = Math.hypot(...[0, 1, 2].map((k) => p[k]! - t.entryLps[k]! - along * u[k]!));
    expect(off).toBeLessThan(0.3);
    expect(along).toBeGreaterThan(-5.3);
    expect(along).toBeLessThan(2.3);
    const status = got[TOPICS.insertionStatus]!.at(-1) as {
      phase: string;
      trajectory_id: string;
      target_depth_mm: number;
    };
    expect(status.phase).toBe('inserting');
    expect(status.trajectory_id).toBe('T1');
    expect(status.target_depth_mm).toBe(2);
    const diag = got[TOPICS.diagnostics]!.at(-1) as {
      status: Array<{ name: string; values: Array<{ key: string; value: string }> }>;
    };
    const servo = diag.status.find((s) => s.name.includes('servo'))!;
    expect(servo.values.find((v) => v.key === 'servo_configured_rate_hz')!.value).toBe('10000');
    const safety = got[TOPICS.safetyState]!.at(-1) as {
      motion_enabled: boolean;
      controller: string;
      blocking_reasons: string[];
    };
    expect(safety.motion_enabled).toBe(true);
    expect(safety.controller).toBe('alice');
    h.runUntil(ins, 10);
    expect(ins.status).toBe(GoalStatus.SUCCEEDED);
  });
});
