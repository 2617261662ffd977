/**
 * The robot's ROS interface names, grouped by kind under the short keys the robot node uses. Names and type
 * names are @neuroplan/ros-messages' `RosNames`/`RosTypes`, and the message shapes the robot reads and writes
 * are its types (ros/neuroplan_interfaces and the standard packages). Requests from clients are untrusted and
 * are read through the checks in commands.ts, never cast blindly.
 */
import { RosNames, RosTypes } from '@neuroplan/ros-messages';

export const TOPICS = Object.freeze({
  jointStates: RosNames.jointStates,
  tf: RosNames.tf,
  tfStatic: RosNames.tfStatic,
  robotDescription: RosNames.robotDescription,
  diagnostics: RosNames.diagnostics,
  insertionStatus: RosNames.insertionStatus,
  tipPose: RosNames.tipPose,
  safetyState: RosNames.safetyState,
  heartbeat: RosNames.heartbeat,
});

export const SERVICES = Object.freeze({
  estop: RosNames.estop,
  claimControl: RosNames.claimControl,
  releaseControl: RosNames.releaseControl,
  loadPlan: RosNames.loadPlan,
  registerPatient: RosNames.registerPatient,
  resetEstop: RosNames.resetEstop,
});

export const ACTIONS = Object.freeze({
  followJointTrajectory: RosNames.followJointTrajectory,
  moveToPreEntry: RosNames.moveToPreEntry,
  insert: RosNames.insert,
  retract: RosNames.retract,
});

export const TYPES = Object.freeze({
  jointState: RosTypes.JointState,
  tfMessage: RosTypes.TFMessage,
  string: RosTypes.String,
  diagnosticArray: RosTypes.DiagnosticArray,
  poseStamped: RosTypes.PoseStamped,
  trigger: RosTypes.Trigger,
  followJointTrajectory: RosTypes.FollowJointTrajectory,
  heartbeat: RosTypes.Heartbeat,
  safetyState: RosTypes.SafetyState,
  insertionStatus: RosTypes.InsertionStatus,
  claimControl: RosTypes.ClaimControl,
  releaseControl: RosTypes.ReleaseControl,
  loadPlan: RosTypes.LoadPlan,
  registerPatient: RosTypes.RegisterPatient,
  resetEstop: RosTypes.ResetEstop,
  moveToPreEntry: RosTypes.MoveToPreEntry,
  insert: RosTypes.Insert,
  retract: RosTypes.Retract,
});
