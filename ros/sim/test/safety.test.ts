/**
 * Safety of the simulated robot, on the graph in stepped simulated time (never the wall clock): deadman,
 * e-stop, leases, validation, replay, floods, plan approval and registration limits. Expected timings follow
 * from the configuration (deadman limit 100 ms, control period 1 ms): a stop must come no later than
 * limit + one period after the last heartbeat.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { planContentSha256, type Plan } from '@neuroplan/planning';
import { GoalStatus, type GraphPeer } from '../src/graph.ts';
import { demoFiducials, demoPlan, planFileFields } from '../src/robot/demo.ts';
import { ACTIONS, SERVICES, TOPICS } from '../src/robot/messages.ts';
import { Harness, PASSWORDS } from './robotHarness.ts';

let h: Harness;
afterEach(() => h?.close());

const bridgePeer: GraphPeer = { id: 'bridge-client-1', viaBridge: true, remoteAddress: '127.0.0.1' };

async function atPreEntry(): Promise<Harness> {
  h = await Harness.create();
  await h.ready();
  const move = h.moveToPreEntry('T1', 3);
  h.runUntil(move, 30);
  expect(move.status).toBe(GoalStatus.SUCCEEDED);
  return h;
}

/** Advances in single control periods until `done()` or `maxS`. */
function stepUntil(done: () => boolean, maxS: number, beat = false): void {
  for (let t = 0; t < maxS && !done(); t += 0.001) {
    if (beat && Math.round(t * 1000) % 50 === 0) h.beat();
    h.robot.advance(0.001);
  }
}

describe('deadman', () => {
  it('stops an insertion within the limit + one control cycle after the last heartbeat, and holds', async () => {
    await atPreEntry();
    const ins = h.insert(10, 2, 'hold');
    h.run(1.5); // well into the insertion, heartbeats every 50 ms
    expect(h.robot.currentPhase).toBe('inserting');
    const lastBeat = h.robot.lastHeartbeatS;
    stepUntil(() => h.robot.stops.length > 0, 1);
    const stop = h.robot.stops[0]!;
    expect(stop.cause).toBe('deadman');
    expect(stop.lastHeartbeatS).toBe(lastBeat);
    expect(stop.atS - lastBeat).toBeGreaterThan(0.1);
    expect(stop.atS - lastBeat).toBeLessThanOrEqual(0.1 + 0.001 + 1e-9);
    expect(ins.status).toBe(GoalStatus.ABORTED);
    expect(ins.result!.success).toBe(false);
    expect(String(ins.result!.reason)).toMatch(/deadman: no heartbeat/);
    expect(h.robot.currentPhase).toBe('holding');
    // The commanded depth does not move after the stop.
    const ref = h.robot.servoState()!.depthRefUm;
    h.robot.advance(0.5);
    expect(h.robot.servoState()!.depthRefUm).toBe(ref);
    expect(h.robot.servoState()!.depthRateUmPerS).toBe(0);
    // New motion is refused while heartbeats are missing.
    const again = h.insert(5, 1);
    expect(again.status).toBe(GoalStatus.ABORTED);
    expect(String(again.result!.reason)).toMatch(/no heartbeat/);
  });

  it('retracts out of the tissue when the goal asks for it, without heartbeats', async () => {
    await atPreEntry();
    const ins = h.insert(10, 2, 'retract');
    h.run(2);
    h.robot.advance(0.2);
    expect(ins.status).toBe(GoalStatus.ABORTED);
    expect(String(ins.result!.reason)).toMatch(/retracting/);
    expect(h.robot.currentPhase).toBe('retracting');
    h.robot.advance(5);
    expect(h.robot.currentPhase).toBe('at_pre_entry');
    const s = h.robot.servoState()!;
    expect(s.tipUm).toBeLessThan(-2900); // back at the 3 mm standoff
  });

  it('stops the arm within one cycle; the lease lapses after its grace period', async () => {
    h = await Harness.create();
    await h.ready();
    const move = h.moveToPreEntry('T2', 5);
    h.run(0.3);
    const lastBeat = h.robot.lastHeartbeatS;
    stepUntil(() => h.robot.stops.length > 0, 1);
    expect(h.robot.stops[0]!.atS - lastBeat).toBeLessThanOrEqual(0.101 + 1e-9);
    expect(move.status).toBe(GoalStatus.ABORTED);
    const q = h.robot.joints();
    h.robot.advance(1);
    expect(Array.from(h.robot.joints())).toEqual(Array.from(q));
    expect(h.robot.authority.holder?.operator).toBe('alice');
    h.robot.advance(5);
    expect(h.robot.authority.holder).toBeNull();
    const late = h.insert(1);
    expect(String(late.result!.reason)).toMatch(/nobody holds control/);
  });

  it('ignores heartbeats with a wrong lease, a replayed sequence number or a stale stamp', async () => {
    h = await Harness.create();
    await h.claim();
    h.robot.advance(0.05);
    expect(h.robot.counters.heartbeats).toBe(0);
    h.beat('not-the-lease');
    expect(h.robot.counters.heartbeats).toBe(0);
    h.beat();
    expect(h.robot.counters.heartbeats).toBe(1);
    const hb = h.graph.advertise(TOPICS.heartbeat, 'neuroplan_interfaces/msg/Heartbeat');
    hb.publish({ lease_id: h.leaseId, seq: 1, stamp: h.robot.clock.now() }); // replayed seq
    hb.publish({ lease_id: h.leaseId, seq: 1000, stamp: { sec: 1_800_000_000 - 5, nanosec: 0 } }); // stale
    expect(h.robot.counters.heartbeats).toBe(1);
  });
});

describe('e-stop', () => {
  it('stops an insertion at once from any caller, latches, and reset needs the lease', async () => {
    await atPreEntry();
    const ins = h.insert(10, 2);
    h.run(2.5); // 2 mm deep
    const before = h.robot.servoState()!;
    expect(before.depthRateUmPerS).toBeGreaterThan(0);
    const r = await h.call(SERVICES.estop, {}, bridgePeer); // an observer may stop
    expect(r.success).toBe(true);
    expect(ins.status).toBe(GoalStatus.ABORTED);
    expect(String(ins.result!.reason)).toMatch(/e-stop/);
    const ref = h.robot.servoState()!.depthRefUm;
    expect(ref).toBe(before.depthRefUm);
    h.run(0.5);
    expect(h.robot.servoState()!.depthRefUm).toBe(ref);
    expect(h.robot.currentPhase).toBe('estopped');
    expect(h.robot.estopLatched).toBe(true);
    const refused = h.insert(5);
    expect(String(refused.result!.reason)).toMatch(/e-stop is latched/);
    const noLease = await h.call(SERVICES.resetEstop, { lease_id: '' });
    expect(noLease.success).toBe(false);
    const wrong = await h.call(SERVICES.resetEstop, { lease_id: 'f'.repeat(32) });
    expect(wrong.success).toBe(false);
    const ok = await h.call(SERVICES.resetEstop, { lease_id: h.leaseId });
    expect(ok.success).toBe(true);
    expect(h.robot.estopLatched).toBe(false);
    expect(h.robot.currentPhase).toBe('holding');
    const resume = h.insert(5, 2);
    h.runUntil(resume, 20);
    expect(resume.status).toBe(GoalStatus.SUCCEEDED);
  });

  it('freezes the arm mid-move', async () => {
    h = await Harness.create();
    await h.ready();
    const move = h.moveToPreEntry('T1', 5);
    h.run(0.3);
    const q = h.robot.joints();
    await h.call(SERVICES.estop, {});
    expect(move.status).toBe(GoalStatus.ABORTED);
    h.run(1);
    expect(Array.from(h.robot.joints())).toEqual(Array.from(q));
  });
});

describe('control authority', () => {
  it('grants one controller; a second claim is refused naming the holder; observers get no lease', async () => {
    h = await Harness.create();
    const a = await h.claim('alice');
    expect(a.granted).toBe(true);
    expect(a.lease_id).toMatch(/^[0-9a-f]{32}$/);
    const b = await h.call(SERVICES.claimControl, {
      operator: 'bob',
      credential: PASSWORDS.bob,
      observer_only: false,
    });
    expect(b.granted).toBe(false);
    expect(String(b.reason)).toMatch(/held by alice/);
    const obs = await h.call(SERVICES.claimControl, {
      operator: 'bob',
      credential: PASSWORDS.bob,
      observer_only: true,
    });
    expect(obs.granted).toBe(true);
    expect(obs.lease_id).toBe('');
    const bad = await h.call(SERVICES.claimControl, {
      operator: 'alice',
      credential: 'wrong',
      observer_only: true,
    });
    expect(bad.granted).toBe(false);
    const ghost = await h.call(SERVICES.claimControl, {
      operator: 'mallory',
      credential: 'x',
      observer_only: false,
    });
    expect(ghost.granted).toBe(false);
    // Bob's goals (no lease, or a guessed one) are refused; the safety state never shows the lease.
    const states: Array<Record<string, unknown>> = [];
    h.graph.subscribe(TOPICS.safetyState, undefined, (m) => states.push(m as Record<string, unknown>));
    expect(states.at(-1)!.controller).toBe('alice');
    expect(JSON.stringify(states)).not.toContain(h.leaseId);
    const g = h.goal(ACTIONS.retract, {
      lease_id: '',
      command_id: 'b1',
      stamp: h.robot.clock.now(),
      speed_mm_per_s: 1,
    });
    expect(g.result!.success).toBe(false);
    expect(String(g.result!.reason)).toMatch(/no lease/);
    const g2 = h.goal(ACTIONS.retract, {
      lease_id: 'a'.repeat(32),
      command_id: 'b2',
      stamp: h.robot.clock.now(),
      speed_mm_per_s: 1,
    });
    expect(String(g2.result!.reason)).toMatch(/held by alice/);
    // Release, then Bob may claim.
    expect((await h.call(SERVICES.releaseControl, { lease_id: h.leaseId })).success).toBe(true);
    expect((await h.claim('bob')).granted).toBe(true);
  });

  it('answers a flood of 1000 invalid goals, executes none, and stays healthy', async () => {
    await atPreEntry();
    const executed = h.robot.counters.executed;
    const goals = Array.from({ length: 1000 }, (_, i) =>
      h.goal(ACTIONS.insert, {
        lease_id: i % 2 ? '' : 'x'.repeat(32),
        command_id: `flood-${i}`,
        stamp: h.robot.clock.now(),
        trajectory_id: 'T1',
        depth_mm: 5,
        speed_mm_per_s: 1,
        on_deadman: 'hold',
      }),
    );
    h.run(0.1);
    expect(goals.every((g) => g.status === GoalStatus.ABORTED && g.result!.success === false)).toBe(true);
    expect(h.robot.counters.executed).toBe(executed);
    expect(h.robot.currentPhase).toBe('at_pre_entry');
    const ok = h.insert(2, 2);
    h.runUntil(ok, 20);
    expect(ok.status).toBe(GoalStatus.SUCCEEDED);
  });
});

describe('goal validation', () => {
  it('refuses NaN, out-of-limit and out-of-workspace values, unknown trajectories and bad stamps', async () => {
    await atPreEntry();
    const base = () => ({
      ...h.fields(),
      trajectory_id: 'T1',
      depth_mm: 2,
      speed_mm_per_s: 1,
      on_deadman: 'hold',
    });
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ depth_mm: Number.NaN }, /depth_mm must be a finite number/],
      [{ depth_mm: Infinity }, /depth_mm must be a finite number/],
      [{ speed_mm_per_s: 50 }, /speed_mm_per_s = 50 mm\/s is out of limits/],
      [{ speed_mm_per_s: -1 }, /out of limits/],
      [{ depth_mm: 80 }, /out of the workspace/],
      [{ depth_mm: -1 }, /out of the workspace/],
      [{ trajectory_id: 'T9' }, /unknown trajectory "T9"/],
      [{ on_deadman: 'continue' }, /on_deadman must be/],
      [{ stamp: { sec: 1_800_000_000 - 100, nanosec: 0 } }, /stale/],
      [{ stamp: { sec: 1_800_000_000 + 100, nanosec: 0 } }, /in the future/],
      [{ stamp: { sec: Number.NaN, nanosec: 0 } }, /stamp is missing or not a valid/],
      [{ command_id: '' }, /command_id must be/],
    ];
    for (const [patch, reason] of cases) {
      const r = h.goal(ACTIONS.insert, { ...base(), ...patch });
      expect(r.status, JSON.stringify(patch)).toBe(GoalStatus.ABORTED);
      expect(String(r.result!.reason), JSON.stringify(patch)).toMatch(reason);
    }
    const ins = h.insert(2, 2);
    h.runUntil(ins, 10);
    expect(ins.status).toBe(GoalStatus.SUCCEEDED);
  });

  it('refuses a queued command replayed later: stale stamp and duplicate id', async () => {
    await atPreEntry();
    const goal = {
      ...h.fields('resume-42'),
      trajectory_id: 'T1',
      depth_mm: 1,
      speed_mm_per_s: 2,
      on_deadman: 'hold',
    };
    const first = h.goal(ACTIONS.insert, goal);
    h.runUntil(first, 10);
    expect(first.status).toBe(GoalStatus.SUCCEEDED);
    h.run(2); // the client was offline; its queue is flushed on reconnect
    const replay = h.goal(ACTIONS.insert, goal);
    expect(replay.status).toBe(GoalStatus.ABORTED);
    expect(String(replay.result!.reason)).toMatch(/already used/);
    expect(String(replay.result!.reason)).toMatch(/stale/);
  });

  it('keeps the trajectory controller internal and validates its goals', async () => {
    h = await Harness.create();
    await h.claim();
    h.beat();
    const names = h.robot.chain.joints.map((j) => j.name);
    const point = (positions: number[], sec: number) => ({ positions, time_from_start: { sec, nanosec: 0 } });
    const traj = (points: unknown[], jointNames = names) => ({
      trajectory: { joint_names: jointNames, points },
    });
    const fromBridge = h.goal(
      ACTIONS.followJointTrajectory,
      traj([point([0.1, 0, 0, 0, 0, 0, 0], 1)]),
      bridgePeer,
    );
    expect(fromBridge.result!.error_code).toBe(-1);
    const badNames = h.goal(
      ACTIONS.followJointTrajectory,
      traj([point([0, 0, 0, 0, 0, 0, 0], 1)], ['a', ...names.slice(1)]),
    );
    expect(badNames.result!.error_code).toBe(-2);
    const tooFast = h.goal(ACTIONS.followJointTrajectory, traj([point([2, 0, 0, 0, 0, 0, 0], 1)]));
    expect(String(tooFast.result!.error_string)).toMatch(/would move at/);
    const outOfLimits = h.goal(ACTIONS.followJointTrajectory, traj([point([0, 0, 0, 0, 0, 0, 0.5], 200)]));
    expect(String(outOfLimits.result!.error_string)).toMatch(/outside its limits/);
    const order = h.goal(
      ACTIONS.followJointTrajectory,
      traj([point([0.1, 0, 0, 0, 0, 0, 0], 2), point([0.2, 0, 0, 0, 0, 0, 0], 1)]),
    );
    expect(String(order.result!.error_string)).toMatch(/not after the previous point/);
    const ok = h.goal(ACTIONS.followJointTrajectory, traj([point([0.2, 0, 0, 0, 0, 0, 0.001], 1)]));
    h.runUntil(ok, 3);
    expect(ok.result!.error_code).toBe(0);
    expect(h.robot.joints()[0]).toBeCloseTo(0.2, 12);
    expect(h.robot.joints()[6]).toBeCloseTo(1, 9); // 1 mm in the library's units
  });
});

describe('plan and registration gates', () => {
  const loadWith = async (plan: Plan, sha: string) =>
    h.call(SERVICES.loadPlan, {
      lease_id: h.leaseId,
      plan_json: planFileFields(plan).plan_json,
      plan_sha256: sha,
    });

  it('refuses unapproved plans, a wrong hash, a void approval; motion needs a plan', async () => {
    h = await Harness.create();
    await h.claim();
    h.beat();
    const noPlan = h.moveToPreEntry('T1');
    expect(String(noPlan.result!.reason)).toMatch(/no approved plan is loaded/);
    const unapproved = demoPlan({ approved: false });
    const r1 = await loadWith(unapproved, planContentSha256(unapproved));
    expect(r1.accepted).toBe(false);
    expect(String(r1.reason)).toMatch(/not approved/);
    const approved = demoPlan();
    const r2 = await loadWith(approved, '0'.repeat(64));
    expect(r2.accepted).toBe(false);
    expect(String(r2.reason)).toMatch(/does not match plan_sha256/);
    const edited = structuredClone(approved);
    edited.constraints = {
      ...edited.constraints,
      maxEntryAngleDeg: (edited.constraints.maxEntryAngleDeg ?? 30) + 1,
    };
    const r3 = await loadWith(edited, planContentSha256(edited));
    expect(r3.accepted).toBe(false);
    expect(String(r3.reason)).toMatch(/approval is void/);
    const r4 = await h.call(SERVICES.loadPlan, { lease_id: '', ...planFileFields(approved) });
    expect(r4.accepted).toBe(false);
    const r5 = await h.loadDemoPlan(approved);
    expect(r5.accepted).toBe(true);
    expect(r5.trajectory_ids).toEqual(['T1', 'T2']);
    const notRegistered = h.moveToPreEntry('T1');
    expect(String(notRegistered.result!.reason)).toMatch(/not registered/);
  });

  it('refuses a registration over the FRE or predicted-TRE limit', async () => {
    h = await Harness.create({ maxTreMm: 1 });
    await h.claim();
    h.beat();
    await h.loadDemoPlan();
    const noisy = await h.registerDemo(demoFiducials({ noiseMm: 1.5, seed: 3 }));
    expect(noisy.success).toBe(false);
    expect(String(noisy.reason)).toMatch(/fiducial registration error|re-touch/);
    expect(noisy.fre_mm as number).toBeGreaterThan(1);
    // Four fiducials clustered within 10 mm, far from the targets: a large predicted TRE (FLE 0.25 mm).
    const clustered = await h.registerDemo(
      demoFiducials({
        noiseMm: 0,
        imageLps: [
          [60, 0, 80],
          [70, 0, 80],
          [65, 8, 80],
          [65, 4, 88],
        ],
      }),
    );
    expect(clustered.success).toBe(false);
    expect(String(clustered.reason)).toMatch(/target registration error/);
    expect(clustered.predicted_tre_mm as number).toBeGreaterThan(1);
    expect(h.robot.registered).toBe(false);
    const move = h.moveToPreEntry('T1');
    expect(String(move.result!.reason)).toMatch(/registration refused/);
    const good = await h.registerDemo();
    expect(good.success).toBe(true);
    expect(good.fre_mm as number).toBeLessThan(0.2);
    expect(good.fiducial_count).toBe(6);
  });
});
