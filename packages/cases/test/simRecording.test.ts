/**
 * attachSimRecording on a RosGraph with a stand-in robot (services and actions of ros-spec answered by the
 * test itself): the robot topics land in the file as published; operator actions, the plan, the
 * registration and safety transitions become events; no lease id nor credential is written anywhere; the
 * graph's methods are restored at close. Expected values are what the test publishes and answers.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RosGraph, GoalStatus, type GraphPeer } from '@neuroplan/ros-sim';
import { canonicalSha256 } from '@neuroplan/planning';
import { attachSimRecording, transformToMatrixMm } from '../src/node/simRecording.ts';
import { openRecordingFile } from '../src/node/fileIo.ts';
import { rosMessagesCodec } from '../src/codecRos.ts';
import type { RegistrationRecord } from '../src/channels.ts';
import { startSimulatedRobot } from '../../../ros/sim/src/sim.ts';
import { recordingsHttpHandler } from '../../../ros/sim/src/bridge/http.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const LEASE = 'lease-secret-4f9a1c';
const CREDENTIAL = 'hunter2-credential';
const stamp = (ms: number) => ({
  sec: 1_800_000_000 + Math.floor(ms / 1000),
  nanosec: (ms % 1000) * 1_000_000,
});
const CLIENT: GraphPeer = { id: 'client-7', viaBridge: true, remoteAddress: '127.0.0.1' };

function safety(over: Partial<Record<string, unknown>> = {}) {
  return {
    header: { stamp: stamp(0), frame_id: 'world' },
    estop_latched: false,
    deadman_ok: true,
    motion_enabled: true,
    controller: 'Dr Op',
    lease_id_hash: 'abcd',
    plan_approved: true,
    registration_ok: true,
    blocking_reasons: [],
    ...over,
  };
}

describe('attachSimRecording', () => {
  it('records the robot topics and the events it sees, without secrets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-simrec-'));
    dirs.push(dir);
    const graph = new RosGraph();
    const origCall = graph.callService;
    // The stand-in robot: publishers first (as the simulator does), then services and an action.
    const ins = graph.advertise('/robot/insertion_status', 'neuroplan_interfaces/msg/InsertionStatus');
    const saf = graph.advertise('/robot/safety_state', 'neuroplan_interfaces/msg/SafetyState', {
      latched: true,
    });
    const joints = graph.advertise('/joint_states', 'sensor_msgs/msg/JointState');
    saf.publish(safety());
    graph.advertiseService('/robot/claim_control', 'neuroplan_interfaces/srv/ClaimControl', (req) => ({
      granted: (req as { credential: string }).credential === CREDENTIAL,
      reason: '',
      lease_id: LEASE,
      lease_duration_s: 5,
      heartbeat_limit_s: 0.1,
    }));
    graph.advertiseService('/robot/load_plan', 'neuroplan_interfaces/srv/LoadPlan', () => ({
      accepted: true,
      reason: '',
      trajectory_ids: ['T1'],
    }));
    const q = Math.SQRT1_2; // 90° about z
    graph.advertiseService('/robot/register_patient', 'neuroplan_interfaces/srv/RegisterPatient', () => ({
      result: {
        header: { stamp: stamp(0), frame_id: 'world' },
        success: true,
        reason: '',
        patient_to_robot: { translation: { x: 0.1, y: -0.02, z: 0.3 }, rotation: { x: 0, y: 0, z: q, w: q } },
        fre_mm: 0.31,
        predicted_tre_mm: 0.52,
        fiducial_residuals_mm: [0.2, 0.4, 0.3],
        fiducial_count: 3,
      },
    }));
    graph.advertiseService('/robot/estop', 'std_srvs/srv/Trigger', () => {
      saf.publish(safety({ estop_latched: true, motion_enabled: false }));
      return { success: true, message: 'latched' };
    });
    graph.advertiseAction('/robot/insert', 'neuroplan_interfaces/action/Insert', {
      onGoal: (g) => {
        g.onCancel(() => g.canceled({ success: false, reason: 'paused', final_depth_mm: 12.5 }));
      },
    });

    const rec = await attachSimRecording(graph, { dir, caseId: 'demo-case', flushIntervalS: 0.1 });
    expect(rec.file.startsWith(join(dir, 'demo-case-'))).toBe(true);
    expect(rec.file).toMatch(/demo-case-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z\.mcap$/);

    const published: Array<{ depth: number; phase: string }> = [];
    for (let i = 0; i < 20; i++) {
      const m = {
        header: { stamp: stamp(i * 10), frame_id: 'patient_lps' },
        phase: i < 10 ? 'moving_to_pre_entry' : 'inserting',
        trajectory_id: 'T1',
        depth_mm: i * 0.5,
        target_depth_mm: 40,
        velocity_mm_per_s: 1,
        tracking_error_um: 10 + i,
        tissue_displacement_um: 1,
        force_n: 0.01,
      };
      published.push({ depth: m.depth_mm, phase: m.phase });
      ins.publish(m);
      joints.publish({ header: m.header, name: ['j1'], position: [i / 100], velocity: [], effort: [] });
    }
    const claim = (await graph.callService(
      '/robot/claim_control',
      { operator: 'Dr Op', credential: CREDENTIAL, observer_only: false },
      CLIENT,
    )) as { lease_id: string };
    expect(claim.lease_id).toBe(LEASE);
    const plan = { format: 'neuroplan-plan', version: 1, trajectories: [{ id: 'T1' }] };
    await graph.callService(
      '/robot/load_plan',
      { lease_id: LEASE, plan_json: JSON.stringify(plan), plan_sha256: 'x' },
      CLIENT,
    );
    await graph.callService('/robot/register_patient', { lease_id: LEASE }, CLIENT);
    let status = -1;
    const goal = graph.sendActionGoal(
      '/robot/insert',
      { lease_id: LEASE, command_id: 'c-1', trajectory_id: 'T1', depth_mm: 40, speed_mm_per_s: 1 },
      { onResult: (s) => (status = s) },
      CLIENT,
    );
    goal.cancel();
    expect(status).toBe(GoalStatus.CANCELED);
    await graph.callService('/robot/estop', {}, CLIENT);
    await expect(graph.callService('/robot/nothing', {}, CLIENT)).rejects.toThrow(/does not exist/);
    await rec.close();
    expect(graph.callService).toBe(origCall);

    const bytes = readFileSync(rec.file);
    const text = new TextDecoder('latin1').decode(bytes);
    expect(text.includes(LEASE)).toBe(false);
    expect(text.includes(CREDENTIAL)).toBe(false);
    expect(readdirSync(dir)).toHaveLength(1);

    const { recording, close } = await openRecordingFile(rec.file, rosMessagesCodec());
    try {
      const insMsgs = await recording.collect<{ depth_mm: number; phase: string }>([
        '/robot/insertion_status',
      ]);
      expect(insMsgs.map((m) => ({ depth: m.message.depth_mm, phase: m.message.phase }))).toEqual(published);
      expect(await recording.collect(['/joint_states'])).toHaveLength(20);
      // The latched safety state published before attach is recorded too.
      expect((await recording.collect(['/robot/safety_state'])).length).toBe(2);

      const events = await recording.events();
      const actions = events.filter((e) => e.kind === 'operator_action').map((e) => e.record);
      expect(actions.map((a) => ('action' in a ? a.action : ''))).toEqual([
        'claim_control',
        'plan_accepted',
        'insert',
        'pause',
        'insert_canceled',
        'estop',
      ]);
      expect(actions.every((a) => 'operator' in a && a.operator === 'Dr Op')).toBe(true);
      const safetyKinds = events.filter((e) => e.kind === 'safety_event').map((e) => e.record);
      expect(safetyKinds.map((e) => ('kind' in e ? e.kind : ''))).toEqual(['estop']);

      const plans = await recording.collect<{ sha256: string; plan: unknown; loadedBy: string }>([
        '/case/plan',
      ]);
      expect(plans).toHaveLength(1);
      expect(plans[0]!.message.plan).toEqual(plan);
      expect(plans[0]!.message.sha256).toBe(canonicalSha256(plan));
      expect(plans[0]!.message.loadedBy).toBe('Dr Op');

      const regs = await recording.collect<RegistrationRecord>(['/case/registration']);
      expect(regs).toHaveLength(1);
      const reg = regs[0]!.message;
      expect(reg.freMm).toBe(0.31);
      expect(reg.predictedTreMm).toBe(0.52);
      expect(reg.fiducialResidualsMm).toEqual([0.2, 0.4, 0.3]);
      // 90° about z: x → y; translation in mm.
      const expected = [0, -1, 0, 100, 1, 0, 0, -20, 0, 0, 1, 300, 0, 0, 0, 1];
      reg.patientToRobot!.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));

      const audit = await recording.audit();
      expect(audit.head?.count).toBe(audit.entries.length);
      expect(audit.entries.map((e) => e.action)).toContain('register_patient');
      expect(audit.entries.map((e) => e.action)).toContain('load_plan');
    } finally {
      await close();
    }
  });

  it('records the real simulator and its bridge serves the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-simrec-'));
    dirs.push(dir);
    // As `neuroplan sim --record <dir>` wires it: the bridge serves <dir>, the recorder attaches to the graph.
    const sim = await startSimulatedRobot({
      port: 0,
      credentials: null,
      bridge: { http: recordingsHttpHandler(dir) },
    });
    let file: string;
    try {
      const errors: string[] = [];
      sim.graph.onError = (e, where) => errors.push(`${where}: ${String(e)}`);
      const rec = await attachSimRecording(sim.graph, {
        dir,
        caseId: 'sim',
        onError: (e) => errors.push(String(e)),
      });
      file = rec.file;
      await new Promise((r) => setTimeout(r, 600));
      await sim.graph.callService('/robot/estop', {}, CLIENT);
      await new Promise((r) => setTimeout(r, 100));
      await rec.close();
      expect(errors).toEqual([]);
      const list = (await (await fetch(`http://127.0.0.1:${sim.bridge.port}/cases`)).json()) as Array<{
        name: string;
        size: number;
      }>;
      expect(list.map((f) => f.name)).toEqual([basename(file)]);
      expect(list[0]!.size).toBe(statSync(file).size);
    } finally {
      await sim.close();
    }
    const { recording, close } = await openRecordingFile(file, rosMessagesCodec());
    try {
      const counts = new Map(recording.topics().map((t) => [t.topic, t.messageCount]));
      // At least half of what the spec's rates give in the 0.6 s recorded (250, 250, 100, 100, 10 Hz).
      const minimum = {
        '/joint_states': 75,
        '/tf': 75,
        '/robot/tip_pose': 30,
        '/robot/insertion_status': 30,
        '/robot/safety_state': 3,
      };
      for (const [t, n] of Object.entries(minimum)) expect(counts.get(t), t).toBeGreaterThanOrEqual(n);
      const urdf = await recording.collect<{ data: string }>(['/robot_description']);
      expect(urdf[0]!.message.data).toMatch(/<robot/);
      const events = await recording.events();
      expect(events.some((e) => e.kind === 'safety_event' && /e-stop latched/.test(e.summary))).toBe(true);
      expect(events.some((e) => e.kind === 'operator_action' && /estop/.test(e.summary))).toBe(true);
    } finally {
      await close();
    }
  });

  it('refuses a case id that is not a file-name segment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-simrec-'));
    dirs.push(dir);
    await expect(attachSimRecording(new RosGraph(), { dir, caseId: '../escape' })).rejects.toThrow(/caseId/);
    expect(readdirSync(dir)).toHaveLength(0);
  });

  it('converts a Transform to a row-major matrix in mm', () => {
    expect(
      transformToMatrixMm({
        translation: { x: 0.001, y: 0.002, z: 0.003 },
        rotation: { x: 0, y: 0, z: 0, w: 1 },
      }),
    ).toEqual([1, 0, 0, 1, 0, 1, 0, 2, 0, 0, 1, 3, 0, 0, 0, 1]);
    expect(transformToMatrixMm({ translation: {} })).toBeUndefined();
  });
});
