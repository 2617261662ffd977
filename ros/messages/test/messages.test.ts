import { describe, expect, it } from 'vitest';

import { deserializeCdr, serializeCdr } from '../src/cdr.ts';
import { defaultMessage, fillDefaults } from '../src/defaults.ts';
import { actionTypeInfo, parsedDefinitions, serviceTypeInfo } from '../src/registry.ts';
import { nowStamp, secondsToStamp, stampToSeconds } from '../src/time.ts';
import type * as T from '../src/types.ts';
import { BCI_VERDICTS, DiagnosticLevel, INSERTION_PHASES, RosTypes } from '../src/types.ts';
import { validateMessage } from '../src/validate.ts';

const header: T.Header = { stamp: { sec: 1_764_000_000, nanosec: 5 }, frame_id: 'world' };

/**
 * One fully written message per TypeScript interface of types.ts. The literals are checked by the compiler
 * against the interfaces (missing and extra fields are errors); the test checks the same field names against
 * the .msg definitions, so types.ts and ros/neuroplan_interfaces cannot drift apart.
 */
const report: T.BciChannelReport = {
  index: 3,
  label: 'E1-3',
  electrode_id: 'E1',
  contact_number: 3,
  verdict: 'noisy',
  reasons: ['noise 40 µV above 20 µV'],
  noise_uv: 40,
  spike_rate_hz: 2.5,
  impedance_kohm: 850,
  impedance_phase_deg: -60,
  lfp_power_uv2: 120,
};
const snippet: T.BciSnippet = {
  header,
  sample_rate_hz: 30000,
  channels: [0, 1],
  sample_count: 2,
  data_uv: [1.5, -2.25, 3.5, 0.125],
};
const registration: T.RegistrationResult = {
  header,
  success: true,
  reason: '',
  patient_to_robot: { translation: { x: 0.1, y: -0.2, z: 0.3 }, rotation: { x: 0, y: 0, z: 0.6, w: 0.8 } },
  fre_mm: 0.4,
  predicted_tre_mm: 0.9,
  fiducial_residuals_mm: [0.3, 0.5, 0.4, 0.45],
  fiducial_count: 4,
};
const goalBase: T.CommandGoal = { lease_id: 'L', command_id: 'c-1', stamp: { sec: 5, nanosec: 6 } };

const SAMPLES: [string, object][] = [
  [RosTypes.Heartbeat, { lease_id: 'L', seq: 12, stamp: { sec: 1, nanosec: 2 } } satisfies T.Heartbeat],
  [
    RosTypes.SafetyState,
    {
      header,
      estop_latched: false,
      deadman_ok: true,
      motion_enabled: false,
      controller: 'alice',
      lease_id_hash: 'ab'.repeat(32),
      plan_approved: true,
      registration_ok: false,
      blocking_reasons: ['The patient is not registered.'],
    } satisfies T.SafetyState,
  ],
  [
    RosTypes.InsertionStatus,
    {
      header,
      phase: 'inserting',
      trajectory_id: 'T1',
      depth_mm: 12.5,
      target_depth_mm: 40,
      velocity_mm_per_s: 0.5,
      tracking_error_um: 12,
      tissue_displacement_um: 30,
      force_n: 0.2,
    } satisfies T.InsertionStatus,
  ],
  [RosTypes.RegistrationResult, registration],
  [RosTypes.BciChannelReport, report],
  [
    RosTypes.BciSummary,
    { header, channels: [report], electrode_verdicts: ['E1: noisy'] } satisfies T.BciSummary,
  ],
  [RosTypes.BciSnippet, snippet],
  [
    serviceTypeInfo(RosTypes.ClaimControl).request,
    { operator: 'alice', credential: 'pw', observer_only: false } satisfies T.ClaimControlRequest,
  ],
  [
    serviceTypeInfo(RosTypes.ClaimControl).response,
    {
      granted: true,
      reason: '',
      lease_id: 'L',
      lease_duration_s: 30,
      heartbeat_limit_s: 0.1,
    } satisfies T.ClaimControlResponse,
  ],
  [serviceTypeInfo(RosTypes.ReleaseControl).request, { lease_id: 'L' } satisfies T.ReleaseControlRequest],
  [
    serviceTypeInfo(RosTypes.ReleaseControl).response,
    { success: true, reason: '' } satisfies T.SuccessResponse,
  ],
  [serviceTypeInfo(RosTypes.ResetEstop).request, { lease_id: 'L' } satisfies T.ResetEstopRequest],
  [
    serviceTypeInfo(RosTypes.ResetEstop).response,
    { success: false, reason: 'no' } satisfies T.ResetEstopResponse,
  ],
  [
    serviceTypeInfo(RosTypes.LoadPlan).request,
    { lease_id: 'L', plan_json: '{}', plan_sha256: '00'.repeat(32) } satisfies T.LoadPlanRequest,
  ],
  [
    serviceTypeInfo(RosTypes.LoadPlan).response,
    { accepted: true, reason: '', trajectory_ids: ['T1', 'T2'] } satisfies T.LoadPlanResponse,
  ],
  [
    serviceTypeInfo(RosTypes.RegisterPatient).request,
    {
      lease_id: 'L',
      image_fiducials_lps: [{ x: 0.01, y: 0.02, z: 0.03 }],
      robot_fiducials: [{ x: 0.5, y: 0, z: 0.2 }],
      targets_lps: [],
    } satisfies T.RegisterPatientRequest,
  ],
  [
    serviceTypeInfo(RosTypes.RegisterPatient).response,
    { result: registration } satisfies T.RegisterPatientResponse,
  ],
  [
    serviceTypeInfo(RosTypes.RequestBciSnippet).request,
    { channels: [0, 1], duration_s: 0.5 } satisfies T.RequestBciSnippetRequest,
  ],
  [
    serviceTypeInfo(RosTypes.RequestBciSnippet).response,
    { success: true, reason: '', snippet } satisfies T.RequestBciSnippetResponse,
  ],
  [
    actionTypeInfo(RosTypes.MoveToPreEntry).goal,
    { ...goalBase, trajectory_id: 'T1', standoff_mm: 10 } satisfies T.MoveToPreEntryGoal,
  ],
  [
    actionTypeInfo(RosTypes.MoveToPreEntry).result,
    { success: true, reason: '', position_error_mm: 0.05 } satisfies T.MoveToPreEntryResult,
  ],
  [
    actionTypeInfo(RosTypes.MoveToPreEntry).feedback,
    { progress: 0.5, remaining_s: 2 } satisfies T.MoveToPreEntryFeedback,
  ],
  [
    actionTypeInfo(RosTypes.Insert).goal,
    {
      ...goalBase,
      trajectory_id: 'T1',
      depth_mm: 40,
      speed_mm_per_s: 1,
      on_deadman: 'hold',
    } satisfies T.InsertGoal,
  ],
  [
    actionTypeInfo(RosTypes.Insert).result,
    {
      success: true,
      reason: '',
      final_depth_mm: 40,
      target_error_mm: 0.3,
      rms_tracking_error_um: 8,
      max_tracking_error_um: 20,
    } satisfies T.InsertResult,
  ],
  [
    actionTypeInfo(RosTypes.Insert).feedback,
    {
      depth_mm: 3,
      tracking_error_um: 5,
      tissue_displacement_um: 7,
      phase: 'inserting',
    } satisfies T.InsertFeedback,
  ],
  [actionTypeInfo(RosTypes.Retract).goal, { ...goalBase, speed_mm_per_s: 2 } satisfies T.RetractGoal],
  [
    actionTypeInfo(RosTypes.Retract).result,
    { success: true, reason: '', final_depth_mm: 0 } satisfies T.RetractResult,
  ],
  [actionTypeInfo(RosTypes.Retract).feedback, { depth_mm: 1 } satisfies T.RetractFeedback],
  [
    RosTypes.JointState,
    { header, name: ['joint_1'], position: [0.1], velocity: [0], effort: [] } satisfies T.JointState,
  ],
  [
    RosTypes.PoseStamped,
    {
      header,
      pose: { position: { x: 1, y: 2, z: 3 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
    } satisfies T.PoseStamped,
  ],
  [
    RosTypes.TFMessage,
    {
      transforms: [
        {
          header,
          child_frame_id: 'link_1',
          transform: { translation: { x: 0, y: 0, z: 0.1 }, rotation: { x: 0, y: 0, z: 0, w: 1 } },
        },
      ],
    } satisfies T.TFMessage,
  ],
  [RosTypes.String, { data: '<robot/>' } satisfies T.StringMessage],
  [
    RosTypes.DiagnosticArray,
    {
      header,
      status: [
        {
          level: 1,
          name: 'deadman',
          message: 'late',
          hardware_id: 'sim',
          values: [{ key: 'k', value: 'v' }],
        },
      ],
    } satisfies T.DiagnosticArray,
  ],
  [
    serviceTypeInfo(RosTypes.Trigger).response,
    { success: true, message: 'stopped' } satisfies T.TriggerResponse,
  ],
];

function keyShape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length > 0 ? [keyShape(v[0])] : [];
  if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, keyShape((v as Record<string, unknown>)[k])]),
    );
  }
  return typeof v;
}

describe('types.ts mirrors the definitions', () => {
  it.each(SAMPLES)('%s', (type, sample) => {
    expect(validateMessage(type, sample)).toEqual([]);
    // Same field names (at every depth, arrays through their first element) as the definition's defaults
    // filled in around the sample.
    expect(keyShape(sample)).toEqual(keyShape(fillDefaults(type, sample)));
    expect(Object.keys(sample).sort()).toEqual(Object.keys(defaultMessage(type)).sort());
    expect(deserializeCdr(type, serializeCdr(type, sample))).toEqual(sample);
  });

  it('enumerations match the constants in the .msg files', () => {
    const constants = (type: string, prefix: string): unknown[] =>
      parsedDefinitions(type)[0]!
        .definitions.filter((f) => f.isConstant === true && f.name.startsWith(prefix))
        .map((f) => f.value);
    expect(constants(RosTypes.InsertionStatus, 'PHASE_')).toEqual([...INSERTION_PHASES]);
    expect(constants(RosTypes.BciChannelReport, 'VERDICT_')).toEqual([...BCI_VERDICTS]);
    expect(constants(actionTypeInfo(RosTypes.Insert).goal, 'ON_DEADMAN_')).toEqual(['hold', 'retract']);
    expect(constants('diagnostic_msgs/DiagnosticStatus', '')).toEqual(Object.values(DiagnosticLevel));
  });
});

describe('defaultMessage / fillDefaults', () => {
  it('uses ROS defaults: zeros, empty strings and arrays, declared defaults, fixed arrays at full length', () => {
    expect(defaultMessage('geometry_msgs/Pose')).toEqual({
      position: { x: 0, y: 0, z: 0 },
      orientation: { x: 0, y: 0, z: 0, w: 1 },
    });
    expect(defaultMessage('action_msgs/msg/GoalStatus')).toEqual({
      goal_info: { goal_id: { uuid: new Uint8Array(16) }, stamp: { sec: 0, nanosec: 0 } },
      status: 0,
    });
    expect(defaultMessage(RosTypes.SafetyState)).toEqual({
      header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' },
      estop_latched: false,
      deadman_ok: false,
      motion_enabled: false,
      controller: '',
      lease_id_hash: '',
      plan_approved: false,
      registration_ok: false,
      blocking_reasons: [],
    });
  });

  it('fills partial messages at every depth, array elements included, and drops unknown fields', () => {
    const filled = fillDefaults(RosTypes.TFMessage, {
      transforms: [{ child_frame_id: 'a', transform: { rotation: { z: 1 } } }],
      extra: 1,
    });
    expect(filled).toEqual({
      transforms: [
        {
          header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' },
          child_frame_id: 'a',
          transform: { translation: { x: 0, y: 0, z: 0 }, rotation: { x: 0, y: 0, z: 1, w: 1 } },
        },
      ],
    });
  });

  it('turns base64 (rosbridge JSON for uint8[]) into bytes', () => {
    expect(fillDefaults('unique_identifier_msgs/UUID', { uuid: 'AAECAwQFBgcICQoLDA0ODw==' })).toEqual({
      uuid: Uint8Array.from({ length: 16 }, (_, i) => i),
    });
  });
});

describe('validateMessage', () => {
  it('names every wrong field with the reason', () => {
    const reasons = validateMessage(RosTypes.InsertionStatus, {
      header: { stamp: { sec: 1.5, nanosec: -1, nsec: 3 }, frame_id: 7 },
      depth_mm: '12',
      force: 1,
      trajectory_id: null,
    });
    expect(reasons).toEqual([
      'force: unknown field (known fields: header, phase, trajectory_id, depth_mm, target_depth_mm, velocity_mm_per_s, tracking_error_um, tissue_displacement_um, force_n)',
      'header.stamp.nsec: unknown field (time has sec, nanosec)',
      'header.stamp.sec: expected an integer (int32), got number 1.5',
      'header.stamp.nanosec: uint32 value -1 is out of range [0, 4294967295]',
      'header.frame_id: expected a string, got number 7',
      'trajectory_id: expected a string, got null',
      'depth_mm: expected a number (float64), got the string "12"',
    ]);
  });

  it('checks integer ranges, 64-bit precision, fixed array lengths and base64', () => {
    expect(validateMessage('diagnostic_msgs/DiagnosticStatus', { level: 256 })).toEqual([
      'level: uint8 value 256 is out of range [0, 255]',
    ]);
    expect(validateMessage(RosTypes.Heartbeat, { seq: 2 ** 60 })[0]).toMatch(
      /seq: uint64 value .* beyond 2\^53/,
    );
    expect(validateMessage(RosTypes.Heartbeat, { seq: -1n })).toEqual([
      'seq: uint64 value -1 is out of range [0, 18446744073709551615]',
    ]);
    expect(validateMessage('unique_identifier_msgs/UUID', { uuid: [1, 2] })).toEqual([
      'uuid: expected exactly 16 elements, got 2',
    ]);
    expect(validateMessage('unique_identifier_msgs/UUID', { uuid: 'not base64!' })[0]).toMatch(/not base64/);
    expect(validateMessage('unique_identifier_msgs/UUID', { uuid: 'AAECAwQFBgcICQoLDA0ODw==' })).toEqual([]);
    expect(validateMessage(RosTypes.JointState, { position: new Float64Array([1, NaN]) })).toEqual([]);
    expect(validateMessage(RosTypes.JointState, [])).toEqual(['message: expected an object, got an array']);
  });

  it('stops at 20 reasons', () => {
    const reasons = validateMessage(RosTypes.JointState, { name: Array.from({ length: 1000 }, (_, i) => i) });
    expect(reasons).toHaveLength(20);
  });
});

describe('time stamps', () => {
  it('converts milliseconds and seconds', () => {
    expect(nowStamp(1_764_000_000_123)).toEqual({ sec: 1_764_000_000, nanosec: 123_000_000 });
    expect(stampToSeconds({ sec: 10, nanosec: 500_000_000 })).toBe(10.5);
    expect(secondsToStamp(10.25)).toEqual({ sec: 10, nanosec: 250_000_000 });
    expect(secondsToStamp(-0.5)).toEqual({ sec: -1, nanosec: 500_000_000 });
    const now = nowStamp();
    expect(Math.abs(stampToSeconds(now) - Date.now() / 1000)).toBeLessThan(5);
    expect(now.nanosec).toBeGreaterThanOrEqual(0);
    expect(now.nanosec).toBeLessThan(1e9);
  });
});
