/**
 * RobotClient against the real rosbridge server of @neuroplan/ros-sim over a real WebSocket (roslib's own
 * `ws` transport in Node 20), with the simulated robot node behind it where the robot's behaviour matters
 * (lease, heartbeat, deadman, e-stop). The lost-goal case needs a goal that stays in flight: a small action
 * server on the same in-process graph that never finishes (the bridge in front of it is the real one).
 *
 * Nothing here compares with numbers our code computed: the checks are protocol facts (what arrived, what
 * the robot counted, which error class came back).
 */
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RosGraph, type ServerGoal } from '../../sim/src/graph.ts';
import { startRosbridgeServer, type RosbridgeServer } from '../../sim/src/bridge/index.ts';
import { SimulatedRobot } from '../../sim/src/robot/node.ts';
import { credentialsFromHashes } from '../../sim/src/robot/credentials.ts';
import {
  GoalLostError,
  NoLeaseError,
  NotConnectedError,
  RefusedError,
  RobotClient,
  type ConnectionState,
  type JointState,
  type SafetyState,
} from '../src/index.ts';

const OPERATOR = 'test-operator';
const PASSWORD = 'correct horse battery staple';
const credentials = () =>
  credentialsFromHashes(
    { [OPERATOR]: `sha256$${createHash('sha256').update(PASSWORD, 'utf8').digest('hex')}` },
    'test',
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | null | undefined | false, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('RobotClient ↔ rosbridge server ↔ simulated robot', () => {
  let graph: RosGraph;
  let robot: SimulatedRobot;
  let server: RosbridgeServer;
  let port: number;
  const clients: RobotClient[] = [];
  const newClient = () => {
    const c = new RobotClient({ backoff: { initialMs: 50, maxMs: 400 }, latencyPeriodMs: 200 });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    graph = new RosGraph();
    robot = new SimulatedRobot(graph, { credentials: credentials(), controlRateHz: 250 });
    robot.startRealTime();
    server = await startRosbridgeServer({ graph, port: 0 });
    port = server.port;
  });
  afterEach(async () => {
    // Give control back (a failed test must not leave the next one locked out for the lease's 5 s).
    for (const c of clients.splice(0)) {
      if (c.lease && c.isConnected) await c.releaseControl().catch(() => undefined);
      c.dispose();
    }
  });
  afterAll(async () => {
    await server?.close();
    robot?.close();
  });

  it('connects, delivers typed topics and measures round trips', async () => {
    const client = newClient();
    const states: ConnectionState[] = [];
    client.on('state', (s) => states.push(s));
    const safety: SafetyState[] = [];
    const joints: JointState[] = [];
    client.subscribe('safetyState', (m) => safety.push(m));
    client.subscribe('jointStates', (m) => joints.push(m));
    await client.connect(server.url);
    expect(client.state).toBe('connected');
    expect(states).toEqual(['connecting', 'connected']);
    await until('joint states', () => joints.length >= 5);
    expect(joints.at(-1)!.name).toContain('insertion');
    expect(joints.at(-1)!.position).toHaveLength(joints.at(-1)!.name.length);
    // Latched: the safety state arrives at once; nobody holds control yet.
    await until('safety state', () => safety.length >= 1);
    expect(safety[0]!.controller).toBe('');
    expect(safety[0]!.motion_enabled).toBe(false);
    expect(safety[0]!.blocking_reasons.length).toBeGreaterThan(0);
    const stats = await until('3 latency samples', () => (client.latency.count >= 3 ? client.latency : null));
    expect(stats.lastMs).toBeGreaterThan(0);
    expect(stats.p50Ms).toBeGreaterThan(0);
    expect(stats.p95Ms).toBeGreaterThanOrEqual(stats.p50Ms!);
    expect(await client.ping()).toBeGreaterThan(0);
  });

  it('refuses a wrong credential with the robot’s reason, and commands without a lease locally', async () => {
    const client = newClient();
    await client.connect(server.url);
    await expect(client.claimControl(OPERATOR, 'wrong')).rejects.toBeInstanceOf(RefusedError);
    expect(() => client.insert('E1', 10)).toThrow(NoLeaseError);
    await expect(client.loadPlan('{}', '0'.repeat(64))).rejects.toBeInstanceOf(NoLeaseError);
  });

  it('keeps the lease alive with 20 Hz heartbeats, and releases it', async () => {
    const client = newClient();
    await client.connect(server.url);
    const beatsBefore = robot.counters.heartbeats;
    const lease = await client.claimControl(OPERATOR, PASSWORD);
    expect(lease.leaseId).not.toBe('');
    await sleep(1000);
    const safety = client.last('safetyState')!.msg;
    expect(safety.controller).toBe(OPERATOR);
    expect(safety.deadman_ok).toBe(true);
    expect(lease.leaseIdHash.startsWith(safety.lease_id_hash)).toBe(true);
    expect(robot.authority.holder?.operator).toBe(OPERATOR);
    // ~20 per second reached the robot (timer jitter on a loaded machine allowed for).
    expect(robot.counters.heartbeats - beatsBefore).toBeGreaterThanOrEqual(12);
    expect(client.heartbeatStats.sent).toBeGreaterThanOrEqual(12);
    expect(client.lease).not.toBeNull();

    // Releasing stops the heartbeat first; the robot then reports no controller.
    await client.releaseControl();
    expect(client.lease).toBeNull();
    await until('no controller', () => client.last('safetyState')?.msg.controller === '');
  });

  it('the robot trips the deadman when the heartbeats stop (the client disconnected)', async () => {
    const client = newClient();
    await client.connect(server.url);
    const lease = await client.claimControl(OPERATOR, PASSWORD);
    await until('deadman ok', () => robot.authority.deadmanOk(), 2000);
    client.disconnect();
    expect(client.lease).toBeNull();
    // The robot's limit is 100 ms: well within a second it reports the deadman lapsed, lease still held.
    await until('deadman tripped', () => !robot.authority.deadmanOk(), 1000);
    expect(robot.authority.holder?.operator).toBe(OPERATOR);
    // Give the lease back from another connection, so the next test can claim at once.
    const other = newClient();
    await other.connect(server.url);
    await other.callService('/robot/release_control', { lease_id: lease.leaseId });
    expect(robot.authority.holder).toBeNull();
  });

  it('restores subscriptions after the server restarts, and never sends a command late', async () => {
    const client = newClient();
    const states: ConnectionState[] = [];
    client.on('state', (s) => states.push(s));
    const joints: JointState[] = [];
    client.subscribe('jointStates', (m) => joints.push(m));
    await client.connect(server.url);
    await client.claimControl(OPERATOR, PASSWORD);
    await until('joint states', () => joints.length >= 3);

    await server.close();
    await client.waitForState('reconnecting', 5000);
    // Refused here and now: nothing is queued for the next connection.
    expect(client.isConnected).toBe(false);
    expect(() => client.insert('E1', 5)).toThrow(NotConnectedError);
    expect(() => client.retract()).toThrow(NotConnectedError);
    await expect(client.estop()).rejects.toBeInstanceOf(NotConnectedError);
    await expect(client.resetEstop()).rejects.toBeInstanceOf(NotConnectedError);
    await sleep(300);
    expect(client.heartbeatStats.skippedOffline).toBeGreaterThan(0);
    const goalsBefore = robot.counters.goals;
    const estopBefore = robot.estopLatched;

    server = await startRosbridgeServer({ graph, port });
    await client.waitForState('connected', 10_000);
    expect(states).toContain('reconnecting');
    const n = joints.length;
    await until('joint states after the restart', () => joints.length >= n + 5);
    await sleep(300);
    // No goal and no e-stop were flushed by the reconnection.
    expect(robot.counters.goals).toBe(goalsBefore);
    expect(robot.estopLatched).toBe(estopBefore);
    // The lease (5 s) outlived the short outage: heartbeats resumed and the robot still names us.
    await until('deadman ok again', () => client.last('safetyState')?.msg.deadman_ok === true);
    expect(client.last('safetyState')!.msg.controller).toBe(OPERATOR);
    await client.releaseControl();
  });

  it('e-stop reaches the robot (anyone may stop) and the controller can reset it', async () => {
    const observer = newClient();
    await observer.connect(server.url);
    const answer = await observer.estop();
    expect(answer.success).toBe(true);
    expect(robot.estopLatched).toBe(true);
    await until('estop latched in the safety state', () => observer.last('safetyState')?.msg.estop_latched);
    const operator = newClient();
    await operator.connect(server.url);
    await operator.claimControl(OPERATOR, PASSWORD);
    await operator.resetEstop();
    expect(robot.estopLatched).toBe(false);
    await operator.releaseControl();
  });
});

describe('RobotClient: a goal in flight when the connection drops', () => {
  let graph: RosGraph;
  let server: RosbridgeServer;
  const received: unknown[] = [];
  const goals: ServerGoal[] = [];

  beforeAll(async () => {
    graph = new RosGraph();
    // The robot's claim service and a retract that never finishes (the robot's own would end at once).
    graph.advertiseService('/robot/claim_control', 'neuroplan_interfaces/srv/ClaimControl', () => ({
      granted: true,
      reason: '',
      lease_id: 'lease-for-the-lost-goal-test',
      lease_duration_s: 5,
      heartbeat_limit_s: 0.1,
    }));
    graph.advertiseAction('/robot/retract', 'neuroplan_interfaces/action/Retract', {
      onGoal: (g) => {
        received.push(g.goal);
        goals.push(g);
        g.publishFeedback({ depth_mm: 3 });
      },
    });
    server = await startRosbridgeServer({ graph, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('rejects the goal with GoalLostError instead of forgetting it', async () => {
    const client = new RobotClient({ backoff: { initialMs: 50, maxMs: 200 }, latencyPeriodMs: 0 });
    try {
      await client.connect(server.url);
      await client.claimControl('anyone', 'x');
      const handle = client.retract(1.5);
      const feedback: unknown[] = [];
      handle.onFeedback((f) => feedback.push(f));
      await until('the goal at the server', () => received.length === 1);
      const goal = received[0] as {
        lease_id: string;
        command_id: string;
        stamp: { sec: number };
        speed_mm_per_s: number;
      };
      expect(goal.lease_id).toBe('lease-for-the-lost-goal-test');
      expect(goal.command_id).toBe(handle.commandId);
      expect(goal.speed_mm_per_s).toBe(1.5);
      expect(Math.abs(goal.stamp.sec - Date.now() / 1000)).toBeLessThan(2);
      await until('feedback', () => feedback.length === 1);
      expect(handle.done).toBe(false);
      await server.close();
      const error = await handle.result.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GoalLostError);
      expect((error as GoalLostError).commandId).toBe(handle.commandId);
      expect(handle.done).toBe(true);
      // Two commands never share an id.
      expect(new Set([handle.commandId, goal.command_id]).size).toBe(1);
    } finally {
      client.dispose();
    }
  });
});

describe('RobotClient: connecting before the server is up', () => {
  it('keeps trying with backoff and connects once the server listens', async () => {
    // A free port: open a server on port 0, note its port, close it.
    const probe = await startRosbridgeServer({ graph: new RosGraph(), port: 0 });
    const port = probe.port;
    await probe.close();
    const client = new RobotClient({ backoff: { initialMs: 40, maxMs: 160 }, latencyPeriodMs: 0 });
    const states: ConnectionState[] = [];
    client.on('state', (s) => states.push(s));
    let server: RosbridgeServer | null = null;
    try {
      const connected = client.connect(`ws://127.0.0.1:${port}`);
      await sleep(600);
      // Several refused attempts, each followed by a retry: still 'connecting' (never connected yet).
      expect(client.state).toBe('connecting');
      expect(client.isConnected).toBe(false);
      await expect(client.callService('/robot/estop', {})).rejects.toBeInstanceOf(NotConnectedError);
      server = await startRosbridgeServer({ graph: new RosGraph(), port });
      await connected;
      expect(client.state).toBe('connected');
      expect(states[0]).toBe('connecting');
      expect(states.at(-1)).toBe('connected');
      expect(states).not.toContain('reconnecting');
      client.disconnect();
      expect(client.state).toBe('disconnected');
    } finally {
      client.dispose();
      await server?.close();
    }
  });
});
