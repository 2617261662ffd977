/**
 * Records a running robot graph (the simulator of `neuroplan sim` / `npm start`) into
 * `<dir>/<caseId>-<ISO time>.mcap`: every topic of the robot surface (CASE_TOPICS), and the events the graph
 * sees — operator actions (claim/release control, load plan, register, e-stop, reset, move/insert/retract
 * goals, pauses, and the goals' results), the plan as loaded, the registration result, and safety events
 * derived from /robot/safety_state transitions (e-stop latched/reset, deadman lost/restored, controller
 * changes). The graph has no observer API for service calls and goals, so the recorder interposes on this
 * graph instance's `callService` / `sendActionGoal` (restored at close); it never records credentials or
 * lease ids (a lease is mapped to its operator's name).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ClientGoal,
  ClientGoalCallbacks,
  GraphPeer,
  RosGraph,
  TerminalGoalStatus,
} from '@neuroplan/ros-sim';
import { CASE_TOPICS, type RecordedTopic } from '../channels.ts';
import { rosMessagesCodec } from '../codecRos.ts';
import type { CaseRecorder } from '../recorder.ts';
import { startFileRecorder } from './files.ts';

export interface SimRecordingOptions {
  dir: string;
  caseId: string;
  /** Topics to record (default CASE_TOPICS). */
  topics?: ReadonlyArray<string | RecordedTopic>;
  softwareVersion?: string;
  /** Log-time clock in ns (default: the wall clock). */
  clockNs?: () => bigint;
  flushIntervalS?: number;
  onError?: (error: unknown) => void;
}

export interface SimRecording {
  /** The recording's path. */
  file: string;
  recorder: CaseRecorder;
  /** Stops recording, writes the index; the graph's methods are restored. */
  close(): Promise<void>;
}

const GOAL_STATUS_NAME: Record<number, string> = { 4: 'succeeded', 5: 'canceled', 6: 'aborted' };

interface SafetySnapshot {
  estop_latched?: boolean;
  deadman_ok?: boolean;
  motion_enabled?: boolean;
  controller?: string;
  plan_approved?: boolean;
  registration_ok?: boolean;
  blocking_reasons?: string[];
}

const rec = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Row-major 4x4 (mm) of a geometry_msgs/Transform (m, quaternion). */
export function transformToMatrixMm(t: unknown): number[] | undefined {
  const tr = rec(rec(t).translation);
  const q = rec(rec(t).rotation);
  const [x, y, z, w] = [num(q.x), num(q.y), num(q.z), num(q.w)];
  const [tx, ty, tz] = [num(tr.x), num(tr.y), num(tr.z)];
  if ([x, y, z, w, tx, ty, tz].some((v) => v === undefined)) return undefined;
  const [qx, qy, qz, qw] = [x!, y!, z!, w!];
  return [
    1 - 2 * (qy * qy + qz * qz),
    2 * (qx * qy - qz * qw),
    2 * (qx * qz + qy * qw),
    tx! * 1000,
    2 * (qx * qy + qz * qw),
    1 - 2 * (qx * qx + qz * qz),
    2 * (qy * qz - qx * qw),
    ty! * 1000,
    2 * (qx * qz - qy * qw),
    2 * (qy * qz + qx * qw),
    1 - 2 * (qx * qx + qy * qy),
    tz! * 1000,
    0,
    0,
    0,
    1,
  ];
}

/** A file-name-safe ISO time: 2026-11-25T06-01-02.345Z. */
const fileTime = (d: Date): string => d.toISOString().replace(/:/g, '-');

export async function attachSimRecording(
  graph: RosGraph,
  options: SimRecordingOptions,
): Promise<SimRecording> {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(options.caseId))
    throw new Error(`sim recording: caseId ${JSON.stringify(options.caseId)} must be letters, digits, _ . -`);
  mkdirSync(options.dir, { recursive: true });
  const now = options.clockNs ? new Date(Number(options.clockNs() / 1_000_000n)) : new Date();
  const file = join(options.dir, `${options.caseId}-${fileTime(now)}.mcap`);
  const { recorder, close: closeFile } = await startFileRecorder(file, {
    codec: rosMessagesCodec(),
    caseId: options.caseId,
    softwareVersion: options.softwareVersion ?? '0.1.0',
    metadata: { source: 'neuroplan sim' },
    ...(options.clockNs ? { clockNs: options.clockNs } : {}),
    ...(options.flushIntervalS !== undefined ? { flushIntervalS: options.flushIntervalS } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  let open = true;
  const report = (e: unknown) => (options.onError ?? ((x) => console.error('sim recording:', x)))(e);
  const guard = (fn: () => void) => {
    if (!open) return;
    try {
      fn();
    } catch (e) {
      report(e);
    }
  };

  // Who holds which lease (lease ids are secrets: only the operator's name is recorded).
  const leases = new Map<string, { operator: string; role: string }>();
  // Which bridge connection claimed as whom (e-stop requests carry no lease).
  const peers = new Map<string, { operator: string; role: string }>();
  const who = (req: unknown, caller: GraphPeer): { operator: string; role: string } => {
    const lease = str(rec(req).lease_id);
    const known = (lease !== undefined ? leases.get(lease) : undefined) ?? peers.get(caller.id);
    if (known) return known;
    return caller.viaBridge
      ? { operator: caller.id, role: 'client' }
      : { operator: 'internal', role: 'system' };
  };

  const onService = (name: string, req: unknown, res: unknown, caller: GraphPeer, error?: unknown): void => {
    const r = rec(req);
    const s = rec(res);
    const by = who(req, caller);
    const failed =
      error !== undefined ? { error: error instanceof Error ? error.message : String(error) } : {};
    switch (name) {
      case '/robot/claim_control': {
        const operator = str(r.operator) ?? '?';
        const role = r.observer_only === true ? 'observer' : 'operator';
        const lease = str(s.lease_id);
        if (s.granted === true && lease) leases.set(lease, { operator, role });
        if (s.granted === true) peers.set(caller.id, { operator, role });
        recorder.recordOperatorAction({
          operator,
          role,
          action: 'claim_control',
          details: { granted: s.granted === true, reason: str(s.reason) ?? '', ...failed },
        });
        return;
      }
      case '/robot/release_control':
        recorder.recordOperatorAction({
          ...by,
          action: 'release_control',
          details: { success: s.success === true, reason: str(s.reason) ?? '', ...failed },
        });
        if (s.success === true && str(r.lease_id)) leases.delete(str(r.lease_id)!);
        return;
      case '/robot/load_plan': {
        if (s.accepted === true) {
          let plan: unknown;
          try {
            plan = JSON.parse(str(r.plan_json) ?? 'null');
          } catch {
            plan = str(r.plan_json);
          }
          recorder.recordPlan(plan, by);
        }
        recorder.recordOperatorAction({
          ...by,
          action: s.accepted === true ? 'plan_accepted' : 'plan_refused',
          details: {
            reason: str(s.reason) ?? '',
            trajectoryIds: Array.isArray(s.trajectory_ids) ? (s.trajectory_ids as unknown[]).map(String) : [],
            ...failed,
          },
        });
        return;
      }
      case '/robot/register_patient': {
        const result = rec(s.result);
        const matrix = transformToMatrixMm(result.patient_to_robot);
        const residuals = Array.isArray(result.fiducial_residuals_mm)
          ? (result.fiducial_residuals_mm as unknown[]).filter((v): v is number => typeof v === 'number')
          : undefined;
        recorder.recordRegistration(
          {
            success: result.success === true,
            reason: str(result.reason) ?? (error !== undefined ? String(failed.error) : ''),
            ...(result.success === true && matrix ? { patientToRobot: matrix } : {}),
            ...(num(result.fre_mm) !== undefined ? { freMm: num(result.fre_mm)! } : {}),
            ...(num(result.predicted_tre_mm) !== undefined
              ? { predictedTreMm: num(result.predicted_tre_mm)! }
              : {}),
            ...(residuals ? { fiducialResidualsMm: residuals } : {}),
          },
          by,
        );
        return;
      }
      case '/robot/estop':
        recorder.recordOperatorAction({
          ...by,
          action: 'estop',
          details: { success: s.success === true, message: str(s.message) ?? '', ...failed },
        });
        return;
      case '/robot/reset_estop':
        recorder.recordOperatorAction({
          ...by,
          action: 'reset_estop',
          details: { success: s.success === true, reason: str(s.reason) ?? '', ...failed },
        });
        return;
      default:
        return;
    }
  };

  const GOAL_ACTIONS: Record<string, string> = {
    '/robot/move_to_pre_entry': 'move_to_pre_entry',
    '/robot/insert': 'insert',
    '/robot/retract': 'retract',
  };

  const origCall = graph.callService;
  const origGoal = graph.sendActionGoal;
  const callService: RosGraph['callService'] = async function (this: RosGraph, name, request, caller) {
    const peer = caller ?? { id: 'internal', viaBridge: false };
    try {
      const res = await origCall.call(this, name, request, caller);
      guard(() => onService(name, request, res, peer));
      return res;
    } catch (e) {
      guard(() => onService(name, request, undefined, peer, e));
      throw e;
    }
  };
  const sendActionGoal: RosGraph['sendActionGoal'] = function (
    this: RosGraph,
    name,
    goal,
    callbacks: ClientGoalCallbacks,
    caller,
    goalId,
  ): ClientGoal {
    const action = GOAL_ACTIONS[name];
    if (!action) return origGoal.call(this, name, goal, callbacks, caller, goalId);
    const peer = caller ?? { id: 'internal', viaBridge: false };
    const by = who(goal, peer);
    const g = rec(goal);
    const trajectoryId = str(g.trajectory_id);
    guard(() =>
      recorder.recordOperatorAction({
        ...by,
        action,
        ...(trajectoryId ? { trajectoryId } : {}),
        details: {
          commandId: str(g.command_id) ?? '',
          ...(num(g.depth_mm) !== undefined ? { depthMm: num(g.depth_mm)! } : {}),
          ...(num(g.speed_mm_per_s) !== undefined ? { speedMmPerS: num(g.speed_mm_per_s)! } : {}),
          ...(num(g.standoff_mm) !== undefined ? { standoffMm: num(g.standoff_mm)! } : {}),
        },
      }),
    );
    const wrapped: ClientGoalCallbacks = {
      ...(callbacks.onFeedback ? { onFeedback: (f: unknown) => callbacks.onFeedback!(f) } : {}),
      onResult: (status: TerminalGoalStatus, result: unknown) => {
        const r = rec(result);
        guard(() =>
          recorder.recordOperatorAction({
            ...by,
            action: `${action}_${GOAL_STATUS_NAME[status] ?? 'finished'}`,
            ...(trajectoryId ? { trajectoryId } : {}),
            details: {
              success: r.success === true,
              reason: str(r.reason) ?? str(r.error) ?? '',
              ...(num(r.final_depth_mm) !== undefined ? { finalDepthMm: num(r.final_depth_mm)! } : {}),
              ...(num(r.target_error_mm) !== undefined ? { targetErrorMm: num(r.target_error_mm)! } : {}),
            },
          }),
        );
        callbacks.onResult(status, result);
      },
    };
    const handle = origGoal.call(this, name, goal, wrapped, caller, goalId);
    return {
      goalId: handle.goalId,
      cancel: () => {
        guard(() =>
          recorder.recordOperatorAction({
            ...by,
            action: action === 'insert' ? 'pause' : `cancel_${action}`,
            ...(trajectoryId ? { trajectoryId } : {}),
          }),
        );
        handle.cancel();
      },
    };
  };
  graph.callService = callService;
  graph.sendActionGoal = sendActionGoal;

  // The topics first: the graph calls subscribers in the order they subscribed, so each /robot/safety_state
  // message is logged before the safety event derived from it below, and a replay that seeks to the event's
  // time shows the state that caused it (the other order logged the e-stop event a few µs before the
  // latched state, and seeking to it showed the e-stop still clear).
  recorder.recordTopics(graph, options.topics ?? CASE_TOPICS);

  // Safety events from the latched safety state's transitions.
  let last: SafetySnapshot | undefined;
  const safetySub = graph.subscribe('/robot/safety_state', 'neuroplan_interfaces/msg/SafetyState', (msg) =>
    guard(() => {
      const s = msg as SafetySnapshot;
      const prev = last;
      last = { ...s };
      if (!prev) return;
      const reasons = (s.blocking_reasons ?? []).join('; ');
      if (s.estop_latched === true && prev.estop_latched !== true)
        recorder.recordSafetyEvent({
          kind: 'estop',
          severity: 'critical',
          source: 'robot',
          message: 'e-stop latched',
        });
      if (s.estop_latched === false && prev.estop_latched === true)
        recorder.recordSafetyEvent({
          kind: 'estop_reset',
          severity: 'info',
          source: 'robot',
          message: 'e-stop reset',
        });
      if (s.deadman_ok === false && prev.deadman_ok === true && (s.controller ?? '') !== '')
        recorder.recordSafetyEvent({
          kind: 'deadman',
          severity: 'warning',
          source: 'robot',
          message: `deadman lost${reasons ? `: ${reasons}` : ''}`,
        });
      if (s.deadman_ok === true && prev.deadman_ok === false)
        recorder.recordSafetyEvent({
          kind: 'deadman_ok',
          severity: 'info',
          source: 'robot',
          message: 'heartbeat restored',
        });
      if ((s.controller ?? '') !== (prev.controller ?? ''))
        recorder.recordSafetyEvent({
          kind: 'controller',
          severity: 'info',
          source: 'robot',
          message: s.controller ? `${s.controller} holds control` : 'nobody holds control',
        });
    }),
  );

  return {
    file,
    recorder,
    close: async () => {
      if (!open) return;
      open = false;
      safetySub.close();
      if (graph.callService === callService) graph.callService = origCall;
      if (graph.sendActionGoal === sendActionGoal) graph.sendActionGoal = origGoal;
      await closeFile();
    },
  };
}
