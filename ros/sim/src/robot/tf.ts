/**
 * The robot's tf tree from its URDF, as robot_state_publisher makes it: one transform per joint, parent link
 * → child link; fixed joints on /tf_static, moving ones on /tf at the joint values (rad, m).
 */
import { poseFromRpy, quaternionFromRotation, type UrdfModel } from '@neuroplan/kinematics';
import type { Header, TransformStamped } from '@neuroplan/ros-messages';

interface JointTf {
  name: string;
  parent: string;
  child: string;
  type: string;
  /** Origin rotation (row-major) and translation (m). */
  r: Float64Array;
  t: [number, number, number];
  axis: [number, number, number];
}

function quat(r: ArrayLike<number>) {
  const q = quaternionFromRotation(r);
  return { x: q[0], y: q[1], z: q[2], w: q[3] };
}

export class TfTree {
  private readonly joints: JointTf[];
  constructor(model: UrdfModel) {
    this.joints = model.joints.map((j) => {
      const pose = poseFromRpy([j.origin.xyz[0], j.origin.xyz[1], j.origin.xyz[2]], j.origin.rpy);
      return {
        name: j.name,
        parent: j.parent,
        child: j.child,
        type: j.type,
        r: Float64Array.from(pose.rotation),
        t: [...j.origin.xyz] as [number, number, number],
        axis: (j.axis ?? [1, 0, 0]) as [number, number, number],
      };
    });
  }

  /** The fixed joints' transforms. */
  staticTransforms(stamp: Header['stamp']): TransformStamped[] {
    return this.joints
      .filter((j) => j.type === 'fixed')
      .map((j) => ({
        header: { stamp, frame_id: j.parent },
        child_frame_id: j.child,
        transform: { translation: { x: j.t[0], y: j.t[1], z: j.t[2] }, rotation: quat(j.r) },
      }));
  }

  /** The moving joints' transforms at `positions` (by joint name; rad, m). */
  dynamicTransforms(stamp: Header['stamp'], positions: ReadonlyMap<string, number>): TransformStamped[] {
    const out: TransformStamped[] = [];
    for (const j of this.joints) {
      if (j.type === 'fixed') continue;
      const q = positions.get(j.name) ?? 0;
      let r: ArrayLike<number> = j.r;
      let t = j.t;
      const [ax, ay, az] = j.axis;
      if (j.type === 'prismatic') {
        t = [
          j.t[0] + j.r[0]! * ax * q + j.r[1]! * ay * q + j.r[2]! * az * q,
          j.t[1] + j.r[3]! * ax * q + j.r[4]! * ay * q + j.r[5]! * az * q,
          j.t[2] + j.r[6]! * ax * q + j.r[7]! * ay * q + j.r[8]! * az * q,
        ];
      } else {
        // origin rotation · Rodrigues(axis, q)
        const c = Math.cos(q),
          s = Math.sin(q),
          v = 1 - c;
        const m = [
          c + ax * ax * v,
          ax * ay * v - az * s,
          ax * az * v + ay * s,
          ay * ax * v + az * s,
          c + ay * ay * v,
          ay * az * v - ax * s,
          az * ax * v - ay * s,
          az * ay * v + ax * s,
          c + az * az * v,
        ];
        const o = new Float64Array(9);
        for (let i = 0; i < 3; i++)
          for (let k = 0; k < 3; k++)
            o[3 * i + k] = j.r[3 * i]! * m[k]! + j.r[3 * i + 1]! * m[3 + k]! + j.r[3 * i + 2]! * m[6 + k]!;
        r = o;
      }
      out.push({
        header: { stamp, frame_id: j.parent },
        child_frame_id: j.child,
        transform: { translation: { x: t[0], y: t[1], z: t[2] }, rotation: quat(r) },
      });
    }
    return out;
  }
}
