/**
 * The operator screen's state: one RobotClient and what it reports, in a small zustand store of its own
 * (the planning store stays as it is). Topic updates are throttled at the bridge (rosbridge throttle_rate)
 * so React renders at most ~20 times a second; the tracking plot reads a ring buffer outside React.
 * The store is on `globalThis.__neuroplanRobot` for the end-to-end tests (and the console).
 */
import { create } from 'zustand';
import {
  RobotClient,
  type ConnectionState,
  type GoalHandle,
  type InsertionStatus,
  type LatencyStats,
  type Lease,
  type PoseStamped,
  type RegistrationResult,
  type SafetyState,
} from '@neuroplan/ros-client';
import { useStore } from '../store/index.ts';
import { exportPlanFiles } from '../plan/planFilesClient.ts';
import {
  DEFAULT_PATIENT_POSE,
  demoFiducials,
  touchedFiducials,
  transformToMatrixMm,
  type Vec3,
} from './registration.ts';

export const DEFAULT_ROBOT_URL = 'ws://127.0.0.1:9090';

export interface LogLine {
  atMs: number;
  level: 'info' | 'error';
  text: string;
}

export interface LoadedPlanInfo {
  sha256: string;
  approvedBy: string;
  trajectoryIds: string[];
  /** Entry and target of each trajectory, LPS mm (for the 3D view). */
  trajectories: Record<string, { entryLps: Vec3; targetLps: Vec3 }>;
}

export interface RegistrationInfo {
  result: RegistrationResult;
  /** patient LPS → robot, row-major 4×4 mm (from the robot's answer). */
  patientToRobotMm: number[];
  imageFiducialsLps: Vec3[];
  robotFiducialsMm: Vec3[];
  /** The head's centre, LPS mm (the 3D view draws a head proxy there). */
  headCentreLps: Vec3;
  /** Predicted TRE per planned target, from the robot (one call per target), mm. */
  treByTargetMm: Record<string, number>;
}

/** Samples for the live plot: time (s, performance clock), tracking error and tissue motion (µm). */
export const trackingSeries = {
  t: [] as number[],
  trackingUm: [] as number[],
  tissueUm: [] as number[],
  depthMm: [] as number[],
  push(s: InsertionStatus): void {
    this.t.push(performance.now() / 1000);
    this.trackingUm.push(s.tracking_error_um);
    this.tissueUm.push(s.tissue_displacement_um);
    this.depthMm.push(s.depth_mm);
    const keep = 600;
    if (this.t.length > keep)
      for (const a of [this.t, this.trackingUm, this.tissueUm, this.depthMm]) a.splice(0, a.length - keep);
  },
};

export interface RobotUiState {
  url: string;
  connection: ConnectionState;
  lease: Lease | null;
  latency: LatencyStats | null;
  safety: SafetyState | null;
  insertion: InsertionStatus | null;
  tipPose: PoseStamped | null;
  /** Joint values by name (rad, m), latest /joint_states. */
  joints: Record<string, number>;
  jointMessages: number;
  registration: RegistrationInfo | null;
  plan: LoadedPlanInfo | null;
  trajectoryId: string | null;
  depthMm: number;
  /** Needle tip distance before the entry at the pre-entry pose (the insertion stroke must cover it and the path). */
  standoffMm: number;
  speedMmPerS: number;
  /** What is being done now, in words (buttons wait). */
  busy: string | null;
  /** The last motion goal and how it ended. */
  lastGoal: { action: string; commandId: string; status: string; reason: string } | null;
  log: LogLine[];
  setUrl(url: string): void;
  connect(operator: string, credential: string): Promise<void>;
  disconnect(): void;
  register(): Promise<void>;
  loadPlan(): Promise<void>;
  setTrajectory(id: string): void;
  setDepth(mm: number): void;
  moveToPreEntry(): void;
  insert(): void;
  pause(): void;
  retract(): void;
  estop(): Promise<void>;
  resetEstop(): Promise<void>;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

let client: RobotClient | null = null;
/** The client (created on first connect). */
export const robotClient = (): RobotClient | null => client;

export const useRobot = create<RobotUiState>()((set, get) => {
  const log = (level: LogLine['level'], text: string): void =>
    set((s) => ({ log: [...s.log.slice(-49), { atMs: Date.now(), level, text }] }));

  const attach = (c: RobotClient): void => {
    c.on('state', (connection) => {
      set({ connection });
      log('info', `connection: ${connection}`);
    });
    c.on('lease', (lease, reason) => {
      set({ lease });
      log(
        lease ? 'info' : 'error',
        lease ? `control granted to ${lease.operator}` : `control ended: ${reason}`,
      );
    });
    c.on('latency', (latency) => set({ latency }));
    c.subscribe('safetyState', (safety) => set({ safety }));
    c.subscribe(
      'insertionStatus',
      (insertion) => {
        trackingSeries.push(insertion);
        set({ insertion });
      },
      { throttleMs: 50 },
    );
    c.subscribe('tipPose', (tipPose) => set({ tipPose }), { throttleMs: 100 });
    c.subscribe(
      'jointStates',
      (m) => {
        const joints: Record<string, number> = {};
        m.name.forEach((n, i) => (joints[n] = m.position[i] ?? 0));
        set((s) => ({ joints, jointMessages: s.jointMessages + 1 }));
      },
      { throttleMs: 33 },
    );
  };

  /** Runs a motion goal: records how it ended (lost goals say so). */
  const track = <R, F>(what: string, start: () => GoalHandle<R, F>): void => {
    let handle: GoalHandle<R, F>;
    try {
      handle = start();
    } catch (e) {
      log('error', message(e));
      set({ lastGoal: { action: what, commandId: '', status: 'not sent', reason: message(e) } });
      return;
    }
    set({ lastGoal: { action: what, commandId: handle.commandId, status: 'running', reason: '' } });
    log('info', `${what}: sent (command ${handle.commandId.slice(0, 8)})`);
    handle.result.then(
      (o) => {
        set({ lastGoal: { action: what, commandId: handle.commandId, status: o.status, reason: o.reason } });
        log(
          o.status === 'succeeded' ? 'info' : 'error',
          `${what}: ${o.status}${o.reason ? ` — ${o.reason}` : ''}`,
        );
      },
      (e: unknown) => {
        set({ lastGoal: { action: what, commandId: handle.commandId, status: 'lost', reason: message(e) } });
        log('error', message(e));
      },
    );
  };

  const busy = async (what: string, fn: () => Promise<void>): Promise<void> => {
    set({ busy: what });
    try {
      await fn();
    } catch (e) {
      log('error', `${what}: ${message(e)}`);
    } finally {
      set({ busy: null });
    }
  };

  return {
    url: DEFAULT_ROBOT_URL,
    connection: 'disconnected',
    lease: null,
    latency: null,
    safety: null,
    insertion: null,
    tipPose: null,
    joints: {},
    jointMessages: 0,
    registration: null,
    plan: null,
    trajectoryId: null,
    depthMm: 0,
    standoffMm: 10,
    speedMmPerS: 2,
    busy: null,
    lastGoal: null,
    log: [],

    setUrl: (url) => set({ url }),

    connect: (operator, credential) =>
      busy('connect', async () => {
        if (!client) {
          client = new RobotClient();
          attach(client);
        }
        await client.connect(get().url);
        await client.claimControl(operator.trim(), credential);
      }),

    disconnect: () => {
      client?.dispose();
      client = null;
      set({ connection: 'disconnected', lease: null, latency: null, registration: null, plan: null });
    },

    register: () =>
      busy('register', async () => {
        const c = client;
        if (!c) throw new Error('connect first');
        const fiducials = demoFiducials(useStore.getState().caseName);
        if (!fiducials)
          throw new Error(
            'the fiducial positions are known only for the demo phantom: open the demo case to register',
          );
        const robotFiducialsMm = touchedFiducials(fiducials, DEFAULT_PATIENT_POSE);
        const targets = useStore
          .getState()
          .trajectories.map((t) => ({ id: t.id, lps: [...t.targetLps] as Vec3 }));
        const input = {
          imageFiducialsLpsMm: fiducials.imageLps,
          robotFiducialsMm,
          targetsLpsMm: targets.map((t) => t.lps),
        };
        // Predicted TRE per target: the robot reports the worst over the targets it is given, so ask it
        // about each target alone first, then register with all of them.
        const treByTargetMm: Record<string, number> = {};
        for (const t of targets) {
          const r = await c.registerPatient({ ...input, targetsLpsMm: [t.lps] });
          treByTargetMm[t.id] = r.predicted_tre_mm;
        }
        const result = await c.registerPatient(input);
        set({
          registration: {
            result,
            patientToRobotMm: transformToMatrixMm(result.patient_to_robot),
            imageFiducialsLps: fiducials.imageLps,
            robotFiducialsMm,
            headCentreLps: fiducials.headCentreLps,
            treByTargetMm,
          },
        });
        log(
          result.success ? 'info' : 'error',
          result.success ? result.reason : `registration refused: ${result.reason}`,
        );
      }),

    loadPlan: () =>
      busy('load plan', async () => {
        const c = client;
        if (!c) throw new Error('connect first');
        const s = useStore.getState();
        if (s.approvalState.state !== 'approved' || !s.approval)
          throw new Error(
            s.approvalState.state === 'void'
              ? `the plan's approval is void: ${s.approvalState.reason}`
              : 'the plan is not approved: approve it in the Plan view first',
          );
        const files = await exportPlanFiles(s);
        const sha256 = s.approval.contentSha256;
        const trajectoryIds = await c.loadPlan(files.planJson.text, sha256);
        const trajectories: LoadedPlanInfo['trajectories'] = {};
        for (const t of s.trajectories)
          trajectories[t.id] = { entryLps: [...t.entryLps] as Vec3, targetLps: [...t.targetLps] as Vec3 };
        const first = trajectoryIds[0] ?? null;
        const first3d = first ? trajectories[first] : undefined;
        const lengthMm = first3d
          ? Math.hypot(...(first3d.targetLps.map((v, i) => v - first3d.entryLps[i]!) as Vec3))
          : 0;
        set({
          plan: { sha256, approvedBy: s.approval.by, trajectoryIds, trajectories },
          trajectoryId: first,
          depthMm: Math.round(lengthMm * 10) / 10,
        });
        log(
          'info',
          `plan loaded (${trajectoryIds.join(', ')}; approved by ${s.approval.by}; ${sha256.slice(0, 12)}…)`,
        );
      }),

    setTrajectory: (id) => {
      const t = get().plan?.trajectories[id];
      const lengthMm = t ? Math.hypot(...(t.targetLps.map((v, i) => v - t.entryLps[i]!) as Vec3)) : 0;
      set({ trajectoryId: id, depthMm: Math.round(lengthMm * 10) / 10 });
    },
    setDepth: (depthMm) => set({ depthMm }),

    moveToPreEntry: () => {
      const { trajectoryId, standoffMm } = get();
      if (!client || !trajectoryId) return log('error', 'move to pre-entry: load a plan first');
      track('move to pre-entry', () => client!.moveToPreEntry(trajectoryId, standoffMm));
    },
    insert: () => {
      const { trajectoryId, depthMm, speedMmPerS } = get();
      if (!client || !trajectoryId) return log('error', 'insert: load a plan first');
      track('insert', () => client!.insert(trajectoryId, depthMm, { speedMmPerS, onDeadman: 'hold' }));
    },
    pause: () => {
      try {
        client?.pause();
        log('info', 'pause: cancel sent (the robot holds at the current depth)');
      } catch (e) {
        log('error', message(e));
      }
    },
    retract: () => {
      if (!client) return;
      track('retract', () => client!.retract(get().speedMmPerS));
    },
    estop: async () => {
      if (!client) return log('error', 'e-stop: not connected to a robot');
      try {
        const r = await client.estop();
        log('info', `E-STOP: ${r.message || 'confirmed by the robot'}`);
      } catch (e) {
        log('error', `E-STOP NOT CONFIRMED: ${message(e)}`);
      }
    },
    resetEstop: () =>
      busy('reset e-stop', async () => {
        if (!client) throw new Error('connect first');
        await client.resetEstop();
        log('info', 'e-stop reset');
      }),
  };
});

(globalThis as { __neuroplanRobot?: typeof useRobot }).__neuroplanRobot = useRobot;
