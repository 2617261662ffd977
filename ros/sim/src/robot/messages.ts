/**
 * The robot's ROS interface names and the message shapes it reads and writes, in the rosbridge JSON mapping
 * (ros-spec: SI units on the wire except fields whose names carry a unit). These mirror the definitions in
 * ros/neuroplan_interfaces and the standard packages; requests from clients are untrusted and are read
 * through the checks in commands.ts, never cast blindly.
 */
import type { RosTime } from './clock.ts';

export const TOPICS = Object.freeze({
  jointStates: '/joint_states',
  tf: '/tf',
  tfStatic: '/tf_static',
  robotDescription: '/robot_description',
  diagnostics: '/diagnostics',
  insertionStatus: '/robot/insertion_status',
  tipPose: '/robot/tip_pose',
  safetyState: '/robot/safety_state',
  heartbeat: '/operator/heartbeat',
});

export const SERVICES = Object.freeze({
  estop: '/robot/estop',
  claimControl: '/robot/claim_control',
  releaseControl: '/robot/release_control',
  loadPlan: '/robot/load_plan',
  registerPatient: '/robot/register_patient',
  resetEstop: '/robot/reset_estop',
});

export const ACTIONS = Object.freeze({
  followJointTrajectory: '/joint_trajectory_controller/follow_joint_trajectory',
  moveToPreEntry: '/robot/move_to_pre_entry',
  insert: '/robot/insert',
  retract: '/robot/retract',
});

export const TYPES = Object.freeze({
  jointState: 'sensor_msgs/msg/JointState',
  tfMessage: 'tf2_msgs/msg/TFMessage',
  string: 'std_msgs/msg/String',
  diagnosticArray: 'diagnostic_msgs/msg/DiagnosticArray',
  poseStamped: 'geometry_msgs/msg/PoseStamped',
  trigger: 'std_srvs/srv/Trigger',
  followJointTrajectory: 'control_msgs/action/FollowJointTrajectory',
  heartbeat: 'neuroplan_interfaces/msg/Heartbeat',
  safetyState: 'neuroplan_interfaces/msg/SafetyState',
  insertionStatus: 'neuroplan_interfaces/msg/InsertionStatus',
  claimControl: 'neuroplan_interfaces/srv/ClaimControl',
  releaseControl: 'neuroplan_interfaces/srv/ReleaseControl',
  loadPlan: 'neuroplan_interfaces/srv/LoadPlan',
  registerPatient: 'neuroplan_interfaces/srv/RegisterPatient',
  resetEstop: 'neuroplan_interfaces/srv/ResetEstop',
  moveToPreEntry: 'neuroplan_interfaces/action/MoveToPreEntry',
  insert: 'neuroplan_interfaces/action/Insert',
  retract: 'neuroplan_interfaces/action/Retract',
});

export interface Header {
  stamp: RosTime;
  frame_id: string;
}
export interface Point {
  x: number;
  y: number;
  z: number;
}
export interface Quaternion extends Point {
  w: number;
}
export interface Transform {
  translation: Point;
  rotation: Quaternion;
}
export interface TransformStamped {
  header: Header;
  child_frame_id: string;
  transform: Transform;
}

export interface JointStateMsg {
  header: Header;
  name: string[];
  position: number[];
  velocity: number[];
  effort: number[];
}

export type Phase =
  | 'idle'
  | 'moving_to_pre_entry'
  | 'at_pre_entry'
  | 'inserting'
  | 'holding'
  | 'retracting'
  | 'done'
  | 'stopped'
  | 'estopped';

export interface SafetyStateMsg {
  header: Header;
  estop_latched: boolean;
  deadman_ok: boolean;
  motion_enabled: boolean;
  controller: string;
  lease_id_hash: string;
  plan_approved: boolean;
  registration_ok: boolean;
  blocking_reasons: string[];
}

export interface InsertionStatusMsg {
  header: Header;
  phase: Phase;
  trajectory_id: string;
  depth_mm: number;
  target_depth_mm: number;
  velocity_mm_per_s: number;
  tracking_error_um: number;
  tissue_displacement_um: number;
  force_n: number;
}

export interface RegistrationResultMsg {
  header: Header;
  success: boolean;
  reason: string;
  patient_to_robot: Transform;
  fre_mm: number;
  predicted_tre_mm: number;
  fiducial_residuals_mm: number[];
  fiducial_count: number;
}

export interface ClaimControlResponse {
  granted: boolean;
  reason: string;
  lease_id: string;
  lease_duration_s: number;
  heartbeat_limit_s: number;
}

export interface MoveToPreEntryResult {
  success: boolean;
  reason: string;
  position_error_mm: number;
}
export interface InsertResult {
  success: boolean;
  reason: string;
  final_depth_mm: number;
  target_error_mm: number;
  rms_tracking_error_um: number;
  max_tracking_error_um: number;
}
export interface RetractResult {
  success: boolean;
  reason: string;
  final_depth_mm: number;
}
