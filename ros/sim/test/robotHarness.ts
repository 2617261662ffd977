/** Shared set-up for the robot tests: a robot on a graph in stepped simulated time, operators, goals. */
import { INTERNAL_PEER, RosGraph, type GraphPeer, type TerminalGoalStatus } from '../src/graph.ts';
import { credentialsFromHashes, hashOperatorPassword } from '../src/robot/credentials.ts';
import {
  commandFields,
  demoFiducials,
  demoPlan,
  planFileFields,
  registerRequest,
} from '../src/robot/demo.ts';
import { ACTIONS, SERVICES, TOPICS, TYPES } from '../src/robot/messages.ts';
import { SimulatedRobot, type SimulatedRobotOptions } from '../src/robot/node.ts';

/** Cheap scrypt for tests (the hash string carries its parameters). */
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };
export const PASSWORDS = { alice: 'alice-secret-1', bob: 'bob-secret-2' };

export async function testCredentials() {
  return credentialsFromHashes(
    {
      alice: await hashOperatorPassword(PASSWORDS.alice, TEST_SCRYPT),
      bob: await hashOperatorPassword(PASSWORDS.bob, TEST_SCRYPT),
    },
    'test credentials',
  );
}

export interface GoalHandle {
  status?: TerminalGoalStatus;
  result?: Record<string, unknown>;
  feedback: Record<string, unknown>[];
  cancel(): void;
}

export class Harness {
  readonly graph = new RosGraph();
  robot!: SimulatedRobot;
  leaseId = '';
  private seq = 0;
  private readonly hb = this.graph.advertise(TOPICS.heartbeat, TYPES.heartbeat);

  static async create(options: Partial<SimulatedRobotOptions> = {}): Promise<Harness> {
    const h = new Harness();
    h.robot = new SimulatedRobot(h.graph, {
      credentials: await testCredentials(),
      epochS: 1_800_000_000,
      servo: { seed: 1 },
      ...options,
    });
    return h;
  }

  call(name: string, request: unknown, caller: GraphPeer = INTERNAL_PEER): Promise<Record<string, unknown>> {
    return this.graph.callService(name, request, caller) as Promise<Record<string, unknown>>;
  }

  async claim(operator: keyof typeof PASSWORDS = 'alice'): Promise<Record<string, unknown>> {
    const r = await this.call(SERVICES.claimControl, {
      operator,
      credential: PASSWORDS[operator],
      observer_only: false,
    });
    if (r.granted) this.leaseId = r.lease_id as string;
    return r;
  }

  beat(leaseId = this.leaseId): void {
    this.hb.publish({ lease_id: leaseId, seq: ++this.seq, stamp: this.robot.clock.now() });
  }

  /** Advances simulated time, sending a heartbeat every 50 ms (unless `heartbeat: false`). */
  run(seconds: number, heartbeat = true): void {
    const chunks = Math.round(seconds / 0.05);
    for (let i = 0; i < chunks; i++) {
      if (heartbeat) this.beat();
      this.robot.advance(0.05);
    }
  }

  /** Runs with heartbeats until the goal finishes (or `maxS` passes). */
  runUntil(goal: GoalHandle, maxS = 60): void {
    for (let t = 0; t < maxS && goal.status === undefined; t += 0.05) this.run(0.05);
  }

  fields(commandId?: string) {
    return commandFields(this.leaseId, this.robot.clock.now(), commandId);
  }

  goal(action: string, goal: unknown, caller: GraphPeer = INTERNAL_PEER): GoalHandle {
    const h: GoalHandle = { feedback: [], cancel: () => {} };
    const g = this.graph.sendActionGoal(
      action,
      goal,
      {
        onFeedback: (f) => h.feedback.push(f as Record<string, unknown>),
        onResult: (status, result) => {
          h.status = status;
          h.result = result as Record<string, unknown>;
        },
      },
      caller,
    );
    h.cancel = () => g.cancel();
    return h;
  }

  async loadDemoPlan(plan = demoPlan()) {
    return this.call(SERVICES.loadPlan, { lease_id: this.leaseId, ...planFileFields(plan) });
  }

  async registerDemo(fiducials = demoFiducials()) {
    return (await this.call(SERVICES.registerPatient, registerRequest(this.leaseId, fiducials)))
      .result as Record<string, unknown>;
  }

  /** Claim, plan, registration: ready to move. */
  async ready(): Promise<void> {
    await this.claim();
    this.beat();
    const p = await this.loadDemoPlan();
    if (!p.accepted) throw new Error(`plan refused: ${String(p.reason)}`);
    const r = await this.registerDemo();
    if (!r.success) throw new Error(`registration refused: ${String(r.reason)}`);
  }

  moveToPreEntry(trajectoryId = 'T1', standoffMm = 5): GoalHandle {
    return this.goal(ACTIONS.moveToPreEntry, {
      ...this.fields(),
      trajectory_id: trajectoryId,
      standoff_mm: standoffMm,
    });
  }

  insert(depthMm: number, speed = 2, onDeadman = 'hold', trajectoryId = 'T1'): GoalHandle {
    return this.goal(ACTIONS.insert, {
      ...this.fields(),
      trajectory_id: trajectoryId,
      depth_mm: depthMm,
      speed_mm_per_s: speed,
      on_deadman: onDeadman,
    });
  }

  close(): void {
    this.robot.close();
  }
}
