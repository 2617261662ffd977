/**
 * The robot's ROS surface as the client sees it in rosbridge's JSON mapping (ros/neuroplan_interfaces and
 * the standard messages it uses; see /work/helpers/ros-spec.md). SI units on the wire (m, s, rad) except
 * fields whose names carry a unit (`depth_mm`, `tracking_error_um`).
 */

export interface Time {
  sec: number;
  nanosec: number;
}
export interface Header {
  stamp: Time;
  frame_id: string;
}
export interface Point {
  x: number;
  y: number;
  z: number;
}
export interface Quaternion {
  x: number;
  y: number;
  z: number;
  w: number;
}
export interface Pose {
  position: Point;
  orientation: Quaternion;
}
export interface Transform {
  translation: Point;
  rotation: Quaternion;
}

export interface JointState {
  header: Header;
  name: string[];
  position: number[];
  velocity: number[];
  effort: number[];
}
export interface PoseStamped {
  header: Header;
  pose: Pose;
}
export interface KeyValue {
  key: string;
  value: string;
}
export interface DiagnosticStatus {
  /** 0 OK, 1 WARN, 2 ERROR, 3 STALE. */
  level: number;
  name: string;
  message: string;
  hardware_id: string;
  values: KeyValue[];
}
export interface DiagnosticArray {
  header: Header;
  status: DiagnosticStatus[];
}

export interface Heartbeat {
  lease_id: string;
  seq: number;
  stamp: Time;
}

export interface SafetyState {
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

export const INSERTION_PHASES = [
  'idle',
  'moving_to_pre_entry',
  'at_pre_entry',
  'inserting',
  'holding',
  'retracting',
  'done',
  'stopped',
  'estopped',
] as const;
export type InsertionPhase = (typeof INSERTION_PHASES)[number];

export interface InsertionStatus {
  header: Header;
  phase: InsertionPhase;
  trajectory_id: string;
  depth_mm: number;
  target_depth_mm: number;
  velocity_mm_per_s: number;
  tracking_error_um: number;
  tissue_displacement_um: number;
  force_n: number;
}

export interface RegistrationResult {
  header: Header;
  success: boolean;
  reason: string;
  patient_to_robot: Transform;
  fre_mm: number;
  predicted_tre_mm: number;
  fiducial_residuals_mm: number[];
  fiducial_count: number;
}

export type BciVerdict = 'ok' | 'noisy' | 'open' | 'short' | 'saturated' | 'no_neural_activity';
export interface BciChannelReport {
  index: number;
  label: string;
  electrode_id: string;
  contact_number: number;
  verdict: BciVerdict;
  reasons: string[];
  noise_uv: number;
  spike_rate_hz: number;
  impedance_kohm: number;
  impedance_phase_deg: number;
  lfp_power_uv2: number;
}
export interface BciSummary {
  header: Header;
  channels: BciChannelReport[];
  electrode_verdicts: string[];
}

// Services -------------------------------------------------------------------------------------------

export interface ClaimControlRequest {
  operator: string;
  credential: string;
  observer_only: boolean;
}
export interface ClaimControlResponse {
  granted: boolean;
  reason: string;
  lease_id: string;
  lease_duration_s: number;
  heartbeat_limit_s: number;
}
export interface ReleaseControlRequest {
  lease_id: string;
}
export interface SuccessReasonResponse {
  success: boolean;
  reason: string;
}
export interface LoadPlanRequest {
  lease_id: string;
  plan_json: string;
  plan_sha256: string;
}
export interface LoadPlanResponse {
  accepted: boolean;
  reason: string;
  trajectory_ids: string[];
}
export interface RegisterPatientRequest {
  lease_id: string;
  image_fiducials_lps: Point[];
  robot_fiducials: Point[];
  targets_lps: Point[];
}
export interface RegisterPatientResponse {
  result: RegistrationResult;
}
export interface ResetEstopRequest {
  lease_id: string;
}
/** std_srvs/srv/Trigger */
export interface TriggerResponse {
  success: boolean;
  message: string;
}

// Actions --------------------------------------------------------------------------------------------

export interface CommandGoalBase {
  lease_id: string;
  command_id: string;
  stamp: Time;
}
export interface MoveToPreEntryGoal extends CommandGoalBase {
  trajectory_id: string;
  standoff_mm: number;
}
export interface MoveToPreEntryResult {
  success: boolean;
  reason: string;
  position_error_mm: number;
}
export interface MoveToPreEntryFeedback {
  progress: number;
  remaining_s: number;
}
export type OnDeadman = 'hold' | 'retract';
export interface InsertGoal extends CommandGoalBase {
  trajectory_id: string;
  depth_mm: number;
  speed_mm_per_s: number;
  on_deadman: OnDeadman;
}
export interface InsertResult {
  success: boolean;
  reason: string;
  final_depth_mm: number;
  target_error_mm: number;
  rms_tracking_error_um: number;
  max_tracking_error_um: number;
}
export interface InsertFeedback {
  depth_mm: number;
  tracking_error_um: number;
  tissue_displacement_um: number;
  phase: string;
}
export interface RetractGoal extends CommandGoalBase {
  speed_mm_per_s: number;
}
export interface RetractResult {
  success: boolean;
  reason: string;
  final_depth_mm: number;
}
export interface RetractFeedback {
  depth_mm: number;
}

/** Topic names and types the client subscribes to, by a short key. */
export const ROBOT_TOPICS = {
  jointStates: { name: '/joint_states', type: 'sensor_msgs/msg/JointState' },
  insertionStatus: { name: '/robot/insertion_status', type: 'neuroplan_interfaces/msg/InsertionStatus' },
  safetyState: { name: '/robot/safety_state', type: 'neuroplan_interfaces/msg/SafetyState' },
  tipPose: { name: '/robot/tip_pose', type: 'geometry_msgs/msg/PoseStamped' },
  diagnostics: { name: '/diagnostics', type: 'diagnostic_msgs/msg/DiagnosticArray' },
  bciSummary: { name: '/bci/summary', type: 'neuroplan_interfaces/msg/BciSummary' },
  robotDescription: { name: '/robot_description', type: 'std_msgs/msg/String' },
} as const;

/** What each topic key carries. */
export interface RobotTopicMessages {
  jointStates: JointState;
  insertionStatus: InsertionStatus;
  safetyState: SafetyState;
  tipPose: PoseStamped;
  diagnostics: DiagnosticArray;
  bciSummary: BciSummary;
  robotDescription: { data: string };
}
export type RobotTopic = keyof typeof ROBOT_TOPICS;

export const ROBOT_SERVICES = {
  claimControl: { name: '/robot/claim_control', type: 'neuroplan_interfaces/srv/ClaimControl' },
  releaseControl: { name: '/robot/release_control', type: 'neuroplan_interfaces/srv/ReleaseControl' },
  loadPlan: { name: '/robot/load_plan', type: 'neuroplan_interfaces/srv/LoadPlan' },
  registerPatient: { name: '/robot/register_patient', type: 'neuroplan_interfaces/srv/RegisterPatient' },
  resetEstop: { name: '/robot/reset_estop', type: 'neuroplan_interfaces/srv/ResetEstop' },
  estop: { name: '/robot/estop', type: 'std_srvs/srv/Trigger' },
} as const;

export const ROBOT_ACTIONS = {
  moveToPreEntry: { name: '/robot/move_to_pre_entry', type: 'neuroplan_interfaces/action/MoveToPreEntry' },
  insert: { name: '/robot/insert', type: 'neuroplan_interfaces/action/Insert' },
  retract: { name: '/robot/retract', type: 'neuroplan_interfaces/action/Retract' },
} as const;

export const HEARTBEAT_TOPIC = {
  name: '/operator/heartbeat',
  type: 'neuroplan_interfaces/msg/Heartbeat',
} as const;

/** action_msgs/msg/GoalStatus codes as rosbridge's action_result carries them. */
export const GOAL_STATUS = { SUCCEEDED: 4, CANCELED: 5, ABORTED: 6 } as const;
