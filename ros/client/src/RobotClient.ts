/**
 * A typed client of the NeuroPlan robot over rosbridge (roslib 2.x), for the browser and Node.
 *
 * What roslib leaves to the application, done here:
 *  - Reconnection: roslib's `Ros` never reconnects. This client keeps ONE `Ros` (so roslib's `Topic`s,
 *    created with `reconnect_on_close`, re-send their subscribe/advertise ops on the next connection) and
 *    calls `ros.connect(url)` again after exponential backoff with full jitter. State machine:
 *    disconnected → connecting → connected ⇄ reconnecting (→ disconnected on `disconnect()`).
 *  - Never a late command: roslib's `callOnConnection` queues ops made while offline and flushes them on
 *    reconnect. Every op this client sends itself (service calls, goals, cancels, heartbeats) is sent only
 *    when `ros.isConnected` is true at that moment, else the call fails at once with NotConnectedError.
 *    Heartbeats are skipped (never queued) while offline.
 *  - Lost answers: service calls and goals in flight when the connection drops fail with RequestLostError /
 *    GoalLostError instead of hanging (roslib would keep their listeners forever).
 *  - Structured goal results: roslib's `Action.sendGoal` reports failures as strings; this client reads the
 *    rosbridge `action_result` (status code and values) itself through `ros.on(id)`.
 *
 * E-stop: `estop()` calls the std_srvs/Trigger service `/robot/estop` at once and, while connected, tries
 * again (up to `estopAttempts`, each with a short time limit) until the robot answers `success`; repeats are
 * harmless (the stop latches). While disconnected it is NOT queued (it fails with NotConnectedError): the
 * robot is already holding then, because heartbeats stopped (deadman), and an e-stop flushed minutes later
 * by a reconnect would be a surprise; the operator sees the robot's latched state once reconnected.
 */
import * as ROSLIB from './roslib.ts';
import { backoffDelayMs, resolveBackoff, type BackoffOptions, type ResolvedBackoff } from './backoff.ts';
import {
  GoalLostError,
  NoLeaseError,
  NotConnectedError,
  RefusedError,
  RequestLostError,
  ServiceFailedError,
} from './errors.ts';
import { LatencyWindow, type LatencyStats } from './latency.ts';
import {
  GOAL_STATUS,
  HEARTBEAT_TOPIC,
  ROBOT_ACTIONS,
  ROBOT_SERVICES,
  ROBOT_TOPICS,
  type ClaimControlRequest,
  type ClaimControlResponse,
  type Heartbeat,
  type InsertFeedback,
  type InsertGoal,
  type InsertResult,
  type LoadPlanResponse,
  type MoveToPreEntryFeedback,
  type MoveToPreEntryGoal,
  type MoveToPreEntryResult,
  type OnDeadman,
  type Point,
  type RegistrationResult,
  type RegisterPatientResponse,
  type RetractFeedback,
  type RetractGoal,
  type RetractResult,
  type RobotTopic,
  type RobotTopicMessages,
  type SafetyState,
  type SuccessResponse,
  type Time,
  type TriggerResponse,
} from './messages.ts';

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

/** A service used to measure round trips: cheap and free of side effects. */
export interface LatencyProbe {
  name: string;
  request: unknown;
}

export interface RobotClientOptions {
  /** roslib transport factory (default: the browser's WebSocket, or `ws` in Node 20). */
  transportFactory?: ROSLIB.TransportFactory;
  backoff?: BackoffOptions;
  /** A connection attempt that has not opened after this long is abandoned (default 3000 ms). */
  connectTimeoutMs?: number;
  /** Heartbeat period while holding control (default 50 ms = 20 Hz, as the robot expects). */
  heartbeatPeriodMs?: number;
  /** Time limit of a service call (default 5000 ms). */
  serviceTimeoutMs?: number;
  /** Round-trip probe period (default 1000 ms; 0 = off). */
  latencyPeriodMs?: number;
  /** The round-trip probe (default DEFAULT_LATENCY_PROBE). */
  latencyProbe?: LatencyProbe;
  /** E-stop tries while connected until the robot confirms (default 3). */
  estopAttempts?: number;
  /** Time limit of each e-stop try (default 500 ms). */
  estopTimeoutMs?: number;
  /** [0, 1) random numbers for the backoff jitter (default Math.random). */
  random?: () => number;
  /** Wall clock for command and heartbeat stamps, ms since 1970 (default Date.now). */
  clockMs?: () => number;
}

/**
 * rosapi's `get_time`: a real rosbridge answers it without touching the robot; the NeuroPlan simulator's
 * bridge has no rosapi and answers at once that the service does not exist. Either answer is a full
 * round trip through the socket and the bridge (a refusal counts as a sample; only silence is 'lost'),
 * so the numbers are the link's latency without the robot node's own work and without any side effect.
 */
export const DEFAULT_LATENCY_PROBE: LatencyProbe = { name: '/rosapi/get_time', request: {} };

/** Control of the robot, granted by /robot/claim_control. */
export interface Lease {
  leaseId: string;
  operator: string;
  /** The lease ends this long after the last heartbeat, seconds. */
  durationS: number;
  /** The robot holds when no heartbeat arrives for this long, seconds. */
  heartbeatLimitS: number;
  /** SHA-256 (hex) of the lease id; /robot/safety_state shows it or a prefix of it (≥ 16 digits). */
  leaseIdHash: string;
}

export interface HeartbeatStats {
  /** Heartbeats sent for the current lease. */
  sent: number;
  /** Ticks skipped because the connection was down (never queued). */
  skippedOffline: number;
  /** Last seq sent. */
  seq: number;
}

export type GoalStatusName = 'succeeded' | 'canceled' | 'aborted';

/** How a goal ended, as the robot said. */
export interface GoalOutcome<R> {
  status: GoalStatusName;
  /** The action's result (null when the bridge gave only an error text). */
  result: R | null;
  /** The robot's reason ("" on success). */
  reason: string;
}

/** A goal that was sent. */
export interface GoalHandle<R, F> {
  readonly action: string;
  readonly commandId: string;
  /** Resolves with the outcome; rejects with GoalLostError when the connection drops first. */
  readonly result: Promise<GoalOutcome<R>>;
  /** True once the result came or the goal was lost. */
  readonly done: boolean;
  onFeedback(cb: (feedback: F) => void): () => void;
  /** Asks the robot to cancel (not queued: throws NotConnectedError when offline). */
  cancel(): void;
}

export interface RobotClientEvents {
  state: (state: ConnectionState) => void;
  /** The lease was granted (lease) or ended (null, with the reason in words). */
  lease: (lease: Lease | null, reason: string) => void;
  latency: (stats: LatencyStats) => void;
}

type Listener<K extends keyof RobotClientEvents> = RobotClientEvents[K];

interface Pending {
  fail(error: Error): void;
}

/** builtin_interfaces/Time of a wall-clock time in ms. */
export function timeFromMs(ms: number): Time {
  const sec = Math.floor(ms / 1000);
  return { sec, nanosec: Math.min(999_999_999, Math.round((ms - sec * 1000) * 1e6)) };
}

/** Lower-case hex SHA-256 of a string (WebCrypto: browsers in secure contexts, Node ≥ 20). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const toPointM = (p: readonly number[]): Point => ({ x: p[0]! / 1000, y: p[1]! / 1000, z: p[2]! / 1000 });

export class RobotClient {
  private readonly ros: ROSLIB.Ros;
  private readonly backoff: ResolvedBackoff;
  private readonly opts: Required<Omit<RobotClientOptions, 'transportFactory' | 'backoff'>>;
  private url: string | null = null;
  private stateValue: ConnectionState = 'disconnected';
  private everConnected = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private latencyTimer: ReturnType<typeof setInterval> | null = null;
  private readonly listeners: { [K in keyof RobotClientEvents]: Set<Listener<K>> } = {
    state: new Set(),
    lease: new Set(),
    latency: new Set(),
  };
  private readonly pending = new Set<Pending>();
  private readonly topics = new Map<RobotTopic, ROSLIB.Topic<unknown>>();
  private readonly lastMessages = new Map<RobotTopic, { msg: unknown; atMs: number }>();
  private readonly heartbeatTopic: ROSLIB.Topic<Heartbeat>;
  private leaseValue: Lease | null = null;
  private heartbeat: HeartbeatStats = { sent: 0, skippedOffline: 0, seq: 0 };
  private lastHeartbeatSentMs = 0;
  private leaseMismatchSinceMs: number | null = null;
  private readonly latencyWindow = new LatencyWindow(100);
  private idCounter = 0;
  private readonly activeGoals = new Map<string, GoalHandle<unknown, unknown>>();
  private firstConnection: { resolve(): void; reject(e: Error): void } | null = null;

  constructor(options: RobotClientOptions = {}) {
    this.backoff = resolveBackoff(options.backoff);
    this.opts = {
      connectTimeoutMs: options.connectTimeoutMs ?? 3000,
      heartbeatPeriodMs: options.heartbeatPeriodMs ?? 50,
      serviceTimeoutMs: options.serviceTimeoutMs ?? 5000,
      latencyPeriodMs: options.latencyPeriodMs ?? 1000,
      latencyProbe: options.latencyProbe ?? DEFAULT_LATENCY_PROBE,
      estopAttempts: options.estopAttempts ?? 3,
      estopTimeoutMs: options.estopTimeoutMs ?? 500,
      random: options.random ?? Math.random,
      clockMs: options.clockMs ?? Date.now,
    };
    for (const k of ['connectTimeoutMs', 'heartbeatPeriodMs', 'serviceTimeoutMs', 'estopTimeoutMs'] as const)
      if (!(this.opts[k] > 0)) throw new Error(`robot client: ${k} must be > 0, got ${this.opts[k]}`);
    if (!(this.opts.estopAttempts >= 1))
      throw new Error(`robot client: estopAttempts must be ≥ 1, got ${this.opts.estopAttempts}`);
    this.ros = new ROSLIB.Ros(options.transportFactory ? { transportFactory: options.transportFactory } : {});
    this.ros.on('connection', () => this.onOpen());
    this.ros.on('close', () => this.onClose());
    // Errors are followed by 'close'; an unhandled 'error' must not throw.
    this.ros.on('error', () => undefined);
    this.heartbeatTopic = new ROSLIB.Topic<Heartbeat>({
      ros: this.ros,
      name: HEARTBEAT_TOPIC.name,
      messageType: HEARTBEAT_TOPIC.type,
      queue_size: 1,
    });
    // The safety state tells whether the lease still holds (another controller, expiry).
    this.subscribe('safetyState', (s) => this.checkLease(s));
  }

  // ----------------------------------------------------------------------------------------------
  // Events and state

  get state(): ConnectionState {
    return this.stateValue;
  }
  /** True when an op sent now goes out now. */
  get isConnected(): boolean {
    return this.ros.isConnected;
  }
  get lease(): Lease | null {
    return this.leaseValue;
  }
  get heartbeatStats(): HeartbeatStats {
    return { ...this.heartbeat };
  }
  get latency(): LatencyStats {
    return this.latencyWindow.stats();
  }

  on<K extends keyof RobotClientEvents>(event: K, cb: Listener<K>): () => void {
    (this.listeners[event] as Set<Listener<K>>).add(cb);
    return () => (this.listeners[event] as Set<Listener<K>>).delete(cb);
  }

  private emit<K extends keyof RobotClientEvents>(event: K, ...args: Parameters<Listener<K>>): void {
    for (const cb of [...this.listeners[event]])
      try {
        (cb as (...a: Parameters<Listener<K>>) => void)(...args);
      } catch (e) {
        console.error(`robot client: a '${event}' listener threw: ${(e as Error).message}`);
      }
  }

  private setState(s: ConnectionState): void {
    if (s === this.stateValue) return;
    this.stateValue = s;
    this.emit('state', s);
  }

  /** Resolves once the state is `s` (or at once when it is). */
  waitForState(s: ConnectionState, timeoutMs = 10_000): Promise<void> {
    if (this.stateValue === s) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`robot client: still ${this.stateValue} after ${timeoutMs} ms (waited for ${s})`));
      }, timeoutMs);
      const off = this.on('state', (now) => {
        if (now !== s) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  // ----------------------------------------------------------------------------------------------
  // Connection

  /**
   * Connects to a rosbridge URL (e.g. ws://127.0.0.1:9090) and stays connected: after a drop it tries
   * again with backoff until `disconnect()`. Resolves on the first connection (attempts go on meanwhile);
   * rejects only when `disconnect()` is called first.
   */
  connect(url: string): Promise<void> {
    if (!/^wss?:\/\//.test(url))
      throw new Error(`robot client: ${JSON.stringify(url)} is not a ws:// or wss:// URL`);
    if (this.url !== null && this.url !== url)
      throw new Error(`robot client: already using ${this.url}; disconnect() first`);
    if (this.stateValue === 'connected') return Promise.resolve();
    const first = new Promise<void>((resolve, reject) => {
      this.firstConnection = { resolve, reject };
    });
    if (this.url === null) {
      this.url = url;
      this.everConnected = false;
      this.attempt = 0;
      this.setState('connecting');
      void this.tryConnect();
    }
    return first;
  }

  /** Closes the connection and stops reconnecting; the lease is forgotten (the robot's deadman holds). */
  disconnect(): void {
    const wasActive = this.url !== null;
    this.url = null;
    this.clearTimer('retryTimer');
    this.clearTimer('connectTimer');
    this.stopLatency();
    this.dropLease('disconnected by the operator');
    this.ros.close();
    this.failPending('the client disconnected');
    this.setState('disconnected');
    if (wasActive) {
      this.firstConnection?.reject(new Error('robot client: disconnected before the first connection'));
      this.firstConnection = null;
    }
  }

  private clearTimer(which: 'retryTimer' | 'connectTimer'): void {
    const t = this[which];
    if (t !== null) clearTimeout(t);
    this[which] = null;
  }

  private async tryConnect(): Promise<void> {
    const url = this.url;
    if (url === null) return;
    try {
      await this.ros.connect(url);
    } catch {
      // The transport could not even be created (bad URL, no WebSocket): try again later.
      this.scheduleRetry();
      return;
    }
    if (this.url !== url) return;
    if (this.ros.isConnected) return;
    this.clearTimer('connectTimer');
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      // Still not open: abandon this attempt; its 'close' schedules the next one.
      if (!this.ros.isConnected) this.ros.close();
    }, this.opts.connectTimeoutMs);
  }

  private scheduleRetry(): void {
    if (this.url === null || this.retryTimer !== null) return;
    const delay = backoffDelayMs(this.backoff, this.attempt++, this.opts.random);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.tryConnect();
    }, delay);
  }

  private onOpen(): void {
    this.clearTimer('connectTimer');
    if (this.url === null) {
      this.ros.close();
      return;
    }
    this.attempt = 0;
    this.everConnected = true;
    this.leaseMismatchSinceMs = null;
    this.setState('connected');
    this.firstConnection?.resolve();
    this.firstConnection = null;
    this.startLatency();
  }

  private onClose(): void {
    this.clearTimer('connectTimer');
    this.stopLatency();
    this.failPending('the connection to the robot dropped');
    if (this.url === null) {
      this.setState('disconnected');
      return;
    }
    this.setState(this.everConnected ? 'reconnecting' : 'connecting');
    this.scheduleRetry();
  }

  private failPending(why: string): void {
    for (const p of [...this.pending]) p.fail(new Error(why));
    this.pending.clear();
  }

  // ----------------------------------------------------------------------------------------------
  // Topics

  /**
   * Subscribes to one of the robot's topics; returns the unsubscribe function. The subscription outlives
   * reconnections (roslib re-sends it on each new connection). `throttleMs` asks the bridge to send at
   * most one message per that many milliseconds (rosbridge's throttle_rate; shared per topic).
   */
  subscribe<K extends RobotTopic>(
    key: K,
    cb: (msg: RobotTopicMessages[K]) => void,
    options: { throttleMs?: number } = {},
  ): () => void {
    let topic = this.topics.get(key);
    if (!topic) {
      const spec = ROBOT_TOPICS[key];
      topic = new ROSLIB.Topic<unknown>({
        ros: this.ros,
        name: spec.name,
        messageType: spec.type,
        throttle_rate: options.throttleMs ?? 0,
        queue_length: 1,
        reconnect_on_close: true,
      });
      topic.subscribe((msg) => this.lastMessages.set(key, { msg, atMs: Date.now() }));
      this.topics.set(key, topic);
    }
    const listener = (msg: unknown): void => cb(msg as RobotTopicMessages[K]);
    topic.subscribe(listener);
    return () => topic.unsubscribe(listener);
  }

  /** The last message of a topic this client subscribes to, with when it came (Date.now ms). */
  last<K extends RobotTopic>(key: K): { msg: RobotTopicMessages[K]; atMs: number } | null {
    const m = this.lastMessages.get(key);
    return m ? { msg: m.msg as RobotTopicMessages[K], atMs: m.atMs } : null;
  }

  // ----------------------------------------------------------------------------------------------
  // Services

  private nextId(kind: string, name: string): string {
    return `${kind}:${name}:${++this.idCounter}:${Math.floor(this.opts.random() * 1e9).toString(36)}`;
  }

  /** Calls a service now (never queued); rejects at once when offline. */
  callService<Res>(name: string, args: unknown, timeoutMs = this.opts.serviceTimeoutMs): Promise<Res> {
    if (!this.ros.isConnected) return Promise.reject(new NotConnectedError(name));
    const id = this.nextId('call_service', name);
    return new Promise<Res>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | null = null;
      const cleanup = (): void => {
        this.ros.off(id, handler);
        if (timer !== null) clearTimeout(timer);
        this.pending.delete(pending);
      };
      const pending: Pending = {
        fail: (e) => {
          cleanup();
          reject(new RequestLostError(name, e.message));
        },
      };
      const handler = (msg: ROSLIB.RosbridgeMessage): void => {
        if (!ROSLIB.isServiceResponse(msg)) return;
        cleanup();
        if (msg.result) resolve(msg.values as Res);
        else reject(new ServiceFailedError(name, String(msg.values ?? '')));
      };
      this.ros.on(id, handler);
      this.pending.add(pending);
      timer = setTimeout(() => {
        cleanup();
        reject(new RequestLostError(name, `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.ros.callOnConnection({ op: 'call_service', id, service: name, args });
    });
  }

  // ----------------------------------------------------------------------------------------------
  // Latency

  private startLatency(): void {
    this.stopLatency();
    this.latencyWindow.reset();
    if (this.opts.latencyPeriodMs <= 0) return;
    const probe = (): void => {
      if (!this.ros.isConnected) return;
      const t0 = performance.now();
      this.callService(this.opts.latencyProbe.name, this.opts.latencyProbe.request, 2000).then(
        () => {
          this.latencyWindow.add(performance.now() - t0);
          this.emit('latency', this.latencyWindow.stats());
        },
        (e: unknown) => {
          // A refusal is an answer too: the round trip still measured the link.
          if (e instanceof ServiceFailedError) {
            this.latencyWindow.add(performance.now() - t0);
            this.emit('latency', this.latencyWindow.stats());
          } else if (e instanceof RequestLostError) this.latencyWindow.addLost();
        },
      );
    };
    probe();
    this.latencyTimer = setInterval(probe, this.opts.latencyPeriodMs);
  }

  private stopLatency(): void {
    if (this.latencyTimer !== null) clearInterval(this.latencyTimer);
    this.latencyTimer = null;
  }

  /** Measures one round trip now (ms), besides the periodic probe. */
  async ping(): Promise<number> {
    const t0 = performance.now();
    try {
      await this.callService(this.opts.latencyProbe.name, this.opts.latencyProbe.request, 2000);
    } catch (e) {
      if (!(e instanceof ServiceFailedError)) throw e;
    }
    const ms = performance.now() - t0;
    this.latencyWindow.add(ms);
    return ms;
  }

  // ----------------------------------------------------------------------------------------------
  // Control lease and heartbeat

  /** Claims control; on success the heartbeat starts (20 Hz) and the lease is returned. */
  async claimControl(operator: string, credential: string): Promise<Lease> {
    const request: ClaimControlRequest = { operator, credential, observer_only: false };
    const r = await this.callService<ClaimControlResponse>(ROBOT_SERVICES.claimControl.name, request);
    if (!r.granted || !r.lease_id) throw new RefusedError('claim control', r.reason);
    const lease: Lease = {
      leaseId: r.lease_id,
      operator,
      durationS: r.lease_duration_s,
      heartbeatLimitS: r.heartbeat_limit_s,
      leaseIdHash: await sha256Hex(r.lease_id),
    };
    this.stopHeartbeat();
    this.leaseValue = lease;
    this.heartbeat = { sent: 0, skippedOffline: 0, seq: 0 };
    this.leaseMismatchSinceMs = null;
    this.lastHeartbeatSentMs = Date.now();
    this.startHeartbeat();
    this.emit('lease', lease, 'granted');
    return lease;
  }

  /** Joins as an observer (no lease; motion stays refused). */
  async observe(operator: string, credential: string): Promise<void> {
    const request: ClaimControlRequest = { operator, credential, observer_only: true };
    const r = await this.callService<ClaimControlResponse>(ROBOT_SERVICES.claimControl.name, request);
    if (!r.granted) throw new RefusedError('observe', r.reason);
  }

  /** Gives control back: the heartbeat stops first (the robot holds), then the robot is told. */
  async releaseControl(): Promise<void> {
    const lease = this.requireLease('release control');
    this.dropLease('released by the operator');
    const r = await this.callService<SuccessResponse>(ROBOT_SERVICES.releaseControl.name, {
      lease_id: lease.leaseId,
    });
    if (!r.success) throw new RefusedError('release control', r.reason);
  }

  private startHeartbeat(): void {
    this.heartbeatTimer = setInterval(() => this.beat(), this.opts.heartbeatPeriodMs);
    this.beat();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private beat(): void {
    const lease = this.leaseValue;
    if (!lease) return this.stopHeartbeat();
    const now = Date.now();
    if (!this.ros.isConnected) {
      this.heartbeat.skippedOffline++;
      // No heartbeat reached the robot for longer than the lease lasts: it has ended there too.
      if (now - this.lastHeartbeatSentMs > lease.durationS * 1000)
        this.dropLease(`the lease expired: no heartbeat could be sent for ${lease.durationS} s`);
      return;
    }
    this.heartbeat.seq++;
    this.heartbeat.sent++;
    this.lastHeartbeatSentMs = now;
    this.heartbeatTopic.publish({
      lease_id: lease.leaseId,
      seq: this.heartbeat.seq,
      stamp: timeFromMs(this.opts.clockMs()),
    });
  }

  private dropLease(reason: string): void {
    this.stopHeartbeat();
    if (!this.leaseValue) return;
    this.leaseValue = null;
    this.leaseMismatchSinceMs = null;
    this.emit('lease', null, reason);
  }

  /** The robot's safety state names another lease (or none) for over 500 ms: ours has ended there. */
  private checkLease(s: SafetyState): void {
    const lease = this.leaseValue;
    if (!lease) return;
    // The robot may publish the whole hash or a prefix of it (the sim publishes the first 16 digits).
    const shown = s.lease_id_hash.toLowerCase();
    if (shown.length >= 16 && lease.leaseIdHash.startsWith(shown)) {
      this.leaseMismatchSinceMs = null;
      return;
    }
    const now = Date.now();
    this.leaseMismatchSinceMs ??= now;
    if (now - this.leaseMismatchSinceMs > 500)
      this.dropLease(
        s.controller
          ? `the robot now reports ${s.controller} as the controller: this client's lease has ended`
          : "the robot reports no controller: this client's lease has ended",
      );
  }

  private requireLease(what: string): Lease {
    if (!this.leaseValue) throw new NoLeaseError(what);
    return this.leaseValue;
  }

  private requireConnected(what: string): void {
    if (!this.ros.isConnected) throw new NotConnectedError(what);
  }

  // ----------------------------------------------------------------------------------------------
  // Plan, registration, e-stop

  /**
   * Sends the approved plan: its JSON text and `planSha256`, the hash the operator's screen showed. The
   * simulated robot checks it against the plan's approved content hash (planning's planContentSha256, the
   * approval's `contentSha256`). Returns the plan's trajectory ids.
   */
  async loadPlan(planJson: string, planSha256: string): Promise<string[]> {
    const lease = this.requireLease('load plan');
    const r = await this.callService<LoadPlanResponse>(ROBOT_SERVICES.loadPlan.name, {
      lease_id: lease.leaseId,
      plan_json: planJson,
      plan_sha256: planSha256,
    });
    if (!r.accepted) throw new RefusedError('load plan', r.reason);
    return r.trajectory_ids;
  }

  /**
   * Registers the patient: image fiducials (patient LPS, mm), the same fiducials in the robot frame
   * (world, mm) and the planned targets (LPS, mm) for the predicted TRE. mm here; metres on the wire.
   * Resolves with the robot's result whether or not it accepted (see `success` and `reason`).
   */
  async registerPatient(input: {
    imageFiducialsLpsMm: readonly (readonly number[])[];
    robotFiducialsMm: readonly (readonly number[])[];
    targetsLpsMm: readonly (readonly number[])[];
  }): Promise<RegistrationResult> {
    const lease = this.requireLease('register patient');
    const r = await this.callService<RegisterPatientResponse>(ROBOT_SERVICES.registerPatient.name, {
      lease_id: lease.leaseId,
      image_fiducials_lps: input.imageFiducialsLpsMm.map(toPointM),
      robot_fiducials: input.robotFiducialsMm.map(toPointM),
      targets_lps: input.targetsLpsMm.map(toPointM),
    });
    return r.result;
  }

  /**
   * Emergency stop through /robot/estop (anyone may stop, with or without the lease). Sent at once; while
   * connected it is tried again until the robot confirms (see the file comment). Resolves with the robot's
   * answer; rejects with NotConnectedError when offline (not queued) or the last error after all tries.
   */
  async estop(): Promise<TriggerResponse> {
    this.requireConnected('e-stop');
    let last: unknown = null;
    for (let i = 0; i < this.opts.estopAttempts; i++) {
      if (!this.ros.isConnected) break;
      try {
        const r = await this.callService<TriggerResponse>(
          ROBOT_SERVICES.estop.name,
          {},
          this.opts.estopTimeoutMs,
        );
        if (r.success) return r;
        last = new RefusedError('e-stop', r.message);
      } catch (e) {
        last = e;
      }
    }
    throw last instanceof Error ? last : new NotConnectedError('e-stop');
  }

  /** Clears a latched e-stop (the controller only). */
  async resetEstop(): Promise<void> {
    const lease = this.requireLease('reset e-stop');
    const r = await this.callService<SuccessResponse>(ROBOT_SERVICES.resetEstop.name, {
      lease_id: lease.leaseId,
    });
    if (!r.success) throw new RefusedError('reset e-stop', r.reason);
  }

  // ----------------------------------------------------------------------------------------------
  // Motion goals

  /** A fresh command header: the lease, a unique command id and the stamp of this moment. */
  private command(what: string): { lease_id: string; command_id: string; stamp: Time } {
    const lease = this.requireLease(what);
    this.requireConnected(what);
    return {
      lease_id: lease.leaseId,
      command_id: globalThis.crypto.randomUUID(),
      stamp: timeFromMs(this.opts.clockMs()),
    };
  }

  private sendGoal<R, F>(
    action: { name: string; type: string },
    args: { command_id: string },
  ): GoalHandle<R, F> {
    // Checked again right before sending: nothing between here and the op may queue it.
    this.requireConnected(action.name);
    const id = this.nextId('send_action_goal', action.name);
    const feedbackListeners = new Set<(f: F) => void>();
    let done = false;
    let settle!: { resolve(o: GoalOutcome<R>): void; reject(e: Error): void };
    const result = new Promise<GoalOutcome<R>>((resolve, reject) => {
      settle = { resolve, reject };
    });
    // A caller that never awaits the result must not produce an unhandled rejection.
    result.catch(() => undefined);
    const finish = (): void => {
      done = true;
      this.ros.off(id, handler);
      this.pending.delete(pending);
      if (this.activeGoals.get(action.name) === handle) this.activeGoals.delete(action.name);
    };
    const pending: Pending = {
      fail: (e) => {
        if (done) return;
        finish();
        settle.reject(new GoalLostError(action.name, args.command_id, e.message));
      },
    };
    const handler = (msg: ROSLIB.RosbridgeMessage): void => {
      if (done) return;
      if (ROSLIB.isActionFeedback(msg)) {
        for (const cb of [...feedbackListeners]) cb(msg.values as F);
        return;
      }
      if (!ROSLIB.isActionResult(msg)) return;
      finish();
      settle.resolve(goalOutcome<R>(msg));
    };
    const handle: GoalHandle<R, F> = {
      action: action.name,
      commandId: args.command_id,
      result,
      get done() {
        return done;
      },
      onFeedback: (cb) => {
        feedbackListeners.add(cb);
        return () => feedbackListeners.delete(cb);
      },
      cancel: () => {
        if (done) return;
        this.requireConnected(`cancel ${action.name}`);
        this.ros.callOnConnection({ op: 'cancel_action_goal', id, action: action.name });
      },
    };
    this.ros.on(id, handler);
    this.pending.add(pending);
    this.activeGoals.set(action.name, handle as GoalHandle<unknown, unknown>);
    this.ros.callOnConnection({
      op: 'send_action_goal',
      id,
      action: action.name,
      action_type: action.type,
      args,
      feedback: true,
    });
    return handle;
  }

  /** Moves the needle to `standoffMm` before the trajectory's entry point. Throws when it cannot be sent now. */
  moveToPreEntry(
    trajectoryId: string,
    standoffMm = 10,
  ): GoalHandle<MoveToPreEntryResult, MoveToPreEntryFeedback> {
    const goal: MoveToPreEntryGoal = {
      ...this.command('move to pre-entry'),
      trajectory_id: trajectoryId,
      standoff_mm: standoffMm,
    };
    return this.sendGoal(ROBOT_ACTIONS.moveToPreEntry, goal);
  }

  /** Inserts along the trajectory to `depthMm` past the entry. Throws when it cannot be sent now. */
  insert(
    trajectoryId: string,
    depthMm: number,
    options: { speedMmPerS?: number; onDeadman?: OnDeadman } = {},
  ): GoalHandle<InsertResult, InsertFeedback> {
    const goal: InsertGoal = {
      ...this.command('insert'),
      trajectory_id: trajectoryId,
      depth_mm: depthMm,
      speed_mm_per_s: options.speedMmPerS ?? 2,
      on_deadman: options.onDeadman ?? 'hold',
    };
    return this.sendGoal(ROBOT_ACTIONS.insert, goal);
  }

  /** Retracts to the entry point. Throws when it cannot be sent now. */
  retract(speedMmPerS = 2): GoalHandle<RetractResult, RetractFeedback> {
    const goal: RetractGoal = { ...this.command('retract'), speed_mm_per_s: speedMmPerS };
    return this.sendGoal(ROBOT_ACTIONS.retract, goal);
  }

  /** Pause = cancel the running insertion (the robot holds at the current depth). */
  pause(): void {
    this.requireLease('pause');
    const goal = this.activeGoals.get(ROBOT_ACTIONS.insert.name);
    if (!goal || goal.done) throw new Error('pause: no insertion is running');
    goal.cancel();
  }

  /** The goal of `action` this client has in flight, if any. */
  activeGoal(action: keyof typeof ROBOT_ACTIONS): GoalHandle<unknown, unknown> | null {
    return this.activeGoals.get(ROBOT_ACTIONS[action].name) ?? null;
  }

  /** Releases everything: stops reconnecting, timers and subscriptions. */
  dispose(): void {
    this.disconnect();
    for (const t of this.topics.values()) t.unsubscribe();
    this.topics.clear();
  }
}

/** The outcome of a rosbridge action_result (a failed one carries an error text instead of values). */
function goalOutcome<R>(msg: ROSLIB.RosbridgeActionResult): GoalOutcome<R> {
  const status: GoalStatusName =
    msg.status === GOAL_STATUS.SUCCEEDED
      ? 'succeeded'
      : msg.status === GOAL_STATUS.CANCELED
        ? 'canceled'
        : 'aborted';
  if (!msg.result) {
    const text = typeof msg.values === 'string' ? msg.values : '';
    return { status: status === 'succeeded' ? 'aborted' : status, result: null, reason: text };
  }
  const values = msg.values as (R & { reason?: unknown }) | null;
  const reason =
    values && typeof values === 'object' && typeof values.reason === 'string' ? values.reason : '';
  return { status, result: values ?? null, reason };
}
