/**
 * TypeScript shapes of the messages in the JSON mapping (what rosbridge, the simulator's graph and
 * `deserializeCdr` use): Time as {sec, nanosec}, int64/uint64 as number, uint8[] as Uint8Array, other arrays as
 * plain arrays. They mirror ros/neuroplan_interfaces and the standard definitions field for field (a test
 * checks the field names against the parsed definitions).
 */
import type { Time } from './time.ts';

// ---------- standard interfaces ----------

export interface Header {
  stamp: Time;
  frame_id: string;
}
export interface Point {
  x: number;
  y: number;
  z: number;
}
export type Vector3 = Point;
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
export interface PoseStamped {
  header: Header;
  pose: Pose;
}
export interface Transform {
  translation: Vector3;
  rotation: Quaternion;
}
export interface TransformStamped {
  header: Header;
  child_frame_id: string;
  transform: Transform;
}
/** tf2_msgs/msg/TFMessage */
export interface TFMessage {
  transforms: TransformStamped[];
}
/** sensor_msgs/msg/JointState (rad, m, rad/s, m/s, N·m, N) */
export interface JointState {
  header: Header;
  name: string[];
  position: number[];
  velocity: number[];
  effort: number[];
}
/** std_msgs/msg/String */
export interface StringMessage {
  data: string;
}
export interface KeyValue {
  key: string;
  value: string;
}
/** diagnostic_msgs/msg/DiagnosticStatus; level is one of {@link DiagnosticLevel}. */
export interface DiagnosticStatus {
  level: number;
  name: string;
  message: string;
  hardware_id: string;
  values: KeyValue[];
}
export const DiagnosticLevel = Object.freeze({ OK: 0, WARN: 1, ERROR: 2, STALE: 3 } as const);
export interface DiagnosticArray {
  header: Header;
  status: DiagnosticStatus[];
}
export interface JointTrajectoryPoint {
  positions: number[];
  velocities: number[];
  accelerations: number[];
  effort: number[];
  time_from_start: Time;
}
export interface JointTrajectory {
  header: Header;
  joint_names: string[];
  points: JointTrajectoryPoint[];
}
/** std_srvs/srv/Trigger response (the request is empty: `{}`). */
export interface TriggerResponse {
  success: boolean;
  message: string;
}

// ---------- neuroplan_interfaces ----------

/** msg/Heartbeat, /operator/heartbeat at 20 Hz. */
export interface Heartbeat {
  lease_id: string;
  /** uint64 on the wire. */
  seq: number;
  stamp: Time;
}

/** msg/SafetyState, /robot/safety_state (latched). */
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

/** msg/InsertionStatus, /robot/insertion_status at 100 Hz. */
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

/** msg/RegistrationResult (translation in metres). */
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

export const BCI_VERDICTS = ['ok', 'noisy', 'open', 'short', 'saturated', 'no_neural_activity'] as const;
export type BciVerdict = (typeof BCI_VERDICTS)[number];

/** msg/BciChannelReport */
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

/** msg/BciSummary, /bci/summary at 10 Hz. */
export interface BciSummary {
  header: Header;
  channels: BciChannelReport[];
  electrode_verdicts: string[];
}

/** msg/BciSnippet, /bci/snippets. data_uv is time-major: data_uv[s * channels.length + c]. */
export interface BciSnippet {
  header: Header;
  sample_rate_hz: number;
  channels: number[];
  sample_count: number;
  data_uv: number[];
}

/** srv/ClaimControl */
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

/** srv/ReleaseControl and srv/ResetEstop share this request shape. */
export interface LeaseRequest {
  lease_id: string;
}
export type ReleaseControlRequest = LeaseRequest;
export type ResetEstopRequest = LeaseRequest;
export interface SuccessResponse {
  success: boolean;
  reason: string;
}
export type ReleaseControlResponse = SuccessResponse;
export type ResetEstopResponse = SuccessResponse;

/** srv/LoadPlan */
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

/** srv/RegisterPatient (points in metres). */
export interface RegisterPatientRequest {
  lease_id: string;
  image_fiducials_lps: Point[];
  robot_fiducials: Point[];
  targets_lps: Point[];
}
export interface RegisterPatientResponse {
  result: RegistrationResult;
}

/** srv/RequestBciSnippet */
export interface RequestBciSnippetRequest {
  channels: number[];
  duration_s: number;
}
export interface RequestBciSnippetResponse {
  success: boolean;
  reason: string;
  snippet: BciSnippet;
}

/** Fields every motion goal carries. */
export interface CommandGoal {
  lease_id: string;
  command_id: string;
  stamp: Time;
}

/** action/MoveToPreEntry */
export interface MoveToPreEntryGoal extends CommandGoal {
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

/** action/Insert */
export interface InsertGoal extends CommandGoal {
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
  phase: InsertionPhase;
}

/** action/Retract */
export interface RetractGoal extends CommandGoal {
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

/** Type names of our interfaces and the standard ones the robot uses (canonical `pkg/kind/Name`). */
export const RosTypes = Object.freeze({
  Heartbeat: 'neuroplan_interfaces/msg/Heartbeat',
  SafetyState: 'neuroplan_interfaces/msg/SafetyState',
  InsertionStatus: 'neuroplan_interfaces/msg/InsertionStatus',
  RegistrationResult: 'neuroplan_interfaces/msg/RegistrationResult',
  BciChannelReport: 'neuroplan_interfaces/msg/BciChannelReport',
  BciSummary: 'neuroplan_interfaces/msg/BciSummary',
  BciSnippet: 'neuroplan_interfaces/msg/BciSnippet',
  ClaimControl: 'neuroplan_interfaces/srv/ClaimControl',
  ReleaseControl: 'neuroplan_interfaces/srv/ReleaseControl',
  LoadPlan: 'neuroplan_interfaces/srv/LoadPlan',
  RegisterPatient: 'neuroplan_interfaces/srv/RegisterPatient',
  ResetEstop: 'neuroplan_interfaces/srv/ResetEstop',
  RequestBciSnippet: 'neuroplan_interfaces/srv/RequestBciSnippet',
  MoveToPreEntry: 'neuroplan_interfaces/action/MoveToPreEntry',
  Insert: 'neuroplan_interfaces/action/Insert',
  Retract: 'neuroplan_interfaces/action/Retract',
  JointState: 'sensor_msgs/msg/JointState',
  TFMessage: 'tf2_msgs/msg/TFMessage',
  String: 'std_msgs/msg/String',
  DiagnosticArray: 'diagnostic_msgs/msg/DiagnosticArray',
  PoseStamped: 'geometry_msgs/msg/PoseStamped',
  Trigger: 'std_srvs/srv/Trigger',
  FollowJointTrajectory: 'control_msgs/action/FollowJointTrajectory',
} as const);

/** Topic, service and action names of the robot's ROS 2 surface (ros-spec; ros/neuroplan_interfaces/README.md). */
export const RosNames = Object.freeze({
  jointStates: '/joint_states',
  tf: '/tf',
  tfStatic: '/tf_static',
  robotDescription: '/robot_description',
  diagnostics: '/diagnostics',
  tipPose: '/robot/tip_pose',
  heartbeat: '/operator/heartbeat',
  safetyState: '/robot/safety_state',
  insertionStatus: '/robot/insertion_status',
  bciSummary: '/bci/summary',
  bciSnippets: '/bci/snippets',
  estop: '/robot/estop',
  claimControl: '/robot/claim_control',
  releaseControl: '/robot/release_control',
  loadPlan: '/robot/load_plan',
  registerPatient: '/robot/register_patient',
  resetEstop: '/robot/reset_estop',
  requestBciSnippet: '/bci/request_snippet',
  moveToPreEntry: '/robot/move_to_pre_entry',
  insert: '/robot/insert',
  retract: '/robot/retract',
  followJointTrajectory: '/joint_trajectory_controller/follow_joint_trajectory',
} as const);
