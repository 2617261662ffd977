/**
 * The fiducial workflow of the demo case. Image side: the phantom's fiducial centres from its analytic
 * ground truth (the demo case is phantom seed 1, size 160; `buildPhantomModel` is the same model the
 * planning worker renders the images from, ~40 ms, no voxels). Robot side: the simulated robot offers no
 * way to touch fiducials, so their robot-frame positions are those of a KNOWN SIMULATED PATIENT POSE
 * (the head placed in front of the robot, reachable from above) plus a small seeded localisation error,
 * as a tracked pointer would give. The robot then fits the transform itself (its FRE is the noise, and
 * its fit recovers the pose to within it).
 */
import { buildPhantomModel, mulberry32 } from '@neuroplan/imaging';
import { DEMO_CASE_NAME } from '../store/caseSlice.ts';

export type Vec3 = [number, number, number];

/** Where the simulated patient lies: robot(world) = R · (LPS − headCentre) + centreWorldMm. */
export interface SimulatedPatientPose {
  /** Row-major 3×3 rotation LPS → world. */
  rotation: number[];
  /** Where the head centre is in the robot frame, mm. */
  centreWorldMm: Vec3;
  /** RMS-ish size of the simulated touch error per axis, mm (uniform ±). */
  touchErrorMm: number;
}

/**
 * The head 550 mm in front of the robot base and 300 mm up, the patient's superior axis up (LPS +z =
 * world +z) and the patient's posterior towards the robot (LPS +y = world −x): entries on the top and the
 * sides of the head are then reachable from above.
 */
export const DEFAULT_PATIENT_POSE: SimulatedPatientPose = {
  rotation: [0, -1, 0, 1, 0, 0, 0, 0, 1],
  centreWorldMm: [550, 0, 300],
  touchErrorMm: 0.15,
};

export interface DemoFiducials {
  imageLps: Vec3[];
  headCentreLps: Vec3;
}

let cached: DemoFiducials | null = null;

/** The demo case's fiducials, or null when another case is open (their positions are not known here). */
export function demoFiducials(caseName: string): DemoFiducials | null {
  if (caseName !== DEMO_CASE_NAME) return null;
  if (!cached) {
    const m = buildPhantomModel({ size: 160, seed: 1 });
    cached = {
      imageLps: m.anatomy.fiducials.map((f) => [...f.centerLps] as Vec3),
      headCentreLps: [...m.anatomy.headCenterLps] as Vec3,
    };
  }
  return cached;
}

export function patientToWorld(pose: SimulatedPatientPose, headCentreLps: Vec3, p: readonly number[]): Vec3 {
  const d = [p[0]! - headCentreLps[0], p[1]! - headCentreLps[1], p[2]! - headCentreLps[2]];
  const r = pose.rotation;
  return [0, 1, 2].map(
    (i) => r[3 * i]! * d[0]! + r[3 * i + 1]! * d[1]! + r[3 * i + 2]! * d[2]! + pose.centreWorldMm[i]!,
  ) as Vec3;
}

/** The fiducials as the simulated robot would touch them (pose + seeded error), mm in the robot frame. */
export function touchedFiducials(
  f: DemoFiducials,
  pose: SimulatedPatientPose = DEFAULT_PATIENT_POSE,
  seed = 7,
): Vec3[] {
  const rnd = mulberry32(seed);
  return f.imageLps.map((p) => {
    const w = patientToWorld(pose, f.headCentreLps, p);
    return w.map((c) => c + (2 * rnd() - 1) * pose.touchErrorMm) as Vec3;
  });
}

/** A geometry_msgs/Transform (m, quaternion) as a row-major 4×4 in mm. */
export function transformToMatrixMm(t: {
  translation: { x: number; y: number; z: number };
  rotation: { x: number; y: number; z: number; w: number };
}): number[] {
  const { x, y, z, w } = t.rotation;
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - z * w),
    2 * (x * z + y * w),
    t.translation.x * 1000,
    2 * (x * y + z * w),
    1 - 2 * (x * x + z * z),
    2 * (y * z - x * w),
    t.translation.y * 1000,
    2 * (x * z - y * w),
    2 * (y * z + x * w),
    1 - 2 * (x * x + y * y),
    t.translation.z * 1000,
    0,
    0,
    0,
    1,
  ];
}

export function applyMatrix(m: readonly number[], p: readonly number[]): Vec3 {
  return [0, 1, 2].map(
    (i) => m[4 * i]! * p[0]! + m[4 * i + 1]! * p[1]! + m[4 * i + 2]! * p[2]! + m[4 * i + 3]!,
  ) as Vec3;
}
