/**
 * Shared types of the robot library. Units: the public API uses millimetres and radians, frames are named
 * (`robot` = the URDF's base_link frame). URDF itself is in metres: the parser converts once, on reading.
 */
export type Vec3 = [number, number, number];
/** Unit quaternion, x, y, z, w (ROS order). */
export type QuaternionXyzw = [number, number, number, number];

/** A rigid pose: rotation (row-major 3×3) and translation in mm. */
export interface Pose {
  rotation: Float64Array;
  positionMm: Vec3;
}

export type JointType = 'revolute' | 'continuous' | 'prismatic' | 'fixed';

export interface JointLimits {
  /** rad for revolute, mm for prismatic; ±Infinity for continuous. */
  lower: number;
  upper: number;
  /** rad/s or mm/s. */
  velocity: number;
  /** rad/s² or mm/s² (from the URDF's <limit> extension or the robot's parameters). */
  acceleration: number;
  /** N·m or N. */
  effort: number;
}

export interface ChainJoint {
  name: string;
  type: Exclude<JointType, 'fixed'>;
  /** Fixed transform from the parent link frame to the joint frame (origin xyz/rpy), mm. */
  originFromParent: Pose;
  /** Unit axis in the joint frame. */
  axis: Vec3;
  limits: JointLimits;
  /** Encoder resolution: rad per count (revolute) or mm per count (prismatic). */
  encoderResolution: number;
}

/** The serial chain from base_link to the tool link, with fixed joints folded into their neighbours. */
export interface KinematicChain {
  baseLink: string;
  toolLink: string;
  joints: ChainJoint[];
  /** Fixed transform from the last joint's frame (after its motion) to the tool link frame. */
  toolFromLastJoint: Pose;
}
