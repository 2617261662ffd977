/**
 * From wherever the arm is to a pre-entry pose above the entry point, ready to insert.
 *
 * The arm places the retracted needle on the planned axis `standoffMm` outside the entry; the insertion
 * axis alone then drives the needle along that axis (straight by construction, at the servo's precision),
 * and retracts along it. The pre-entry configuration comes from IK on the arm with the insertion axis
 * held retracted, choosing the roll about the needle that keeps the arm farthest from its joint limits
 * and singularities (solveOnAxis). The move there is a joint-space quintic, through a waypoint further out
 * on the same axis when the direct move would pass too close to the head; every sample is checked within
 * joint, velocity and acceleration limits and for clearance from the head surface.
 */
import { SurfaceIndex } from '@neuroplan/planning';
import { forwardKinematics, jointFrames } from '../fk.ts';
import { solveOnAxis, type AxisMargins } from '../ik.ts';
import { composePose } from '../pose.ts';
import type { KinematicChain, Pose, Vec3 } from '../types.ts';
import { jointCommandProblem, quinticJointTrajectory, type JointTrajectory } from './jointTrajectory.ts';

export interface ApproachRequest {
  /** Planned entry and target in the robot (base_link) frame, mm (after patient registration). */
  entryRobotMm: Vec3;
  targetRobotMm: Vec3;
  /** The arm's configuration now (all joints of the chain, insertion included). */
  currentJoints: ArrayLike<number>;
  /** Head surface points in the robot frame (e.g. the skull or scalp mesh vertices), mm. */
  headPointsRobotMm?: Float32Array;
  /** Needle tip outside the entry at the pre-entry pose (default 20 mm). */
  standoffMm?: number;
  /** Smallest allowed distance from the arm's tool points to the head while moving (default 10 mm). */
  clearanceMm?: number;
  /** Waypoint distance outside the entry used when the direct move passes too close (default 120 mm). */
  detourStandoffMm?: number;
  rateHz?: number;
}

export type ApproachPlan =
  | {
      ok: true;
      /** All joints, the insertion axis at its retracted (lower) limit. */
      preEntryJoints: Float64Array;
      /** The move(s) from the current configuration to the pre-entry pose, in order. */
      segments: JointTrajectory[];
      durationS: number;
      /** Closest approach of the tool points to the head (mm; capped at CLEARANCE_HORIZON_MM; Infinity without a head). */
      minHeadClearanceMm: number;
      /** Insertion-axis values: retracted, at the entry, and at the target (mm). */
      insertion: { retractedMm: number; atEntryMm: number; atTargetMm: number };
      margins: AxisMargins;
      usedDetour: boolean;
    }
  | { ok: false; reason: string };

/** The arm alone: the chain with its last (prismatic insertion) joint fixed at `valueMm`. */
export function armWithInsertionAt(chain: KinematicChain, valueMm: number): KinematicChain {
  const last = chain.joints[chain.joints.length - 1];
  if (!last || last.type !== 'prismatic')
    throw new Error('approach planning needs a chain whose last joint is the prismatic insertion axis');
  const slide: Pose = {
    rotation: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1),
    positionMm: [last.axis[0] * valueMm, last.axis[1] * valueMm, last.axis[2] * valueMm],
  };
  return {
    baseLink: chain.baseLink,
    toolLink: chain.toolLink,
    joints: chain.joints.slice(0, -1),
    toolFromLastJoint: composePose(composePose(last.originFromParent, slide), chain.toolFromLastJoint),
  };
}

const distance = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);

/** Points of the moving arm checked against the head: every joint frame origin and the needle tip. */
function toolPoints(chain: KinematicChain, q: ArrayLike<number>): Vec3[] {
  const frames = jointFrames(chain, q).slice(3); // the wrist, head and needle (the base is far away)
  return [...frames.map((f) => f.positionMm), forwardKinematics(chain, q).positionMm];
}

/** Clearances beyond this are reported as this (nothing farther matters to the approach). */
export const CLEARANCE_HORIZON_MM = 100;

function minClearance(
  chain: KinematicChain,
  segment: JointTrajectory,
  head: SurfaceIndex | undefined,
): number {
  if (!head) return Infinity;
  let best = CLEARANCE_HORIZON_MM;
  for (const q of segment.positions)
    for (const p of toolPoints(chain, q)) {
      const near = head.nearest(p, best);
      if (near) best = Math.min(best, near.distanceMm);
    }
  return best;
}

export function planApproach(chain: KinematicChain, request: ApproachRequest): ApproachPlan {
  const standoff = request.standoffMm ?? 20;
  const clearance = request.clearanceMm ?? 10;
  const detour = request.detourStandoffMm ?? 120;
  const rate = request.rateHz ?? 100;
  const { entryRobotMm: entry, targetRobotMm: target } = request;
  for (const [name, v] of [
    ['entry', entry],
    ['target', target],
  ] as const)
    if (v.length !== 3 || !v.every(Number.isFinite))
      return { ok: false, reason: `the ${name} must be 3 finite numbers (mm)` };
  const bad = jointCommandProblem(chain, request.currentJoints);
  if (bad) return { ok: false, reason: `the current configuration cannot be commanded: ${bad}` };
  if (!(standoff > 0) || !(clearance >= 0) || !(detour > standoff))
    return {
      ok: false,
      reason: 'standoff must be > 0, clearance ≥ 0 and the detour standoff larger than the standoff (mm)',
    };
  const lengthMm = distance(entry, target);
  if (!(lengthMm > 0)) return { ok: false, reason: 'the entry and the target are the same point' };
  const dir: Vec3 = [
    (target[0] - entry[0]) / lengthMm,
    (target[1] - entry[1]) / lengthMm,
    (target[2] - entry[2]) / lengthMm,
  ];

  const insertion = chain.joints[chain.joints.length - 1]!;
  const retracted = insertion.limits.lower;
  const stroke = insertion.limits.upper - retracted;
  if (standoff + lengthMm > stroke)
    return {
      ok: false,
      reason: `the insertion needs ${(standoff + lengthMm).toFixed(1)} mm of stroke (${standoff} mm standoff + ${lengthMm.toFixed(1)} mm trajectory); the insertion axis has ${stroke.toFixed(1)} mm`,
    };

  // Pre-entry: needle tip `standoff` outside the entry, on the axis, insertion retracted.
  const arm = armWithInsertionAt(chain, retracted);
  const onAxis = (outMm: number, seed?: ArrayLike<number>) =>
    solveOnAxis(
      arm,
      [entry[0] - outMm * dir[0], entry[1] - outMm * dir[1], entry[2] - outMm * dir[2]],
      dir,
      0,
      {
        ...(seed && { seed }),
      },
    );
  const pre = onAxis(standoff, Array.from(request.currentJoints).slice(0, -1));
  if (!pre.ok)
    return { ok: false, reason: `no arm configuration puts the needle on the planned axis: ${pre.reason}` };
  const full = (armJoints: ArrayLike<number>): Float64Array =>
    Float64Array.from([...Array.from(armJoints), retracted]);
  const preEntryJoints = full(pre.joints);

  const head = request.headPointsRobotMm
    ? new SurfaceIndex(
        {
          positionsLps: request.headPointsRobotMm,
          normalsLps: request.headPointsRobotMm,
          indices: new Uint32Array(0),
        },
        10,
      )
    : undefined;
  // The arm first retracts its needle, then moves.
  const start = Float64Array.from(request.currentJoints);
  start[start.length - 1] = retracted;
  const moves: JointTrajectory[] = [];
  if (request.currentJoints[chain.joints.length - 1] !== retracted)
    moves.push(quinticJointTrajectory(chain, request.currentJoints, start, rate));
  const direct = quinticJointTrajectory(chain, start, preEntryJoints, rate);
  let approach = [direct];
  let usedDetour = false;
  let clearanceMm = minClearance(chain, direct, head);
  if (clearanceMm < clearance) {
    // Through a waypoint further out on the same axis (as far out as the arm reaches): the last move
    // then runs out along the axis.
    const directMm = clearanceMm;
    let best: { moves: JointTrajectory[]; clearanceMm: number } | undefined;
    for (const out of [detour, (2 * detour) / 3, detour / 2, detour / 3].filter((d) => d > standoff)) {
      const far = onAxis(out, pre.joints);
      if (!far.ok) continue;
      const farJoints = full(far.joints);
      const moves = [
        quinticJointTrajectory(chain, start, farJoints, rate),
        quinticJointTrajectory(chain, farJoints, preEntryJoints, rate),
      ];
      const c = Math.min(...moves.map((m) => minClearance(chain, m, head)));
      if (!best || c > best.clearanceMm) best = { moves, clearanceMm: c };
      if (c >= clearance) break;
    }
    if (!best)
      return {
        ok: false,
        reason: `the direct move passes ${directMm.toFixed(1)} mm from the head and the arm reaches no waypoint further out on the axis`,
      };
    approach = best.moves;
    clearanceMm = best.clearanceMm;
    usedDetour = true;
    if (clearanceMm < clearance)
      return {
        ok: false,
        reason: `every approach found passes ${clearanceMm.toFixed(1)} mm from the head (at least ${clearance} mm required); move the robot base or the head`,
      };
  }
  moves.push(...approach);
  const { ok: _ok, joints: _j, positionErrorMm: _p, axisAngleErrorRad: _a, iterations: _i, ...margins } = pre;
  return {
    ok: true,
    preEntryJoints,
    segments: moves,
    durationS: moves.reduce((s, m) => s + m.durationS, 0),
    minHeadClearanceMm: clearanceMm,
    insertion: {
      retractedMm: retracted,
      atEntryMm: retracted + standoff,
      atTargetMm: retracted + standoff + lengthMm,
    },
    margins,
    usedDetour,
  };
}
