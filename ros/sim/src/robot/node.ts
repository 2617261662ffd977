/**
 * The simulated insertion robot as a ROS node on the in-process graph (ros-spec.md): state topics, the
 * operator services and the motion actions, on simulated time.
 *
 * Every control tick (1 kHz by default) first checks safety (lease, deadman), then moves: the arm along a
 * sampled joint trajectory, the insertion axis through the 10 kHz servo (kinematics' InsertionServo with
 * brain motion), then publishes at each topic's rate. A deadman lapse is therefore acted on at the first tick
 * after the heartbeat is older than the limit, before any further motion: stop within one control cycle.
 * The e-stop acts at once, in its service handler, and latches until ResetEstop with the lease.
 *
 * Motion needs (a) a loaded plan that is approved with a matching content hash, (b) a registration within
 * the FRE/TRE limits, (c) the lease of the authenticated operator holding control and a fresh heartbeat,
 * and each goal a fresh stamp and an unused command id. Refusals finish the goal at once with
 * `success: false` and the reason in words.
 */
import { readFileSync } from 'node:fs';
import {
  forwardKinematics,
  jointCommandProblem,
  parseUrdf,
  buildChain,
  planApproach,
  quaternionFromRotation,
  ROBOT_BASE_LINK,
  ROBOT_TOOL_LINK,
  type KinematicChain,
  type UrdfModel,
  type Vec3,
} from '@neuroplan/kinematics';
import { ROBOT_URDF_PATH } from '@neuroplan/kinematics/node';
import type {
  Header,
  InsertionPhase,
  InsertionStatus,
  InsertResult,
  MoveToPreEntryResult,
  RetractResult,
  SafetyState,
} from '@neuroplan/ros-messages';
import { InsertionServo, type InsertionServoOptions } from '@neuroplan/kinematics';
import { applyMatrix } from '@neuroplan/planning';
import type { GraphPeer, Publisher, RosGraph, ServerGoal } from '../graph.ts';
import { ControlAuthority } from './authority.ts';
import { SimClock, fromRosTime } from './clock.ts';
import { CommandLedger, commandProblems, commonFields, numberField, stringField } from './commands.ts';
import type { OperatorCredentials } from './credentials.ts';
import { ACTIONS, SERVICES, TOPICS, TYPES } from './messages.ts';
import { checkPlanForLoading, type LoadedPlan } from './planState.ts';
import {
  readRegistrationRequest,
  registerSet,
  resultMsg,
  transformMsg,
  type FiducialSet,
  type RegistrationOutcome,
} from './registration.ts';
import { TfTree } from './tf.ts';

export interface SimulatedRobotOptions {
  /** Operator credentials; null refuses every claim (no operator configured). */
  credentials: OperatorCredentials | null;
  /** The URDF text (default: ros/description/urdf/neuroplan_robot.urdf). */
  urdfXml?: string;
  /** ROS time at simulated time 0, s since 1970 (default: now). */
  epochS?: number;
  /** Supervisor rate: safety checks, arm interpolation, publishing (Hz, default 1000). */
  controlRateHz?: number;
  /** Deadman: motion stops when the last heartbeat is older than this (s, default 0.1). */
  deadmanLimitS?: number;
  /** The lease lapses this long after the last heartbeat (s, default 5). */
  leaseDurationS?: number;
  /** Goals with a stamp older than this are refused (s, default 1). */
  maxStampAgeS?: number;
  /** Goals stamped further ahead than this are refused (s, default 0.5). */
  maxStampFutureS?: number;
  /** Registration limits: FRE and predicted TRE at every target (mm, defaults 1.0 and 1.0). */
  maxFreMm?: number;
  maxTreMm?: number;
  /** Fiducial localisation error for the TRE prediction (mm RMS, default 0.25; null: estimate from the FRE). */
  fleMm?: number | null;
  /** Insertion speed limit (mm/s; default: the insertion joint's velocity limit). */
  maxInsertSpeedMmPerS?: number;
  /** Standoff of the pre-entry pose when a goal gives 0 (mm, default 20). */
  defaultStandoffMm?: number;
  /** The servo (seed, brain motion, plant...). */
  servo?: InsertionServoOptions;
  /** Start configuration (chain units: rad, mm; default all zero). */
  homeJoints?: number[];
}

/** Why and when motion was last stopped by the safety layer. */
export interface StopEvent {
  cause: 'deadman' | 'estop' | 'lease';
  /** Simulated time (s since start) at which motion stopped. */
  atS: number;
  /** Simulated time of the last valid heartbeat before it (s since start; NaN when none). */
  lastHeartbeatS: number;
  what: string;
}

interface AxisState {
  trajectoryId: string;
  servo: InsertionServo;
  standoffMm: number;
  retractedMm: number;
  lengthMm: number;
  /** Distance of the pre-entry tip from the planned axis point (mm), from the arm's move. */
  positionErrorMm: number;
}

type Activity =
  | {
      kind: 'joints';
      source: 'move_to_pre_entry' | 'follow_joint_trajectory';
      goal: ServerGoal | null;
      timesS: number[];
      positions: Float64Array[];
      startS: number;
      cursor: number;
      done: () => void;
    }
  | {
      kind: 'axis';
      mode: 'insert' | 'retract' | 'deadman_retract';
      goal: ServerGoal | null;
      targetDepthUm: number;
      speedUmPerS: number;
      onDeadman: 'hold' | 'retract';
      settleUntilS: number | null;
    };

const TICK_ROUNDING = 1e-9;
const SETTLE_S = 0.05;
const FEEDBACK_EVERY_S = 0.05;

const insertResult = (reason: string, extra: Partial<InsertResult> = {}): InsertResult => ({
  success: false,
  reason,
  final_depth_mm: 0,
  target_error_mm: 0,
  rms_tracking_error_um: 0,
  max_tracking_error_um: 0,
  ...extra,
});
const moveResult = (reason: string, extra: Partial<MoveToPreEntryResult> = {}): MoveToPreEntryResult => ({
  success: false,
  reason,
  position_error_mm: 0,
  ...extra,
});
const retractResult = (reason: string, extra: Partial<RetractResult> = {}): RetractResult => ({
  success: false,
  reason,
  final_depth_mm: 0,
  ...extra,
});
const fjtResult = (code: number, why: string) => ({ error_code: code, error_string: why });

export class SimulatedRobot {
  readonly clock: SimClock;
  readonly chain: KinematicChain;
  readonly urdf: UrdfModel;
  readonly authority: ControlAuthority;
  readonly periodS: number;
  /** Counters for tests and diagnostics. */
  readonly counters = { goals: 0, refused: 0, executed: 0, heartbeats: 0 };
  /** Every safety stop, oldest first. */
  readonly stops: StopEvent[] = [];

  private readonly graph: RosGraph;
  private readonly urdfXml: string;
  private readonly tf: TfTree;
  private readonly ledger: CommandLedger;
  private readonly opts: Required<
    Omit<SimulatedRobotOptions, 'credentials' | 'urdfXml' | 'epochS' | 'servo' | 'homeJoints' | 'fleMm'>
  > & { fleMm: number | undefined; servo: InsertionServoOptions };
  private readonly q: Float64Array;
  private readonly qPublished: Float64Array;
  private phase: InsertionPhase = 'idle';
  private estop = false;
  private plan: LoadedPlan | null = null;
  private fiducials: FiducialSet | null = null;
  private registration: RegistrationOutcome | null = null;
  private axis: AxisState | null = null;
  private activity: Activity | null = null;
  private ticks = 0;
  private pendingS = 0;
  private lastFeedbackS = -Infinity;
  private lastSafetyKey = '';
  private realTimer: ReturnType<typeof setInterval> | null = null;
  private lastWallMs = 0;
  private diagWindow = { wallMs: 0, simS: 0, servoSteps: 0, errSq: 0, errMax: 0, errN: 0 };
  private servoStepsTotal = 0;
  private readonly pubs: Record<
    'jointStates' | 'tf' | 'tfStatic' | 'description' | 'diagnostics' | 'insertion' | 'tip' | 'safety',
    Publisher
  >;
  private readonly closers: Array<() => void> = [];

  constructor(graph: RosGraph, options: SimulatedRobotOptions) {
    this.graph = graph;
    this.urdfXml = options.urdfXml ?? readFileSync(ROBOT_URDF_PATH, 'utf8');
    this.urdf = parseUrdf(this.urdfXml, 'robot_description');
    this.chain = buildChain(this.urdf, ROBOT_BASE_LINK, ROBOT_TOOL_LINK);
    this.tf = new TfTree(this.urdf);
    const insertion = this.chain.joints[this.chain.joints.length - 1]!;
    if (insertion.type !== 'prismatic')
      throw new Error('simulated robot: the chain must end in the prismatic insertion joint');
    this.opts = {
      controlRateHz: options.controlRateHz ?? 1000,
      deadmanLimitS: options.deadmanLimitS ?? 0.1,
      leaseDurationS: options.leaseDurationS ?? 5,
      maxStampAgeS: options.maxStampAgeS ?? 1,
      maxStampFutureS: options.maxStampFutureS ?? 0.5,
      maxFreMm: options.maxFreMm ?? 1,
      maxTreMm: options.maxTreMm ?? 1,
      fleMm: options.fleMm === null ? undefined : (options.fleMm ?? 0.25),
      maxInsertSpeedMmPerS: options.maxInsertSpeedMmPerS ?? insertion.limits.velocity,
      defaultStandoffMm: options.defaultStandoffMm ?? 20,
      servo: options.servo ?? {},
    };
    const o = this.opts;
    for (const [k, v] of Object.entries(o))
      if (typeof v === 'number' && !(v > 0 && Number.isFinite(v)))
        throw new Error(`simulated robot: option ${k} must be a positive finite number, got ${v}`);
    if (o.controlRateHz > 10_000) throw new Error('simulated robot: controlRateHz must be ≤ 10 kHz');
    this.periodS = 1 / o.controlRateHz;
    this.clock = new SimClock(options.epochS);
    this.authority = new ControlAuthority(
      options.credentials,
      {
        leaseDurationS: o.leaseDurationS,
        deadmanLimitS: o.deadmanLimitS,
        heartbeatMaxAgeS: Math.max(o.deadmanLimitS, 0.25),
        maxFutureS: o.maxStampFutureS,
      },
      () => this.clock.elapsedS,
      () => this.clock.nowS,
    );
    this.authority.onChange = () => this.publishSafety(true);
    this.ledger = new CommandLedger(Math.max(10, 4 * o.maxStampAgeS));
    const home = options.homeJoints ?? this.chain.joints.map(() => 0);
    const bad = jointCommandProblem(this.chain, home);
    if (bad) throw new Error(`simulated robot: home configuration: ${bad}`);
    this.q = Float64Array.from(home);
    this.qPublished = Float64Array.from(home);

    const adv = (topic: string, type: string, latched = false) => graph.advertise(topic, type, { latched });
    this.pubs = {
      jointStates: adv(TOPICS.jointStates, TYPES.jointState),
      tf: adv(TOPICS.tf, TYPES.tfMessage),
      tfStatic: adv(TOPICS.tfStatic, TYPES.tfMessage, true),
      description: adv(TOPICS.robotDescription, TYPES.string, true),
      diagnostics: adv(TOPICS.diagnostics, TYPES.diagnosticArray),
      insertion: adv(TOPICS.insertionStatus, TYPES.insertionStatus),
      tip: adv(TOPICS.tipPose, TYPES.poseStamped),
      safety: adv(TOPICS.safetyState, TYPES.safetyState, true),
    };
    this.closers.push(...Object.values(this.pubs).map((p) => () => p.close()));
    const hb = graph.subscribe(TOPICS.heartbeat, TYPES.heartbeat, (msg) => {
      this.syncRealTime();
      if (this.authority.heartbeat(msg)) this.counters.heartbeats++;
    });
    this.closers.push(() => hb.close());

    const svc = (name: string, type: string, handler: (req: unknown, caller: GraphPeer) => unknown) =>
      this.closers.push(
        graph.advertiseService(name, type, (req, caller) => {
          this.syncRealTime();
          return handler(req, caller);
        }),
      );
    svc(SERVICES.estop, TYPES.trigger, (_req, caller) => this.emergencyStop(caller));
    svc(SERVICES.claimControl, TYPES.claimControl, (req) => this.authority.claim(req));
    svc(SERVICES.releaseControl, TYPES.releaseControl, (req) => this.releaseControl(req));
    svc(SERVICES.loadPlan, TYPES.loadPlan, (req) => this.loadPlan(req));
    svc(SERVICES.registerPatient, TYPES.registerPatient, (req) => this.registerPatient(req));
    svc(SERVICES.resetEstop, TYPES.resetEstop, (req) => this.resetEstop(req));

    const act = (name: string, type: string, onGoal: (g: ServerGoal) => void) =>
      this.closers.push(
        graph.advertiseAction(name, type, {
          onGoal: (g) => {
            this.syncRealTime();
            this.counters.goals++;
            onGoal(g);
          },
        }),
      );
    act(ACTIONS.followJointTrajectory, TYPES.followJointTrajectory, (g) => this.followJointTrajectory(g));
    act(ACTIONS.moveToPreEntry, TYPES.moveToPreEntry, (g) => this.moveToPreEntry(g));
    act(ACTIONS.insert, TYPES.insert, (g) => this.insert(g));
    act(ACTIONS.retract, TYPES.retract, (g) => this.retract(g));

    this.pubs.description.publish({ data: this.urdfXml });
    this.publishStaticTf();
    this.publishState(true);
  }

  // ---------------------------------------------------------------- time

  /** Runs the control ticks that fit in `seconds` of simulated time (the remainder carries over). */
  advance(seconds: number): void {
    if (!(seconds >= 0) || !Number.isFinite(seconds))
      throw new Error(`simulated robot: cannot advance by ${seconds} s`);
    this.pendingS += seconds;
    while (this.pendingS >= this.periodS * (1 - TICK_ROUNDING)) {
      this.pendingS -= this.periodS;
      this.tick();
    }
    if (this.pendingS < 0) this.pendingS = 0;
  }

  /** Real-time mode: a timer advances simulated time with the wall clock. */
  startRealTime(intervalMs = 2): void {
    if (this.realTimer) return;
    // The wall time spent since the clock's epoch was taken (the rest of this constructor, the BCI node, the
    // bridge's start) was never simulated: without this the wire clock would lag the clients' stamps by it
    // for good, and past maxStampFutureS every command would be refused as "in the future".
    const lagS = Date.now() / 1000 - this.clock.nowS;
    if (lagS > 0) this.clock.skip(lagS);
    this.lastWallMs = performance.now();
    this.diagWindow.wallMs = this.lastWallMs;
    this.realTimer = setInterval(() => this.syncRealTime(), intervalMs);
  }

  get realTime(): boolean {
    return this.realTimer !== null;
  }

  /**
   * Brings simulated time up to the wall clock (real-time mode). A stall over 1 s is not replayed as physics;
   * the rest is skipped on the ROS clock so that wire time keeps up with the clients' wall-clock stamps.
   */
  private syncRealTime(): void {
    if (!this.realTimer) return;
    const now = performance.now();
    const wallDt = (now - this.lastWallMs) / 1000;
    this.lastWallMs = now;
    const dt = Math.min(1, wallDt);
    if (dt > 0) this.advance(dt);
    if (wallDt > dt) this.clock.skip(wallDt - dt);
  }

  /** Stops the node: timers, topics, services, actions. Active goals are aborted. */
  close(): void {
    if (this.realTimer) clearInterval(this.realTimer);
    this.realTimer = null;
    this.finishActivity('abort', 'the robot node is shutting down');
    for (const c of this.closers.splice(0)) c();
  }

  // ---------------------------------------------------------------- state for tests and the CLI

  get currentPhase(): InsertionPhase {
    return this.phase;
  }
  get estopLatched(): boolean {
    return this.estop;
  }
  get loadedPlan(): LoadedPlan | null {
    return this.plan;
  }
  get registered(): boolean {
    return this.registration?.ok === true;
  }
  /** Joint values now (chain order; rad, mm). */
  joints(): Float64Array {
    return Float64Array.from(this.q);
  }
  /** The servo's state when the needle is on a trajectory's axis. */
  servoState() {
    return this.axis ? { trajectoryId: this.axis.trajectoryId, ...this.axis.servo.snapshot() } : null;
  }
  /** Simulated time of the last valid heartbeat (s since start), NaN without a holder. */
  get lastHeartbeatS(): number {
    return this.authority.holder?.lastHeartbeatS ?? NaN;
  }
  get motionActive(): boolean {
    return this.activity !== null;
  }

  // ---------------------------------------------------------------- the control tick

  private tick(): void {
    this.authority.expireIfDue();
    const a = this.activity;
    if (
      a &&
      !this.estop &&
      !(a.kind === 'axis' && a.mode === 'deadman_retract') &&
      !this.authority.deadmanOk()
    )
      this.deadmanStop();

    this.clock.tick(this.periodS);
    const t = this.clock.elapsedS;
    const act = this.activity;
    if (act?.kind === 'joints') this.stepJoints(act, t);
    if (this.axis) {
      const steps = Math.max(1, Math.round(this.axis.servo.rateHz * this.periodS));
      this.axis.servo.step(steps);
      this.servoStepsTotal += steps;
      this.diagWindow.servoSteps += steps;
      const s = this.axis.servo.snapshot();
      this.diagWindow.errSq += s.errorUm * s.errorUm;
      this.diagWindow.errN++;
      this.diagWindow.errMax = Math.max(this.diagWindow.errMax, Math.abs(s.errorUm));
      this.q[this.q.length - 1] = this.insertionFromTip(s.tipUm);
      if (act?.kind === 'axis') this.stepAxis(act, t);
    }
    if (this.activity && t - this.lastFeedbackS >= FEEDBACK_EVERY_S - 1e-9) {
      this.lastFeedbackS = t;
      this.sendFeedback();
    }
    this.ticks++;
    this.publishState(false);
  }

  /** Insertion joint value (mm) for a servo tip position (µm, 0 = the entry surface). */
  private insertionFromTip(tipUm: number): number {
    const ax = this.axis!;
    const j = this.chain.joints[this.chain.joints.length - 1]!;
    const v = ax.retractedMm + ax.standoffMm + tipUm / 1000;
    return Math.min(j.limits.upper, Math.max(j.limits.lower, v));
  }

  private stepJoints(a: Extract<Activity, { kind: 'joints' }>, t: number): void {
    const tau = t - a.startS;
    const times = a.timesS;
    const last = times.length - 1;
    if (tau >= times[last]!) {
      this.q.set(a.positions[last]!);
      this.activity = null;
      a.done();
      return;
    }
    while (a.cursor < last - 1 && times[a.cursor + 1]! <= tau) a.cursor++;
    const i = a.cursor;
    const t0 = times[i]!,
      t1 = times[i + 1]!;
    const f = t1 > t0 ? Math.min(1, Math.max(0, (tau - t0) / (t1 - t0))) : 1;
    const p0 = a.positions[i]!,
      p1 = a.positions[i + 1]!;
    for (let k = 0; k < this.q.length; k++) this.q[k] = p0[k]! + f * (p1[k]! - p0[k]!);
  }

  private stepAxis(a: Extract<Activity, { kind: 'axis' }>, t: number): void {
    const servo = this.axis!.servo;
    if (servo.moving) return;
    if (a.settleUntilS === null) {
      a.settleUntilS = t + SETTLE_S;
      return;
    }
    if (t < a.settleUntilS) return;
    this.activity = null;
    const s = servo.snapshot();
    const st = servo.stats();
    const depthMm = (s.tipUm - s.tissueUm) / 1000;
    if (a.mode === 'insert') {
      this.phase = Math.abs(a.targetDepthUm / 1000 - this.axis!.lengthMm) < 1e-6 ? 'done' : 'holding';
      const lateral = this.axis!.positionErrorMm;
      a.goal?.succeed(
        insertResult(`reached ${(a.targetDepthUm / 1000).toFixed(3)} mm`, {
          success: true,
          final_depth_mm: depthMm,
          target_error_mm: Math.hypot(lateral, s.errorUm / 1000),
          rms_tracking_error_um: st.rmsErrorUm,
          max_tracking_error_um: st.maxErrorUm,
        }),
      );
      this.counters.executed++;
    } else {
      this.phase = 'at_pre_entry';
      const r = retractResult('retracted to the pre-entry pose', { success: true, final_depth_mm: depthMm });
      a.goal?.succeed(r);
      if (a.goal) this.counters.executed++;
    }
  }

  private sendFeedback(): void {
    const a = this.activity;
    if (!a?.goal) return;
    if (a.kind === 'joints') {
      const total = a.timesS[a.timesS.length - 1]!;
      const tau = this.clock.elapsedS - a.startS;
      if (a.source === 'move_to_pre_entry')
        a.goal.publishFeedback({
          progress: total > 0 ? Math.min(1, tau / total) : 1,
          remaining_s: Math.max(0, total - tau),
        });
      return;
    }
    const s = this.axis!.servo.snapshot();
    const depth = (s.tipUm - s.tissueUm) / 1000;
    if (a.mode === 'insert')
      a.goal.publishFeedback({
        depth_mm: depth,
        tracking_error_um: s.errorUm,
        tissue_displacement_um: s.tissueUm,
        phase: this.phase,
      });
    else a.goal.publishFeedback({ depth_mm: depth });
  }

  // ---------------------------------------------------------------- stops

  /** Ends the active motion: the arm freezes where it is, the axis holds its depth. */
  private finishActivity(how: 'abort' | 'cancel', reason: string): void {
    const a = this.activity;
    this.activity = null;
    this.axis?.servo.stop();
    if (!a?.goal) return;
    const depth = this.depthMm();
    const result =
      a.kind === 'joints'
        ? a.source === 'move_to_pre_entry'
          ? moveResult(reason)
          : fjtResult(-4, reason)
        : a.mode === 'insert'
          ? insertResult(reason, { final_depth_mm: depth, ...this.trackingStats() })
          : retractResult(reason, { final_depth_mm: depth });
    if (how === 'cancel') a.goal.canceled(result);
    else a.goal.abort(result);
  }

  private trackingStats() {
    const st = this.axis?.servo.stats();
    return st ? { rms_tracking_error_um: st.rmsErrorUm, max_tracking_error_um: st.maxErrorUm } : {};
  }

  private depthMm(): number {
    if (!this.axis) return 0;
    const s = this.axis.servo.snapshot();
    return (s.tipUm - s.tissueUm) / 1000;
  }

  private inTissue(): boolean {
    return this.axis !== null && this.depthMm() > -0.5;
  }

  private deadmanStop(): void {
    const a = this.activity!;
    const ageMs = Math.round(this.authority.heartbeatAgeS() * 1000);
    const holder = this.authority.holder;
    const why = holder
      ? `deadman: no heartbeat for ${ageMs} ms (limit ${Math.round(this.opts.deadmanLimitS * 1000)} ms)`
      : 'the operator no longer holds control (released or lapsed)';
    this.stops.push({
      cause: holder ? 'deadman' : 'lease',
      atS: this.clock.elapsedS,
      lastHeartbeatS: holder?.lastHeartbeatS ?? NaN,
      what: why,
    });
    if (a.kind === 'axis' && a.mode === 'insert' && a.onDeadman === 'retract') {
      const goal = a.goal;
      this.activity = null;
      goal?.abort(
        insertResult(`${why}; retracting as the goal asked`, {
          final_depth_mm: this.depthMm(),
          ...this.trackingStats(),
        }),
      );
      this.startAxisMove('deadman_retract', null, -this.axis!.standoffMm * 1000, a.speedUmPerS, 'hold');
      this.phase = 'retracting';
      return;
    }
    const holding = a.kind === 'axis';
    this.finishActivity(
      'abort',
      `${why}; ${holding ? `holding at ${this.depthMm().toFixed(3)} mm` : 'stopped'}`,
    );
    this.phase = holding ? 'holding' : 'stopped';
    this.publishSafety(true);
  }

  private emergencyStop(caller: GraphPeer): { success: boolean; message: string } {
    const was = this.estop;
    this.estop = true;
    if (this.activity)
      this.stops.push({
        cause: 'estop',
        atS: this.clock.elapsedS,
        lastHeartbeatS: this.lastHeartbeatS,
        what: `e-stop from ${caller.id}`,
      });
    this.finishActivity('abort', 'e-stop: motion stopped; reset it with /robot/reset_estop');
    this.phase = 'estopped';
    this.publishSafety(true);
    return {
      success: true,
      message: was ? 'e-stop was already latched' : 'e-stop latched: all motion stopped',
    };
  }

  private resetEstop(req: unknown): { success: boolean; reason: string } {
    const problem = this.authority.leaseProblem(stringField(req, 'lease_id'));
    if (problem) return { success: false, reason: `reset refused: ${problem}` };
    if (!this.estop) return { success: true, reason: 'the e-stop was not latched' };
    this.estop = false;
    this.phase = this.axis ? (this.inTissue() ? 'holding' : 'at_pre_entry') : 'stopped';
    this.publishSafety(true);
    return { success: true, reason: 'e-stop reset; motion needs new commands' };
  }

  private releaseControl(req: unknown): { success: boolean; reason: string } {
    const r = this.authority.release(req);
    if (r.success && this.activity) {
      this.stops.push({
        cause: 'lease',
        atS: this.clock.elapsedS,
        lastHeartbeatS: NaN,
        what: 'control released',
      });
      const holding = this.activity.kind === 'axis';
      this.finishActivity('abort', 'control was released; motion stopped');
      this.phase = holding ? 'holding' : 'stopped';
    }
    return r;
  }

  // ---------------------------------------------------------------- plan and registration

  private loadPlan(req: unknown): { accepted: boolean; reason: string; trajectory_ids: string[] } {
    const refuse = (reason: string) => ({ accepted: false, reason, trajectory_ids: [] });
    const problem = this.authority.leaseProblem(stringField(req, 'lease_id'));
    if (problem) return refuse(problem);
    if (this.activity) return refuse('a plan cannot be loaded while the robot moves');
    if (this.inTissue()) return refuse('a plan cannot be loaded with the needle in tissue: retract first');
    const r = req as Record<string, unknown> | null;
    const checked = checkPlanForLoading(r?.plan_json, r?.plan_sha256);
    if (!checked.ok) return refuse(checked.reason);
    this.plan = checked.loaded;
    this.axis = null;
    if (this.phase !== 'estopped') this.phase = 'idle';
    if (this.fiducials) this.registration = this.runRegistration(this.fiducials);
    this.publishSafety(true);
    const ids = [...checked.loaded.trajectories.keys()];
    return {
      accepted: true,
      reason: `plan ${checked.loaded.sha256.slice(0, 12)}… approved by ${checked.loaded.approvedBy} loaded (${ids.length} trajectories)`,
      trajectory_ids: ids,
    };
  }

  private planTargets(): Vec3[] {
    return this.plan ? this.plan.plan.trajectories.map((t) => [...t.targetLps] as Vec3) : [];
  }

  private runRegistration(set: FiducialSet): RegistrationOutcome {
    return registerSet(set, this.planTargets(), {
      maxFreMm: this.opts.maxFreMm,
      maxTreMm: this.opts.maxTreMm,
      fleMm: this.opts.fleMm,
    });
  }

  private registerPatient(req: unknown) {
    const header = this.header('world');
    const problem = this.authority.leaseProblem(stringField(req, 'lease_id'));
    if (problem) return { result: resultMsg(header, { ok: false, reason: problem }) };
    if (this.activity || this.inTissue())
      return {
        result: resultMsg(header, {
          ok: false,
          reason: 'registration is refused while the robot moves or the needle is in tissue',
        }),
      };
    const read = readRegistrationRequest(req);
    if (!read.ok) return { result: resultMsg(header, { ok: false, reason: read.reason }) };
    const outcome = this.runRegistration(read.set);
    this.fiducials = read.set;
    this.registration = outcome;
    this.axis = null;
    this.publishStaticTf();
    this.publishSafety(true);
    return { result: resultMsg(header, outcome) };
  }

  private imageToRobot(): number[] | null {
    return this.registration?.ok ? this.registration.registration.imageToRobot : null;
  }

  // ---------------------------------------------------------------- goal checks

  /** Everything that must hold before any operator motion; reasons joined, or null. */
  private motionProblems(goal: unknown, needPlan: boolean): string | null {
    const fields = commonFields(goal);
    const problems = commandProblems(fields, this.clock.nowS, this.ledger, {
      maxAgeS: this.opts.maxStampAgeS,
      maxFutureS: this.opts.maxStampFutureS,
    });
    const lease = this.authority.leaseProblem(fields.leaseId);
    if (lease) problems.push(lease);
    else if (!this.authority.deadmanOk())
      problems.push(
        `no heartbeat for ${Math.round(this.authority.heartbeatAgeS() * 1000)} ms (deadman limit ${Math.round(this.opts.deadmanLimitS * 1000)} ms)`,
      );
    if (this.estop) problems.push('the e-stop is latched: reset it first');
    if (needPlan) {
      if (!this.plan) problems.push('no approved plan is loaded');
      if (!this.registration) problems.push('the patient is not registered');
      else if (!this.registration.ok) problems.push(this.registration.reason);
    }
    return problems.length ? problems.join('; ') : null;
  }

  /** The goal's trajectory once the motion checks pass; otherwise refuses the goal with `fail`'s result. */
  private motionTrajectory(
    goal: ServerGoal,
    fail: (reason: string) => unknown,
  ): LoadedPlan['plan']['trajectories'][number] | null {
    const problem = this.motionProblems(goal.goal, true);
    const tr = problem ? ({ ok: false, reason: problem } as const) : this.trajectory(goal.goal);
    if (tr.ok) return tr.t;
    this.refuse(goal, fail(tr.reason));
    return null;
  }

  private refuse(goal: ServerGoal, result: unknown): void {
    this.counters.refused++;
    goal.abort(result);
  }

  private trajectory(
    goal: unknown,
  ): { ok: true; t: LoadedPlan['plan']['trajectories'][number] } | { ok: false; reason: string } {
    const id = stringField(goal, 'trajectory_id');
    const t = this.plan?.trajectories.get(id);
    if (!t)
      return {
        ok: false,
        reason: `unknown trajectory ${JSON.stringify(id)} (the loaded plan has ${[...(this.plan?.trajectories.keys() ?? [])].join(', ') || 'none'})`,
      };
    return { ok: true, t };
  }

  // ---------------------------------------------------------------- MoveToPreEntry

  private moveToPreEntry(goal: ServerGoal): void {
    const g = goal.goal;
    const traj = this.motionTrajectory(goal, moveResult);
    if (!traj) return;
    const standoffIn = numberField(g, 'standoff_mm', 0, 50, 'mm');
    if (!standoffIn.ok) return this.refuse(goal, moveResult(standoffIn.reason));
    const standoff = standoffIn.value === 0 ? this.opts.defaultStandoffMm : standoffIn.value;
    if (standoff < 2) return this.refuse(goal, moveResult(`standoff_mm = ${standoff} mm is below 2 mm`));
    if (this.activity) return this.refuse(goal, moveResult('another motion is in progress: cancel it first'));
    if (this.inTissue()) return this.refuse(goal, moveResult('the needle is in tissue: retract first'));
    const m = this.imageToRobot()!;
    const entry = applyMatrix(m, traj.entryLps) as Vec3;
    const target = applyMatrix(m, traj.targetLps) as Vec3;
    const current = Float64Array.from(this.q);
    const ins = this.chain.joints[this.chain.joints.length - 1]!;
    current[current.length - 1] = Math.min(
      ins.limits.upper,
      Math.max(ins.limits.lower, current[current.length - 1]!),
    );
    const plan = planApproach(this.chain, {
      entryRobotMm: entry,
      targetRobotMm: target,
      currentJoints: current,
      standoffMm: standoff,
      rateHz: this.opts.controlRateHz / 4,
    });
    if (!plan.ok) return this.refuse(goal, moveResult(`out of the workspace: ${plan.reason}`));
    const timesS: number[] = [];
    const positions: Float64Array[] = [];
    let offset = 0;
    for (const seg of plan.segments) {
      seg.positions.forEach((p, i) => {
        timesS.push(offset + seg.timesS[i]!);
        positions.push(p);
      });
      offset += seg.durationS;
    }
    if (timesS.length === 0) {
      timesS.push(0);
      positions.push(plan.preEntryJoints);
    }
    const length = traj.lengthMm;
    const dir = [0, 1, 2].map((k) => (target[k]! - entry[k]!) / length);
    const preTip = [0, 1, 2].map((k) => entry[k]! - standoff * dir[k]!);
    this.axis = null;
    this.q[this.q.length - 1] = current[current.length - 1]!;
    this.phase = 'moving_to_pre_entry';
    this.lastFeedbackS = -Infinity;
    this.activity = {
      kind: 'joints',
      source: 'move_to_pre_entry',
      goal,
      timesS,
      positions,
      startS: this.clock.elapsedS,
      cursor: 0,
      done: () => {
        const tip = forwardKinematics(this.chain, this.q).positionMm;
        const err = Math.hypot(tip[0] - preTip[0]!, tip[1] - preTip[1]!, tip[2] - preTip[2]!);
        this.axis = {
          trajectoryId: traj.id,
          servo: new InsertionServo({
            ...this.opts.servo,
            // The profile library's largest acceleration (5 mm/s²; the axis allows 50): starts and stops in ≤ 1 s.
            limits: { accelerationUmPerS2: 5000, ...this.opts.servo.limits },
            axisRangeMm: [-standoff - 1, ins.limits.upper - ins.limits.lower - standoff],
            axisMaxVelocityMmPerS: ins.limits.velocity,
            compensationRampUm: 1000,
            initialTipUm: -standoff * 1000,
          }),
          standoffMm: standoff,
          retractedMm: ins.limits.lower,
          lengthMm: length,
          positionErrorMm: err,
        };
        this.phase = 'at_pre_entry';
        this.counters.executed++;
        goal.succeed({
          success: true,
          reason: `at the pre-entry pose of ${traj.id}, ${standoff} mm outside the entry`,
          position_error_mm: err,
        });
      },
    };
    goal.onCancel(() => {
      if (this.activity?.goal !== goal) return;
      this.finishActivity('cancel', 'canceled: the arm stopped where it was');
      this.phase = 'stopped';
    });
  }

  // ---------------------------------------------------------------- Insert and Retract

  private startAxisMove(
    mode: Extract<Activity, { kind: 'axis' }>['mode'],
    goal: ServerGoal | null,
    targetUm: number,
    speedUmPerS: number,
    onDeadman: 'hold' | 'retract',
  ): void {
    const servo = this.axis!.servo;
    servo.resetStats();
    servo.moveTo(targetUm, speedUmPerS);
    this.lastFeedbackS = -Infinity;
    this.activity = {
      kind: 'axis',
      mode,
      goal,
      targetDepthUm: targetUm,
      speedUmPerS,
      onDeadman,
      settleUntilS: null,
    };
  }

  private insert(goal: ServerGoal): void {
    const g = goal.goal;
    const traj = this.motionTrajectory(goal, insertResult);
    if (!traj) return;
    const policy = stringField(g, 'on_deadman');
    if (policy !== 'hold' && policy !== 'retract')
      return this.refuse(
        goal,
        insertResult(`on_deadman must be 'hold' or 'retract' (got ${JSON.stringify(policy)})`),
      );
    const depthIn = numberField(g, 'depth_mm', -Infinity, Infinity, 'mm');
    if (!depthIn.ok) return this.refuse(goal, insertResult(depthIn.reason));
    const speed = numberField(g, 'speed_mm_per_s', Number.MIN_VALUE, this.opts.maxInsertSpeedMmPerS, 'mm/s');
    if (!speed.ok) return this.refuse(goal, insertResult(speed.reason));
    const length = traj.lengthMm;
    if (depthIn.value < 0 || depthIn.value > length)
      return this.refuse(
        goal,
        insertResult(
          `out of the workspace: depth_mm = ${depthIn.value} mm is outside the planned trajectory [0, ${length.toFixed(3)}] mm`,
        ),
      );
    if (!this.axis || this.axis.trajectoryId !== traj.id)
      return this.refuse(
        goal,
        insertResult(`the robot is not at the pre-entry pose of ${traj.id}: move there first`),
      );
    if (this.activity)
      return this.refuse(goal, insertResult('another motion is in progress: cancel it first'));
    this.startAxisMove('insert', goal, depthIn.value * 1000, speed.value * 1000, policy);
    this.phase = 'inserting';
    goal.onCancel(() => {
      if (this.activity?.goal !== goal) return;
      this.finishActivity('cancel', `paused: holding at ${this.depthMm().toFixed(3)} mm`);
      this.phase = 'holding';
    });
  }

  private retract(goal: ServerGoal): void {
    const g = goal.goal;
    const problem = this.motionProblems(g, false);
    if (problem) return this.refuse(goal, retractResult(problem));
    const speed = numberField(g, 'speed_mm_per_s', Number.MIN_VALUE, this.opts.maxInsertSpeedMmPerS, 'mm/s');
    if (!speed.ok) return this.refuse(goal, retractResult(speed.reason));
    if (this.activity?.kind === 'joints')
      return this.refuse(goal, retractResult('the arm is moving: cancel it first'));
    if (!this.axis) {
      this.counters.executed++;
      return goal.succeed(
        retractResult('the needle is not on a trajectory: nothing to retract', { success: true }),
      );
    }
    if (this.activity) this.finishActivity('abort', 'preempted by a retract command');
    this.startAxisMove('retract', goal, -this.axis.standoffMm * 1000, speed.value * 1000, 'hold');
    this.phase = 'retracting';
    goal.onCancel(() => {
      if (this.activity?.goal !== goal) return;
      this.finishActivity('cancel', `retraction canceled: holding at ${this.depthMm().toFixed(3)} mm`);
      this.phase = 'holding';
    });
  }

  // ---------------------------------------------------------------- FollowJointTrajectory (internal)

  private followJointTrajectory(goal: ServerGoal): void {
    const refuse = (code: number, why: string) => this.refuse(goal, fjtResult(code, why));
    if (goal.caller.viaBridge)
      return refuse(-1, 'the joint trajectory controller takes goals from inside the robot only');
    if (this.estop) return refuse(-1, 'the e-stop is latched');
    if (!this.authority.holder || !this.authority.deadmanOk())
      return refuse(-1, 'motion needs an operator holding control with a live heartbeat');
    if (this.activity) return refuse(-1, 'another motion is in progress');
    if (this.inTissue()) return refuse(-1, 'the needle is in tissue: retract first');
    const traj = (goal.goal as { trajectory?: unknown } | null)?.trajectory as
      Record<string, unknown> | undefined;
    const names = traj?.joint_names;
    const points = traj?.points;
    const n = this.chain.joints.length;
    if (!Array.isArray(names) || !Array.isArray(points) || points.length === 0)
      return refuse(-1, 'trajectory.joint_names and a non-empty trajectory.points are required');
    const index = this.chain.joints.map((j) => names.indexOf(j.name));
    if (names.length !== n || index.some((i) => i < 0) || new Set(names).size !== n)
      return refuse(
        -2,
        `joint_names must name each of ${this.chain.joints.map((j) => j.name).join(', ')} once`,
      );
    const timesS: number[] = [0];
    const positions: Float64Array[] = [Float64Array.from(this.q)];
    for (const [k, p] of points.entries()) {
      const pt = p as Record<string, unknown> | null;
      const t = fromRosTime(pt?.time_from_start);
      const pos = pt?.positions;
      if (t === null) return refuse(-1, `points[${k}].time_from_start is not a valid duration`);
      if (!Array.isArray(pos) || pos.length !== n)
        return refuse(-1, `points[${k}].positions needs ${n} values`);
      const q = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const v = pos[index[j]!];
        if (typeof v !== 'number' || !Number.isFinite(v))
          return refuse(-1, `points[${k}].positions: ${this.chain.joints[j]!.name} is not a finite number`);
        q[j] = this.chain.joints[j]!.type === 'prismatic' ? v * 1000 : v;
      }
      const bad = jointCommandProblem(this.chain, q);
      if (bad) return refuse(-1, `points[${k}]: ${bad}`);
      const prevT = timesS[timesS.length - 1]!;
      if (k === 0 && t === 0) {
        const far = q.some((v, j) => Math.abs(v - this.q[j]!) > 1e-6);
        if (far) return refuse(-1, 'points[0] at time 0 must be the current position');
        continue;
      }
      if (!(t > prevT)) return refuse(-1, `points[${k}].time_from_start is not after the previous point`);
      const prev = positions[positions.length - 1]!;
      for (let j = 0; j < n; j++) {
        const v = Math.abs(q[j]! - prev[j]!) / (t - prevT);
        const lim = this.chain.joints[j]!.limits.velocity;
        if (v > lim * (1 + 1e-9))
          return refuse(
            -1,
            `points[${k}]: joint ${this.chain.joints[j]!.name} would move at ${v.toFixed(4)} (limit ${lim})`,
          );
      }
      timesS.push(t);
      positions.push(q);
    }
    this.axis = null;
    this.phase = 'stopped';
    this.activity = {
      kind: 'joints',
      source: 'follow_joint_trajectory',
      goal,
      timesS,
      positions,
      startS: this.clock.elapsedS,
      cursor: 0,
      done: () => {
        this.phase = 'idle';
        this.counters.executed++;
        goal.succeed(fjtResult(0, ''));
      },
    };
    goal.onCancel(() => {
      if (this.activity?.goal !== goal) return;
      this.finishActivity('cancel', 'canceled');
      this.phase = 'stopped';
    });
  }

  // ---------------------------------------------------------------- publishing

  private header(frame: string): Header {
    return { stamp: this.clock.now(), frame_id: frame };
  }

  private publishStaticTf(): void {
    const h = this.header('world');
    const transforms = [
      {
        header: h,
        child_frame_id: 'base_link',
        transform: { translation: { x: 0, y: 0, z: 0 }, rotation: { x: 0, y: 0, z: 0, w: 1 } },
      },
      ...this.tf.staticTransforms(h.stamp),
    ];
    const m = this.imageToRobot();
    if (m) transforms.push({ header: h, child_frame_id: 'patient_lps', transform: transformMsg(m) });
    this.pubs.tfStatic.publish({ transforms });
  }

  private publishState(force: boolean): void {
    const k = this.ticks;
    const every = (hz: number) => force || k % Math.max(1, Math.round(this.opts.controlRateHz / hz)) === 0;
    if (every(250)) this.publishJoints();
    if (every(100)) {
      this.publishInsertion();
      this.publishTip();
      this.publishSafety(false);
    }
    if (every(10)) this.publishSafety(true);
    if (every(1) && !force) this.publishDiagnostics();
  }

  private jointValuesSi(): number[] {
    return this.chain.joints.map((j, i) => (j.type === 'prismatic' ? this.q[i]! / 1000 : this.q[i]!));
  }

  private publishJoints(): void {
    const stamp = this.clock.now();
    const dt = 4 * this.periodS;
    const pos = this.jointValuesSi();
    const vel = this.chain.joints.map((j, i) => {
      const d = (this.q[i]! - this.qPublished[i]!) / dt;
      return j.type === 'prismatic' ? d / 1000 : d;
    });
    this.qPublished.set(this.q);
    const force = this.axis?.servo.snapshot().forceN ?? 0;
    this.pubs.jointStates.publish({
      header: { stamp, frame_id: '' },
      name: this.chain.joints.map((j) => j.name),
      position: pos,
      velocity: vel,
      effort: this.chain.joints.map((j) => (j.type === 'prismatic' ? force : 0)),
    });
    const values = new Map(this.chain.joints.map((j, i) => [j.name, pos[i]!]));
    this.pubs.tf.publish({ transforms: this.tf.dynamicTransforms(stamp, values) });
  }

  private publishInsertion(): void {
    const s = this.axis?.servo.snapshot();
    const a = this.activity;
    const msg: InsertionStatus = {
      header: this.header('world'),
      phase: this.phase,
      trajectory_id: this.axis?.trajectoryId ?? '',
      depth_mm: s ? (s.tipUm - s.tissueUm) / 1000 : 0,
      target_depth_mm: a?.kind === 'axis' ? a.targetDepthUm / 1000 : s ? s.depthRefUm / 1000 : 0,
      velocity_mm_per_s: s ? s.depthRateUmPerS / 1000 : 0,
      tracking_error_um: s?.errorUm ?? 0,
      tissue_displacement_um: s?.tissueUm ?? 0,
      force_n: s?.forceN ?? 0,
    };
    this.pubs.insertion.publish(msg);
  }

  private publishTip(): void {
    const pose = forwardKinematics(this.chain, this.q);
    const m = this.registration?.ok ? this.registration.registration.robotToImage : null;
    let p = pose.positionMm as number[];
    let r = Array.from(pose.rotation);
    if (m) {
      p = applyMatrix(m, pose.positionMm);
      const R = [m[0]!, m[1]!, m[2]!, m[4]!, m[5]!, m[6]!, m[8]!, m[9]!, m[10]!];
      r = [0, 1, 2].flatMap((i) =>
        [0, 1, 2].map((j) => R[3 * i]! * r[j]! + R[3 * i + 1]! * r[3 + j]! + R[3 * i + 2]! * r[6 + j]!),
      );
    }
    const q = quaternionFromRotation(r);
    this.pubs.tip.publish({
      header: this.header(m ? 'patient_lps' : 'world'),
      pose: {
        position: { x: p[0]! / 1000, y: p[1]! / 1000, z: p[2]! / 1000 },
        orientation: { x: q[0], y: q[1], z: q[2], w: q[3] },
      },
    });
  }

  /** Why motion is not enabled now (sentences; empty when it is). */
  blockingReasons(): string[] {
    const out: string[] = [];
    if (this.estop) out.push('The e-stop is latched.');
    const h = this.authority.holder;
    if (!h) out.push('No operator holds control.');
    else if (!this.authority.deadmanOk())
      out.push(
        h.heartbeatSeen
          ? `No heartbeat for ${Math.round(this.authority.heartbeatAgeS() * 1000)} ms.`
          : 'Waiting for the first heartbeat.',
      );
    if (!this.plan) out.push('No approved plan is loaded.');
    if (!this.registration) out.push('The patient is not registered.');
    else if (!this.registration.ok) out.push(`Registration refused: ${this.registration.reason}.`);
    return out;
  }

  private publishSafety(force: boolean): void {
    if (!this.pubs) return;
    const h = this.authority.holder;
    const blocking = this.blockingReasons();
    const body = {
      estop_latched: this.estop,
      deadman_ok: this.authority.deadmanOk(),
      motion_enabled: blocking.length === 0,
      controller: h?.operator ?? '',
      lease_id_hash: h?.leaseIdHash ?? '',
      plan_approved: this.plan !== null,
      registration_ok: this.registration?.ok === true,
      blocking_reasons: blocking,
    };
    const key = JSON.stringify({ ...body, blocking_reasons: blocking.map((b) => b.replace(/\d+ ms/, '')) });
    if (!force && key === this.lastSafetyKey) return;
    this.lastSafetyKey = key;
    const msg: SafetyState = { header: this.header('world'), ...body };
    this.pubs.safety.publish(msg);
  }

  private publishDiagnostics(): void {
    const w = this.diagWindow;
    const nowWall = performance.now();
    const simS = this.clock.elapsedS - w.simS;
    const rtf = this.realTimer && nowWall > w.wallMs ? simS / ((nowWall - w.wallMs) / 1000) : NaN;
    const rms = w.errN ? Math.sqrt(w.errSq / w.errN) : 0;
    const servoHz = simS > 0 ? w.servoSteps / simS : 0;
    const blocking = this.blockingReasons();
    const kv = (key: string, value: string | number | boolean) => ({ key, value: String(value) });
    const level = this.estop ? 2 : blocking.length ? 1 : 0;
    this.pubs.diagnostics.publish({
      header: this.header(''),
      status: [
        {
          level: rms > 50 ? 1 : 0,
          name: 'neuroplan_robot: insertion servo',
          message: this.axis
            ? `servo running at ${Math.round(servoHz)} Hz`
            : 'servo idle (no trajectory engaged)',
          hardware_id: 'neuroplan_robot',
          values: [
            kv('servo_rate_hz', Math.round(servoHz)),
            kv('servo_configured_rate_hz', this.axis?.servo.rateHz ?? 0),
            kv('control_rate_hz', this.opts.controlRateHz),
            kv('real_time_factor', Number.isFinite(rtf) ? rtf.toFixed(3) : 'n/a (stepped)'),
            kv('tracking_error_rms_um', rms.toFixed(3)),
            kv('tracking_error_max_um', w.errMax.toFixed(3)),
            kv('servo_steps_total', this.servoStepsTotal),
          ],
        },
        {
          level,
          name: 'neuroplan_robot: safety',
          message: blocking.length ? blocking.join(' ') : 'motion enabled',
          hardware_id: 'neuroplan_robot',
          values: [
            kv('estop_latched', this.estop),
            kv('deadman_ok', this.authority.deadmanOk()),
            kv(
              'heartbeat_age_ms',
              Number.isFinite(this.authority.heartbeatAgeS())
                ? Math.round(this.authority.heartbeatAgeS() * 1000)
                : 'none',
            ),
            kv('deadman_limit_ms', Math.round(this.opts.deadmanLimitS * 1000)),
            kv('controller', this.authority.holder?.operator ?? ''),
            kv('goals', this.counters.goals),
            kv('goals_refused', this.counters.refused),
            kv('phase', this.phase),
          ],
        },
      ],
    });
    this.diagWindow = {
      wallMs: nowWall,
      simS: this.clock.elapsedS,
      servoSteps: 0,
      errSq: 0,
      errMax: 0,
      errN: 0,
    };
  }
}
