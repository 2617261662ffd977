/**
 * A demo case for the simulated robot: an approved two-trajectory plan in a synthetic head's LPS frame, and
 * skull fiducials located in the image and touched by the robot (the robot's points are the image points
 * under a known image → robot transform, plus optional seeded localisation noise). The head sits in front
 * of the robot, within reach of the pre-entry poses.
 */
import {
  DEFAULT_CONSTRAINTS,
  DEFAULT_ELECTRODES,
  approvePlan,
  createPlan,
  planContentSha256,
  serializePlan,
  type Plan,
  type PlanEvaluation,
  type Trajectory,
} from '@neuroplan/planning';
import type { Vec3 } from '@neuroplan/kinematics';
import type { RosTime } from './clock.ts';

/** Image LPS → robot base_link (mm): a 10° turn about the vertical, the head centre 600 mm ahead, 250 mm up. */
export const DEMO_IMAGE_TO_ROBOT: readonly number[] = (() => {
  const a = (10 * Math.PI) / 180;
  const c = Math.cos(a),
    s = Math.sin(a);
  return [c, -s, 0, 600, s, c, 0, 0, 0, 0, 1, 250, 0, 0, 0, 1];
})();

export const DEMO_TRAJECTORIES: readonly Trajectory[] = [
  {
    id: 'T1',
    electrodeId: 'seeg-8',
    entryLps: [30, -20, 60],
    targetLps: [20, -10, 10],
    label: 'demo target 1',
  },
  {
    id: 'T2',
    electrodeId: 'seeg-8',
    entryLps: [-40, 10, 55],
    targetLps: [-15, 5, 5],
    label: 'demo target 2',
  },
];

/** Skull fiducials in image LPS (mm), spread around the head. */
export const DEMO_FIDUCIALS_LPS: readonly Vec3[] = [
  [70, 0, 30],
  [-70, 0, 30],
  [0, 85, 30],
  [0, -85, 30],
  [0, 0, 95],
  [50, 50, 65],
];

const evaluation: PlanEvaluation = {
  score: 0.1,
  vessel: { clearanceMm: 4, depthMm: 20 },
  ventricle: { clearanceMm: 10, depthMm: 40 },
  sulcus: { clearanceMm: 2, depthMm: 5 },
  violations: [],
};

/** The demo plan, approved (or not, with `approved: false`). */
export function demoPlan(options: { approved?: boolean; trajectories?: readonly Trajectory[] } = {}): Plan {
  const trajectories = options.trajectories ?? DEMO_TRAJECTORIES;
  const plan = createPlan({
    caseRef: { caseId: 'robot-demo', series: [] },
    electrodes: DEFAULT_ELECTRODES,
    trajectories,
    evaluations: trajectories.map(() => evaluation),
    constraints: DEFAULT_CONSTRAINTS,
    software: { name: 'NeuroPlan', version: '0.1.0' },
    createdAt: '2026-11-25T00:00:00.000Z',
  });
  return options.approved === false
    ? plan
    : approvePlan(plan, { name: 'Dr Demo', role: 'neurosurgeon' }, '2026-11-25T00:10:00.000Z');
}

/** LoadPlan request fields for a plan: its file text and content hash. */
export function planFileFields(plan: Plan): { plan_json: string; plan_sha256: string } {
  return { plan_json: serializePlan(plan), plan_sha256: planContentSha256(plan) };
}

const applyMm = (m: readonly number[], p: readonly number[]): Vec3 => [
  m[0]! * p[0]! + m[1]! * p[1]! + m[2]! * p[2]! + m[3]!,
  m[4]! * p[0]! + m[5]! * p[1]! + m[6]! * p[2]! + m[7]!,
  m[8]! * p[0]! + m[9]! * p[1]! + m[10]! * p[2]! + m[11]!,
];

/** mulberry32 + Box–Muller: reproducible noise. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Fiducial pairs: image points and where the robot touches them (mm), with per-axis noise σ (mm). */
export function demoFiducials(
  options: {
    noiseMm?: number;
    seed?: number;
    imageLps?: readonly Vec3[];
    imageToRobot?: readonly number[];
  } = {},
): { imageLps: Vec3[]; robotMm: Vec3[] } {
  const image = (options.imageLps ?? DEMO_FIDUCIALS_LPS).map((p) => [...p] as Vec3);
  const noise = options.noiseMm ?? 0.05;
  const g = gaussian(options.seed ?? 7);
  const m = options.imageToRobot ?? DEMO_IMAGE_TO_ROBOT;
  return { imageLps: image, robotMm: image.map((p) => applyMm(m, p).map((v) => v + noise * g()) as Vec3) };
}

const pointM = (p: readonly number[]) => ({ x: p[0]! / 1000, y: p[1]! / 1000, z: p[2]! / 1000 });

/** A RegisterPatient request (metres on the wire). */
export function registerRequest(
  leaseId: string,
  fiducials: { imageLps: readonly Vec3[]; robotMm: readonly Vec3[] },
  targetsLps: readonly Vec3[] = [],
) {
  return {
    lease_id: leaseId,
    image_fiducials_lps: fiducials.imageLps.map(pointM),
    robot_fiducials: fiducials.robotMm.map(pointM),
    targets_lps: targetsLps.map(pointM),
  };
}

let commandCounter = 0;
/** Common motion-goal fields: the lease, a fresh command id and the stamp. */
export function commandFields(
  leaseId: string,
  stamp: RosTime,
  commandId = `cmd-${Date.now()}-${++commandCounter}`,
) {
  return { lease_id: leaseId, command_id: commandId, stamp };
}
