/**
 * A synthetic intraoperative case for tests: publishers on a RosGraph at the spec's rates, driven in simulated
 * time (1 ms ticks), two trajectories inserted one after the other, BCI summaries and raw snippets, operator
 * actions, safety events, the plan and the registration. Everything published is kept (`published`) with the
 * simulated log time, so tests compare the replay against it and compute expected report numbers on their own.
 */
import { mulberry32 } from '@neuroplan/imaging';
import { RosGraph } from '@neuroplan/ros-sim';
import type { CaseRecorder } from '../src/recorder.ts';

export const T0_NS = 1_764_000_000_000_000_000n; // 2025-11-24T16:00:00Z

export interface Published {
  topic: string;
  type: string;
  logTimeNs: bigint;
  msg: unknown;
}

export interface SimTrajectory {
  id: string;
  electrodeId: string;
  entryLps: [number, number, number];
  targetLps: [number, number, number];
  /** Inserting phase, ms since start. */
  insertStartMs: number;
  insertEndMs: number;
  doneMs: number;
  /** Where the tip ends (mm, LPS): the target plus a known offset. */
  tipEndOffsetMm: [number, number, number];
}

export const TRAJECTORIES: SimTrajectory[] = [
  {
    id: 'T1',
    electrodeId: 'E1',
    entryLps: [30, -20, 60],
    targetLps: [20, -10, 20],
    insertStartMs: 500,
    insertEndMs: 1700,
    doneMs: 1900,
    tipEndOffsetMm: [0.1, -0.05, 0.2],
  },
  {
    id: 'T2',
    electrodeId: 'E2',
    entryLps: [-30, -25, 62],
    targetLps: [-22, -12, 25],
    insertStartMs: 2200,
    insertEndMs: 3400,
    doneMs: 3500,
    tipEndOffsetMm: [-0.3, 0.02, 0.05],
  },
];

export const OPERATOR = { operator: 'Dr Jane Roe', role: 'surgeon' };
export const ENGINEER = { operator: 'Sam Poe', role: 'engineer' };

/** Deterministic pseudo-random numbers (imaging's mulberry32). */
export const rng = mulberry32;

const stamp = (ns: bigint) => ({ sec: Number(ns / 1_000_000_000n), nanosec: Number(ns % 1_000_000_000n) });

export function simPlan(studyUid = '1.2.826.0.1.3680043.8.498.1', seriesUid = '1.2.826.0.1.3680043.8.498.2') {
  return {
    format: 'neuroplan-plan',
    version: 1,
    createdAt: '2025-11-20T09:30:00.000Z',
    caseRef: {
      caseId: 'ACC-2025-0042',
      patientId: 'PAT-889911',
      studyInstanceUid: studyUid,
      planningSeriesInstanceUid: seriesUid,
      frameOfReferenceUid: '1.2.826.0.1.3680043.8.498.3',
      series: [{ role: 'ct', seriesInstanceUid: seriesUid, description: 'CT head' }],
    },
    trajectories: TRAJECTORIES.map((t) => ({
      id: t.id,
      electrodeId: t.electrodeId,
      entryLps: t.entryLps,
      targetLps: t.targetLps,
    })),
    approval: {
      by: 'Dr Jane Roe',
      role: 'surgeon',
      at: '2025-11-21T10:00:00.000Z',
      contentSha256: '0'.repeat(64),
    },
  };
}

export interface SimOptions {
  durationMs?: number;
  /** 64-channel raw snippets of this many samples at 30 kHz, every `snippetEveryMs` (0 = none). */
  snippetSamples?: number;
  snippetEveryMs?: number;
  seed?: number;
}

export interface SimResult {
  published: Published[];
  /** Per trajectory: the tracking errors published during `inserting` (µm). */
  trackingErrors: Map<string, number[]>;
  /** BCI verdicts of the last summary. */
  lastBci: Array<{ electrode_id: string; verdict: string }>;
  safetyEvents: number;
}

/**
 * Runs the case: `clock.ns` is advanced tick by tick (the recorder reads it through its `clockNs` option), and
 * the recorder records explicit events along the way.
 */
export function runSimCase(
  recorder: CaseRecorder,
  graph: RosGraph,
  clock: { ns: bigint },
  o: SimOptions = {},
): SimResult {
  const duration = o.durationMs ?? 4000;
  const rand = rng(o.seed ?? 7);
  const published: Published[] = [];
  const pub = (topic: string, type: string, latched = false) => {
    const p = graph.advertise(topic, type, { latched });
    return (msg: unknown) => {
      published.push({ topic, type, logTimeNs: clock.ns, msg });
      p.publish(msg);
    };
  };
  clock.ns = T0_NS;
  const pubStatic = pub('/tf_static', 'tf2_msgs/msg/TFMessage', true);
  const pubDesc = pub('/robot_description', 'std_msgs/msg/String', true);
  const pubJoints = pub('/joint_states', 'sensor_msgs/msg/JointState');
  const pubTf = pub('/tf', 'tf2_msgs/msg/TFMessage');
  const pubTip = pub('/robot/tip_pose', 'geometry_msgs/msg/PoseStamped');
  const pubIns = pub('/robot/insertion_status', 'neuroplan_interfaces/msg/InsertionStatus');
  const pubSafety = pub('/robot/safety_state', 'neuroplan_interfaces/msg/SafetyState', true);
  const pubBci = pub('/bci/summary', 'neuroplan_interfaces/msg/BciSummary');
  const pubSnip = pub('/bci/snippets', 'neuroplan_interfaces/msg/BciSnippet');
  const pubDiag = pub('/diagnostics', 'diagnostic_msgs/msg/DiagnosticArray');

  const joints = ['j1', 'j2', 'j3', 'j4', 'j5', 'insertion'];
  const trackingErrors = new Map<string, number[]>(TRAJECTORIES.map((t) => [t.id, []]));
  let lastBci: SimResult['lastBci'] = [];
  let safetyEvents = 0;

  pubStatic({
    transforms: [
      {
        header: { stamp: stamp(clock.ns), frame_id: 'world' },
        child_frame_id: 'base_link',
        transform: { translation: { x: 0, y: 0, z: 0 }, rotation: { x: 0, y: 0, z: 0, w: 1 } },
      },
    ],
  });
  pubDesc({ data: '<robot name="neuroplan_robot"><link name="base_link"/></robot>' });
  recorder.recordPlan(simPlan(), OPERATOR);
  recorder.recordOperatorAction({ ...OPERATOR, action: 'claim_control' });
  recorder.recordRegistration(
    {
      success: true,
      reason: '',
      patientToRobot: [1, 0, 0, 100, 0, 1, 0, -50, 0, 0, 1, 200, 0, 0, 0, 1],
      freMm: 0.42,
      predictedTreMm: 0.61,
      fiducialResidualsMm: [0.3, 0.5, 0.4, 0.45],
    },
    OPERATOR,
  );

  for (let ms = 0; ms < duration; ms++) {
    clock.ns = T0_NS + BigInt(ms) * 1_000_000n;
    const header = (frame: string) => ({ stamp: stamp(clock.ns), frame_id: frame });
    const active = TRAJECTORIES.find((t) => ms >= t.insertStartMs && ms < t.doneMs);
    const done = TRAJECTORIES.filter((t) => ms >= t.doneMs);
    if (ms % 4 === 0) {
      const q = joints.map((_, i) => Math.sin(ms / 500 + i) * 0.5);
      pubJoints({
        header: header(''),
        name: joints,
        position: q,
        velocity: q.map((x) => x / 10),
        effort: [],
      });
      pubTf({
        transforms: joints.slice(0, 3).map((j, i) => ({
          header: header(i === 0 ? 'base_link' : joints[i - 1]!),
          child_frame_id: j,
          transform: {
            translation: { x: 0.1 * i, y: 0, z: 0.2 },
            rotation: { x: 0, y: 0, z: Math.sin(q[i]! / 2), w: Math.cos(q[i]! / 2) },
          },
        })),
      });
    }
    if (ms % 10 === 0) {
      let phase = 'idle';
      let depth = 0;
      let target = 0;
      let tip: [number, number, number] = [0, 0, 0];
      let err = 0;
      const t = active;
      if (t) {
        const len = Math.hypot(...t.targetLps.map((v, k) => v - t.entryLps[k]!));
        target = len;
        const f = Math.min(1, (ms - t.insertStartMs) / (t.insertEndMs - t.insertStartMs));
        phase = ms < t.insertEndMs ? 'inserting' : 'holding';
        depth = f * len;
        tip = t.entryLps.map(
          (v, k) => v + f * (t.targetLps[k]! - v) + (f >= 1 ? t.tipEndOffsetMm[k]! : 0),
        ) as typeof tip;
        if (phase === 'inserting') {
          err = 20 + 15 * Math.sin(ms / 37) + 10 * rand();
          trackingErrors.get(t.id)!.push(err);
        } else err = 5 * rand();
      } else if (done.length > 0) {
        phase = 'done';
        const last = done[done.length - 1]!;
        depth = Math.hypot(...last.targetLps.map((v, k) => v - last.entryLps[k]!));
        target = depth;
        tip = last.targetLps.map((v, k) => v + last.tipEndOffsetMm[k]!) as typeof tip;
      }
      const trajId = active?.id ?? done[done.length - 1]?.id ?? '';
      pubIns({
        header: header('patient_lps'),
        phase,
        trajectory_id: trajId,
        depth_mm: depth,
        target_depth_mm: target,
        velocity_mm_per_s: phase === 'inserting' ? 1 : 0,
        tracking_error_um: err,
        tissue_displacement_um: 3 * rand(),
        force_n: 0.02 * rand(),
      });
      pubTip({
        header: header('patient_lps'),
        pose: {
          position: { x: tip[0] / 1000, y: tip[1] / 1000, z: tip[2] / 1000 },
          orientation: { x: 0, y: 0, z: 0, w: 1 },
        },
      });
    }
    if (ms % 100 === 0) {
      const channels = ['E1', 'E2'].flatMap((e, ei) =>
        Array.from({ length: 8 }, (_, c) => ({
          index: ei * 8 + c,
          label: `${e}-${c + 1}`,
          electrode_id: e,
          contact_number: c + 1,
          verdict: (ei === 0 ? c < 7 : c < 5) ? 'ok' : c % 2 ? 'noisy' : 'open',
          reasons: [],
          noise_uv: 5 + rand(),
          spike_rate_hz: 3 * rand(),
          impedance_kohm: 500 + 100 * rand(),
          impedance_phase_deg: -30,
          lfp_power_uv2: 100 * rand(),
        })),
      );
      lastBci = channels.map((c) => ({ electrode_id: c.electrode_id, verdict: c.verdict }));
      pubBci({ header: header(''), channels, electrode_verdicts: ['E1:ok', 'E2:ok'] });
      pubSafety({
        header: header('world'),
        estop_latched: ms >= 1950 && ms < 2100,
        deadman_ok: true,
        motion_enabled: true,
        controller: OPERATOR.operator,
        lease_id_hash: 'ab12',
        plan_approved: true,
        registration_ok: true,
        blocking_reasons: [],
      });
    }
    if (o.snippetSamples && o.snippetEveryMs && ms % o.snippetEveryMs === 0) {
      const n = o.snippetSamples;
      pubSnip({
        header: header(''),
        sample_rate_hz: 30000,
        channels: Array.from({ length: 64 }, (_, c) => c),
        sample_count: n,
        data_uv: Array.from({ length: 64 * n }, () => Math.fround(100 * (rand() - 0.5))),
      });
    }
    if (ms % 1000 === 0)
      pubDiag({
        header: header(''),
        status: [
          {
            level: 0,
            name: 'robot',
            message: 'ok',
            hardware_id: 'sim',
            values: [{ key: 'ms', value: String(ms) }],
          },
        ],
      });
    for (const t of TRAJECTORIES) {
      if (ms === t.insertStartMs - 100)
        recorder.recordOperatorAction({ ...OPERATOR, action: 'insert', trajectoryId: t.id });
      if (ms === t.doneMs)
        recorder.recordOperatorAction({ ...OPERATOR, action: 'insertion_done', trajectoryId: t.id });
    }
    if (ms === 1950) {
      recorder.recordSafetyEvent({
        kind: 'estop',
        severity: 'critical',
        source: 'robot',
        message: 'E-stop pressed by Dr Jane Roe',
      });
      safetyEvents += 1;
    }
    if (ms === 2100) {
      recorder.recordSafetyEvent({
        kind: 'reset',
        severity: 'info',
        source: 'robot',
        message: 'E-stop reset',
      });
      recorder.recordOperatorAction({ ...ENGINEER, action: 'reset_estop' });
      safetyEvents += 1;
    }
  }
  return { published, trackingErrors, lastBci, safetyEvents };
}

export { RosGraph };
