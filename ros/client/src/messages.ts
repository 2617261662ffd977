/**
 * The robot's ROS surface as the client sees it in rosbridge's JSON mapping. The message shapes and the
 * interface names are @neuroplan/ros-messages' (ros/neuroplan_interfaces and the standard messages; see
 * /work/helpers/ros-spec.md); this module re-exports the shapes the client's API uses and groups the names
 * the client talks to by a short key. SI units on the wire (m, s, rad) except fields whose names carry a
 * unit (`depth_mm`, `tracking_error_um`).
 */
import {
  RosNames,
  RosTypes,
  type BciSummary,
  type DiagnosticArray,
  type InsertionStatus,
  type JointState,
  type PoseStamped,
  type SafetyState,
  type StringMessage,
} from '@neuroplan/ros-messages';

export { INSERTION_PHASES } from '@neuroplan/ros-messages';
export type {
  BciChannelReport,
  BciSummary,
  BciVerdict,
  ClaimControlRequest,
  ClaimControlResponse,
  CommandGoal,
  DiagnosticArray,
  DiagnosticStatus,
  Header,
  Heartbeat,
  InsertFeedback,
  InsertGoal,
  InsertionPhase,
  InsertionStatus,
  InsertResult,
  JointState,
  KeyValue,
  LoadPlanRequest,
  LoadPlanResponse,
  MoveToPreEntryFeedback,
  MoveToPreEntryGoal,
  MoveToPreEntryResult,
  OnDeadman,
  Point,
  Pose,
  PoseStamped,
  Quaternion,
  RegisterPatientRequest,
  RegisterPatientResponse,
  RegistrationResult,
  ReleaseControlRequest,
  ResetEstopRequest,
  RetractFeedback,
  RetractGoal,
  RetractResult,
  SafetyState,
  SuccessResponse,
  Time,
  Transform,
  TriggerResponse,
} from '@neuroplan/ros-messages';

/** Topic names and types the client subscribes to, by a short key. */
export const ROBOT_TOPICS = {
  jointStates: { name: RosNames.jointStates, type: RosTypes.JointState },
  insertionStatus: { name: RosNames.insertionStatus, type: RosTypes.InsertionStatus },
  safetyState: { name: RosNames.safetyState, type: RosTypes.SafetyState },
  tipPose: { name: RosNames.tipPose, type: RosTypes.PoseStamped },
  diagnostics: { name: RosNames.diagnostics, type: RosTypes.DiagnosticArray },
  bciSummary: { name: RosNames.bciSummary, type: RosTypes.BciSummary },
  robotDescription: { name: RosNames.robotDescription, type: RosTypes.String },
} as const;

/** What each topic key carries. */
export interface RobotTopicMessages {
  jointStates: JointState;
  insertionStatus: InsertionStatus;
  safetyState: SafetyState;
  tipPose: PoseStamped;
  diagnostics: DiagnosticArray;
  bciSummary: BciSummary;
  robotDescription: StringMessage;
}
export type RobotTopic = keyof typeof ROBOT_TOPICS;

export const ROBOT_SERVICES = {
  claimControl: { name: RosNames.claimControl, type: RosTypes.ClaimControl },
  releaseControl: { name: RosNames.releaseControl, type: RosTypes.ReleaseControl },
  loadPlan: { name: RosNames.loadPlan, type: RosTypes.LoadPlan },
  registerPatient: { name: RosNames.registerPatient, type: RosTypes.RegisterPatient },
  resetEstop: { name: RosNames.resetEstop, type: RosTypes.ResetEstop },
  estop: { name: RosNames.estop, type: RosTypes.Trigger },
} as const;

export const ROBOT_ACTIONS = {
  moveToPreEntry: { name: RosNames.moveToPreEntry, type: RosTypes.MoveToPreEntry },
  insert: { name: RosNames.insert, type: RosTypes.Insert },
  retract: { name: RosNames.retract, type: RosTypes.Retract },
} as const;

export const HEARTBEAT_TOPIC = { name: RosNames.heartbeat, type: RosTypes.Heartbeat } as const;

/** action_msgs/msg/GoalStatus codes as rosbridge's action_result carries them. */
export const GOAL_STATUS = { SUCCEEDED: 4, CANCELED: 5, ABORTED: 6 } as const;
