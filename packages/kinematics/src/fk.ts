/**
 * Forward kinematics and the geometric Jacobian of a {@link KinematicChain}. Browser-safe.
 *
 * Frames: everything is expressed in the chain's base frame (`robot` = base_link), positions in mm.
 * Joint i's frame is its parent frame ∘ originFromParent ∘ motion(q_i) (rotation about / translation along
 * the unit axis in the joint frame), i.e. the child link frame of joint i.
 *
 * Speed: a chain is compiled once (flat Float64Arrays, cached per chain object in a WeakMap, so chains are
 * treated as immutable once used) and the hot calls `forwardKinematicsInto` and `geometricJacobian` with
 * `out` given allocate nothing. Not re-entrant across threads (none in JS) — each worker compiles its own.
 */
import type { KinematicChain, Pose } from './types.ts';

interface Compiled {
  n: number;
  names: string[];
  prismatic: Uint8Array;
  /** Per joint: originFromParent rotation (9, row-major) then translation (3), mm. */
  origin: Float64Array;
  /** Per joint: unit axis in the joint frame. */
  axis: Float64Array;
  /** toolFromLastJoint: rotation (9) then translation (3). */
  tool: Float64Array;
  /** Scratch: per joint frame after the motion, [R (9), p (3)] in the base frame. */
  frames: Float64Array;
  /** Scratch: per joint, the axis in the base frame. */
  worldAxis: Float64Array;
  /** Scratch: the tool pose [R (9), p (3)]. */
  toolPose: Float64Array;
}

const cache = new WeakMap<KinematicChain, Compiled>();

function compile(chain: KinematicChain): Compiled {
  const hit = cache.get(chain);
  if (hit) return hit;
  const n = chain.joints.length;
  if (n === 0) throw new Error(`chain ${chain.baseLink} → ${chain.toolLink} has no joint`);
  const origin = new Float64Array(12 * n);
  const axis = new Float64Array(3 * n);
  const prismatic = new Uint8Array(n);
  const putPose = (dst: Float64Array, at: number, p: Pose, what: string) => {
    if (p.rotation.length !== 9) throw new Error(`${what}: rotation needs 9 numbers`);
    for (let k = 0; k < 9; k++) dst[at + k] = p.rotation[k]!;
    for (let k = 0; k < 3; k++) dst[at + 9 + k] = p.positionMm[k]!;
    for (let k = 0; k < 12; k++)
      if (!Number.isFinite(dst[at + k])) throw new Error(`${what}: pose has a non-finite number`);
  };
  chain.joints.forEach((j, i) => {
    putPose(origin, 12 * i, j.originFromParent, `joint '${j.name}'`);
    const [ax, ay, az] = j.axis;
    if (!(Math.abs(Math.hypot(ax, ay, az) - 1) < 1e-9))
      throw new Error(`joint '${j.name}': axis [${j.axis.join(', ')}] is not a unit vector`);
    axis.set(j.axis, 3 * i);
    if (j.type === 'prismatic') prismatic[i] = 1;
    else if (j.type !== 'revolute' && j.type !== 'continuous')
      throw new Error(`joint '${j.name}': type '${String(j.type)}' cannot move in a chain`);
  });
  const tool = new Float64Array(12);
  putPose(tool, 0, chain.toolFromLastJoint, 'toolFromLastJoint');
  const c: Compiled = {
    n,
    names: chain.joints.map((j) => j.name),
    prismatic,
    origin,
    axis,
    tool,
    frames: new Float64Array(12 * n),
    worldAxis: new Float64Array(3 * n),
    toolPose: new Float64Array(12),
  };
  cache.set(chain, c);
  return c;
}

function checkJoints(c: Compiled, q: ArrayLike<number>, what: string): void {
  if (q == null || typeof q.length !== 'number')
    throw new Error(`${what}: joint values must be an array of ${c.n} numbers`);
  if (q.length !== c.n)
    throw new Error(`${what}: expected ${c.n} joint values (${c.names.join(', ')}), got ${q.length}`);
  for (let i = 0; i < c.n; i++) {
    const v = q[i];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`${what}: joint '${c.names[i]}' value is not a finite number (${String(v)})`);
  }
}

/** Walk the chain: fills c.frames, c.worldAxis and c.toolPose. */
function run(c: Compiled, q: ArrayLike<number>): void {
  const { n, origin: o, axis: ax, frames: f, worldAxis: wa, prismatic } = c;
  let r00 = 1,
    r01 = 0,
    r02 = 0,
    r10 = 0,
    r11 = 1,
    r12 = 0,
    r20 = 0,
    r21 = 0,
    r22 = 1,
    px = 0,
    py = 0,
    pz = 0;
  for (let i = 0; i < n; i++) {
    const b = 12 * i;
    // p += R·t_origin; R = R·R_origin
    const tx = o[b + 9]!,
      ty = o[b + 10]!,
      tz = o[b + 11]!;
    px += r00 * tx + r01 * ty + r02 * tz;
    py += r10 * tx + r11 * ty + r12 * tz;
    pz += r20 * tx + r21 * ty + r22 * tz;
    const m00 = o[b]!,
      m01 = o[b + 1]!,
      m02 = o[b + 2]!,
      m10 = o[b + 3]!,
      m11 = o[b + 4]!,
      m12 = o[b + 5]!,
      m20 = o[b + 6]!,
      m21 = o[b + 7]!,
      m22 = o[b + 8]!;
    let a00 = r00 * m00 + r01 * m10 + r02 * m20,
      a01 = r00 * m01 + r01 * m11 + r02 * m21,
      a02 = r00 * m02 + r01 * m12 + r02 * m22,
      a10 = r10 * m00 + r11 * m10 + r12 * m20,
      a11 = r10 * m01 + r11 * m11 + r12 * m21,
      a12 = r10 * m02 + r11 * m12 + r12 * m22,
      a20 = r20 * m00 + r21 * m10 + r22 * m20,
      a21 = r20 * m01 + r21 * m11 + r22 * m21,
      a22 = r20 * m02 + r21 * m12 + r22 * m22;
    const ux = ax[3 * i]!,
      uy = ax[3 * i + 1]!,
      uz = ax[3 * i + 2]!;
    // The axis in the base frame (the joint's own motion leaves it unchanged).
    const wx = a00 * ux + a01 * uy + a02 * uz,
      wy = a10 * ux + a11 * uy + a12 * uz,
      wz = a20 * ux + a21 * uy + a22 * uz;
    wa[3 * i] = wx;
    wa[3 * i + 1] = wy;
    wa[3 * i + 2] = wz;
    const qi = q[i]!;
    if (prismatic[i]) {
      px += wx * qi;
      py += wy * qi;
      pz += wz * qi;
    } else {
      // R·Rot(u, q) = Rot(w, q)·R with w = R·u (Rodrigues in the base frame).
      const cq = Math.cos(qi),
        sq = Math.sin(qi),
        vq = 1 - cq;
      const k00 = cq + wx * wx * vq,
        k01 = wx * wy * vq - wz * sq,
        k02 = wx * wz * vq + wy * sq,
        k10 = wy * wx * vq + wz * sq,
        k11 = cq + wy * wy * vq,
        k12 = wy * wz * vq - wx * sq,
        k20 = wz * wx * vq - wy * sq,
        k21 = wz * wy * vq + wx * sq,
        k22 = cq + wz * wz * vq;
      const b00 = k00 * a00 + k01 * a10 + k02 * a20,
        b01 = k00 * a01 + k01 * a11 + k02 * a21,
        b02 = k00 * a02 + k01 * a12 + k02 * a22,
        b10 = k10 * a00 + k11 * a10 + k12 * a20,
        b11 = k10 * a01 + k11 * a11 + k12 * a21,
        b12 = k10 * a02 + k11 * a12 + k12 * a22,
        b20 = k20 * a00 + k21 * a10 + k22 * a20,
        b21 = k20 * a01 + k21 * a11 + k22 * a21,
        b22 = k20 * a02 + k21 * a12 + k22 * a22;
      a00 = b00;
      a01 = b01;
      a02 = b02;
      a10 = b10;
      a11 = b11;
      a12 = b12;
      a20 = b20;
      a21 = b21;
      a22 = b22;
    }
    r00 = a00;
    r01 = a01;
    r02 = a02;
    r10 = a10;
    r11 = a11;
    r12 = a12;
    r20 = a20;
    r21 = a21;
    r22 = a22;
    f[b] = r00;
    f[b + 1] = r01;
    f[b + 2] = r02;
    f[b + 3] = r10;
    f[b + 4] = r11;
    f[b + 5] = r12;
    f[b + 6] = r20;
    f[b + 7] = r21;
    f[b + 8] = r22;
    f[b + 9] = px;
    f[b + 10] = py;
    f[b + 11] = pz;
  }
  const t = c.tool,
    out = c.toolPose;
  out[9] = px + r00 * t[9]! + r01 * t[10]! + r02 * t[11]!;
  out[10] = py + r10 * t[9]! + r11 * t[10]! + r12 * t[11]!;
  out[11] = pz + r20 * t[9]! + r21 * t[10]! + r22 * t[11]!;
  for (let j = 0; j < 3; j++) {
    const t0 = t[j]!,
      t1 = t[3 + j]!,
      t2 = t[6 + j]!;
    out[j] = r00 * t0 + r01 * t1 + r02 * t2;
    out[3 + j] = r10 * t0 + r11 * t1 + r12 * t2;
    out[6 + j] = r20 * t0 + r21 * t1 + r22 * t2;
  }
}

const poseOf = (buf: Float64Array, at: number): Pose => ({
  rotation: buf.slice(at, at + 9),
  positionMm: [buf[at + 9]!, buf[at + 10]!, buf[at + 11]!],
});

/** Tool pose in the base frame for joint values `q` (rad, and mm for prismatic joints). */
export function forwardKinematics(chain: KinematicChain, q: ArrayLike<number>): Pose {
  const c = compile(chain);
  checkJoints(c, q, 'forwardKinematics');
  run(c, q);
  return poseOf(c.toolPose, 0);
}

/**
 * Allocation-free FK: writes the tool pose as 12 numbers, rotation row-major (9) then position mm (3),
 * into `out` (length ≥ 12) and returns it.
 */
export function forwardKinematicsInto(
  chain: KinematicChain,
  q: ArrayLike<number>,
  out: Float64Array = new Float64Array(12),
): Float64Array {
  const c = compile(chain);
  checkJoints(c, q, 'forwardKinematicsInto');
  if (out.length < 12) throw new Error('forwardKinematicsInto: out needs 12 numbers');
  run(c, q);
  for (let k = 0; k < 12; k++) out[k] = c.toolPose[k]!;
  return out;
}

/** Every joint's frame (its child link frame, after the joint's motion) in the base frame, base → tip. */
export function jointFrames(chain: KinematicChain, q: ArrayLike<number>): Pose[] {
  const c = compile(chain);
  checkJoints(c, q, 'jointFrames');
  run(c, q);
  return Array.from({ length: c.n }, (_, i) => poseOf(c.frames, 12 * i));
}

/**
 * Geometric Jacobian at `q`, 6×n row-major: rows vx, vy, vz (mm per rad, or mm per mm for prismatic
 * joints) of the tool origin, then wx, wy, wz (rad per unit), all in the base frame — KDL's convention
 * (ChainJntToJacSolver: reference point the tool origin, base-frame axes) with lengths in mm.
 * With `out` (length ≥ 6n) nothing is allocated; `toolPoseOut` (length ≥ 12) receives the tool pose as
 * in {@link forwardKinematicsInto}, computed on the way.
 */
export function geometricJacobian(
  chain: KinematicChain,
  q: ArrayLike<number>,
  out?: Float64Array,
  toolPoseOut?: Float64Array,
): Float64Array {
  const c = compile(chain);
  checkJoints(c, q, 'geometricJacobian');
  const n = c.n;
  const J = out ?? new Float64Array(6 * n);
  if (J.length < 6 * n) throw new Error(`geometricJacobian: out needs ${6 * n} numbers, has ${J.length}`);
  if (toolPoseOut && toolPoseOut.length < 12)
    throw new Error('geometricJacobian: toolPoseOut needs 12 numbers');
  run(c, q);
  const f = c.frames,
    wa = c.worldAxis,
    tp = c.toolPose;
  const ex = tp[9]!,
    ey = tp[10]!,
    ez = tp[11]!;
  for (let i = 0; i < n; i++) {
    const wx = wa[3 * i]!,
      wy = wa[3 * i + 1]!,
      wz = wa[3 * i + 2]!;
    if (c.prismatic[i]) {
      J[i] = wx;
      J[n + i] = wy;
      J[2 * n + i] = wz;
      J[3 * n + i] = 0;
      J[4 * n + i] = 0;
      J[5 * n + i] = 0;
    } else {
      // v = w × (p_tool − p_joint): the joint origin lies on its axis.
      const dx = ex - f[12 * i + 9]!,
        dy = ey - f[12 * i + 10]!,
        dz = ez - f[12 * i + 11]!;
      J[i] = wy * dz - wz * dy;
      J[n + i] = wz * dx - wx * dz;
      J[2 * n + i] = wx * dy - wy * dx;
      J[3 * n + i] = wx;
      J[4 * n + i] = wy;
      J[5 * n + i] = wz;
    }
  }
  if (toolPoseOut) for (let k = 0; k < 12; k++) toolPoseOut[k] = tp[k]!;
  return J;
}

/** Joint names of the chain in order (base → tip). */
export const jointNames = (chain: KinematicChain): string[] => chain.joints.map((j) => j.name);
