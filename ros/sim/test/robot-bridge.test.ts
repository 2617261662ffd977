/**
 * Fault scenarios over the real rosbridge server with the real roslib client, the robot on stepped simulated
 * time (realTime: false): the test sends heartbeats through the bridge, waits until the robot has them, then
 * advances time, so timing is checked in simulated time while the messages take the real path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { demoFiducials, demoPlan, planFileFields, registerRequest } from '../src/robot/demo.ts';
import { ACTIONS, SERVICES, TOPICS, TYPES } from '../src/robot/messages.ts';
import { startSimulatedRobot, type SimulatedRobotHandle } from '../src/sim.ts';
import { ROSLIB, connectRos, until, type RosLibTypes } from './bridgeHarness.ts';
import { PASSWORDS, testCredentials } from './robotHarness.ts';

const handles: SimulatedRobotHandle[] = [];
const clients: RosLibTypes.Ros[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const h of handles.splice(0)) await h.close();
});

async function start(port = 0): Promise<SimulatedRobotHandle> {
  const h = await startSimulatedRobot({
    port,
    realTime: false,
    credentials: await testCredentials(),
    servo: { seed: 2 },
    bridge: { log: () => {} },
  });
  handles.push(h);
  return h;
}

async function connect(url: string) {
  const ros = await connectRos(url);
  clients.push(ros);
  return ros;
}

function call<T = Record<string, unknown>>(
  ros: RosLibTypes.Ros,
  name: string,
  type: string,
  req: unknown,
): Promise<T> {
  const svc = new ROSLIB.Service<unknown, T>({ ros, name, serviceType: type });
  return new Promise<T>((resolve, reject) =>
    svc.callService(req, resolve, (e) => reject(new Error(String(e)))),
  );
}

interface Outcome {
  ok?: Record<string, unknown>;
  failed?: string;
}

/** An operator's session: its lease, heartbeats through the bridge, goals. */
class Operator {
  lease = '';
  seq = 0;
  readonly hb: RosLibTypes.Topic<unknown>;
  constructor(
    readonly ros: RosLibTypes.Ros,
    readonly sim: SimulatedRobotHandle,
  ) {
    this.hb = new ROSLIB.Topic({ ros, name: TOPICS.heartbeat, messageType: TYPES.heartbeat });
  }
  async claim(who: keyof typeof PASSWORDS = 'alice') {
    const r = await call(this.ros, SERVICES.claimControl, TYPES.claimControl, {
      operator: who,
      credential: PASSWORDS[who],
      observer_only: false,
    });
    if (r.granted) this.lease = r.lease_id as string;
    return r;
  }
  /** One heartbeat, delivered (the robot counted it) before returning. */
  async beat() {
    const n = this.sim.robot.counters.heartbeats;
    this.hb.publish({ lease_id: this.lease, seq: ++this.seq, stamp: this.sim.robot.clock.now() });
    await until(() => this.sim.robot.counters.heartbeats > n, 3000, 'the heartbeat');
  }
  /** Simulated time forward with heartbeats every 50 ms. */
  async pump(seconds: number, done: () => boolean = () => false) {
    for (let t = 0; t < seconds && !done(); t += 0.05) {
      await this.beat();
      this.sim.robot.advance(0.05);
    }
  }
  goal(action: string, type: string, goal: Record<string, unknown>): Outcome {
    const out: Outcome = {};
    new ROSLIB.Action<unknown, Record<string, unknown>, unknown>({
      ros: this.ros,
      name: action,
      actionType: type,
    }).sendGoal(
      goal,
      (r) => (out.ok = r as Record<string, unknown>),
      undefined,
      (e) => (out.failed = String(e)),
    );
    return out;
  }
  fields(commandId: string) {
    return { lease_id: this.lease, command_id: commandId, stamp: this.sim.robot.clock.now() };
  }
  async prepare() {
    expect((await this.claim()).granted).toBe(true);
    await this.beat();
    const plan = await call(this.ros, SERVICES.loadPlan, TYPES.loadPlan, {
      lease_id: this.lease,
      ...planFileFields(demoPlan()),
    });
    expect(plan.accepted, String(plan.reason)).toBe(true);
    const reg = await call<{ result: Record<string, unknown> }>(
      this.ros,
      SERVICES.registerPatient,
      TYPES.registerPatient,
      registerRequest(this.lease, demoFiducials()),
    );
    expect(reg.result.success, String(reg.result.reason)).toBe(true);
    const move = this.goal(ACTIONS.moveToPreEntry, TYPES.moveToPreEntry, {
      ...this.fields('m1'),
      trajectory_id: 'T1',
      standoff_mm: 3,
    });
    await this.pump(20, () => move.ok !== undefined || move.failed !== undefined);
    await until(() => move.ok !== undefined || move.failed !== undefined, 3000, 'the move result');
    expect(move.ok?.success, move.failed).toBe(true);
  }
}

describe('simulated robot over rosbridge + roslib', () => {
  const startInsertion = async () => {
    const sim = await start();
    const op = new Operator(await connect(sim.url), sim);
    await op.prepare();
    op.goal(ACTIONS.insert, TYPES.insert, {
      ...op.fields('i1'),
      trajectory_id: 'T1',
      depth_mm: 10,
      speed_mm_per_s: 2,
      on_deadman: 'hold',
    });
    await op.pump(2);
    expect(sim.robot.currentPhase).toBe('inserting');
    return { sim, op };
  };

  /** Steps 1 ms at a time until the depth reference stops; returns the simulated time it stopped at. */
  const stoppedAt = (sim: SimulatedRobotHandle): number => {
    for (let i = 0; i < 1000 && sim.robot.servoState()!.depthRateUmPerS !== 0; i++) sim.robot.advance(0.001);
    return sim.robot.clock.elapsedS;
  };

  it('the operator client killed mid-insertion: motion stops within the deadman limit + one cycle', async () => {
    const { sim, op } = await startInsertion();
    const lastBeat = sim.robot.lastHeartbeatS;
    op.ros.close(); // the browser tab dies: its socket closes, heartbeats stop
    await until(() => sim.bridge.clients().length === 0, 3000, 'the client to leave');
    // The bridge cancels the departed client's goal (pause: hold) or the deadman fires, whichever comes first.
    const t = stoppedAt(sim); // observed at 1 ms resolution: + one period
    expect(t - lastBeat).toBeLessThanOrEqual(0.101 + 0.001 + 1e-9);
    expect(sim.robot.currentPhase).toBe('holding');
    const ref = sim.robot.servoState()!.depthRefUm;
    sim.robot.advance(1);
    expect(sim.robot.servoState()!.depthRefUm).toBe(ref);
  });

  it('a client that stays connected but stops its heartbeats is stopped by the deadman', async () => {
    const { sim } = await startInsertion();
    const lastBeat = sim.robot.lastHeartbeatS;
    for (let i = 0; i < 1000 && sim.robot.stops.length === 0; i++) sim.robot.advance(0.001);
    const stop = sim.robot.stops[0]!;
    expect(stop.cause).toBe('deadman');
    expect(stop.atS - lastBeat).toBeGreaterThan(0.1);
    expect(stop.atS - lastBeat).toBeLessThanOrEqual(0.101 + 1e-9);
    // Observed after the tick that stopped it (the reference has not moved since stop.atS).
    expect(stoppedAt(sim)).toBeLessThanOrEqual(stop.atS + 0.001 + 1e-9);
    expect(sim.robot.currentPhase).toBe('holding');
  });

  it('after a reconnect a replayed goal is refused; a second client gets no control; the controller is internal', async () => {
    const sim = await start();
    const op = new Operator(await connect(sim.url), sim);
    await op.prepare();
    const goal = {
      ...op.fields('i-replay'),
      trajectory_id: 'T1',
      depth_mm: 1,
      speed_mm_per_s: 2,
      on_deadman: 'hold',
    };
    const first = op.goal(ACTIONS.insert, TYPES.insert, goal);
    await op.pump(10, () => first.ok !== undefined);
    await until(() => first.ok !== undefined, 3000, 'the insert result');
    expect(first.ok!.success).toBe(true);

    // Another client: its claim is refused with the holder's name, its goals and the controller are refused.
    const other = new Operator(await connect(sim.url), sim);
    const claim = await other.claim('bob');
    expect(claim.granted).toBe(false);
    expect(String(claim.reason)).toMatch(/held by alice/);
    const stolen = other.goal(ACTIONS.retract, TYPES.retract, { ...other.fields('b1'), speed_mm_per_s: 1 });
    const fjt = other.goal(ACTIONS.followJointTrajectory, 'control_msgs/action/FollowJointTrajectory', {
      trajectory: { joint_names: sim.robot.chain.joints.map((j) => j.name), points: [] },
    });
    await until(() => stolen.failed !== undefined && fjt.failed !== undefined, 3000, 'the refusals');
    expect(stolen.failed).toMatch(/no lease/);
    expect(sim.robot.currentPhase).toBe('holding');

    // The operator's connection drops and comes back 2 s later; the queued goal is flushed again.
    op.ros.close();
    await op.pump(0); // nothing
    sim.robot.advance(2);
    const back = new Operator(await connect(sim.url), sim);
    back.lease = op.lease;
    back.seq = op.seq;
    const replay = back.goal(ACTIONS.insert, TYPES.insert, goal);
    await until(() => replay.failed !== undefined || replay.ok !== undefined, 3000, 'the replay result');
    expect(replay.failed).toMatch(/already used/);
    expect(replay.failed).toMatch(/stale/);
    expect(sim.robot.servoState()!.depthRefUm).toBeCloseTo(1000, 6);
  });

  it('a flood of 1000 goals over the bridge: all answered, none executed, still healthy', async () => {
    const sim = await start();
    const op = new Operator(await connect(sim.url), sim);
    await op.prepare();
    const executed = sim.robot.counters.executed;
    const outcomes = Array.from({ length: 1000 }, (_, i) =>
      op.goal(ACTIONS.insert, TYPES.insert, {
        lease_id: i % 2 ? 'x' : '',
        command_id: `flood-${i}`,
        stamp: sim.robot.clock.now(),
        trajectory_id: 'T1',
        depth_mm: 5,
        speed_mm_per_s: 1,
        on_deadman: 'hold',
      }),
    );
    await until(
      () => outcomes.every((o) => o.failed !== undefined || o.ok !== undefined),
      30_000,
      'all answers',
    );
    expect(outcomes.every((o) => o.failed !== undefined)).toBe(true);
    expect(sim.robot.counters.executed).toBe(executed);
    const ok = op.goal(ACTIONS.insert, TYPES.insert, {
      ...op.fields('after-flood'),
      trajectory_id: 'T1',
      depth_mm: 1,
      speed_mm_per_s: 2,
      on_deadman: 'hold',
    });
    await op.pump(10, () => ok.ok !== undefined);
    await until(() => ok.ok !== undefined, 3000, 'the result');
    expect(ok.ok!.success).toBe(true);
  });

  it('comes back after a server restart on the same port; the client reconnects and claims again', async () => {
    const sim = await start();
    const port = sim.bridge.port;
    const ros = await connect(sim.url);
    const op = new Operator(ros, sim);
    expect((await op.claim()).granted).toBe(true);
    await handles.pop()!.close();
    const sim2 = await start(port);
    const ros2 = await connect(sim2.url);
    const op2 = new Operator(ros2, sim2);
    const c = await op2.claim();
    expect(c.granted).toBe(true); // a fresh robot: the old lease is gone
    expect(c.lease_id).not.toBe(op.lease);
    await op2.beat();
    const states: Array<{ position: number[] }> = [];
    new ROSLIB.Topic<{ position: number[] }>({
      ros: ros2,
      name: TOPICS.jointStates,
      messageType: TYPES.jointState,
    }).subscribe((m) => states.push(m));
    await until(() => sim2.bridge.clients()[0]?.subscriptions.length === 1, 3000, 'the subscription');
    sim2.robot.advance(0.1);
    await until(() => states.length >= 20, 3000, 'joint states');
    expect(states[0]!.position).toHaveLength(7);
  });
});
