/**
 * The bridge with the message definitions of @neuroplan/ros-messages (the default codec): partial messages are
 * completed with defaults, a missing header gets the current time, wrong fields are refused with their paths,
 * base64 uint8[] becomes bytes, and CBOR carries numeric arrays as typed arrays as rosbridge_suite does
 * (float64[] → Float64Array). Expected values follow the ROS 2 definitions (defaults: 0, "", [], false).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GoalStatus } from '../src/graph.ts';
import { RawClient, connectRos, startBench, until, type Bench, ROSLIB } from './bridgeHarness.ts';

let bench: Bench | undefined;
const closers: Array<() => void> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) c();
  await bench?.server.close();
  bench = undefined;
});

describe('message definitions', () => {
  it('fills a partial JointState from roslib, stamps an omitted header, and refuses wrong fields by path', async () => {
    bench = await startBench();
    const seen: Array<Record<string, unknown>> = [];
    bench.graph.subscribe('/operator/joint_goal', 'sensor_msgs/msg/JointState', (m) =>
      seen.push(m as Record<string, unknown>),
    );
    const ros = await connectRos(bench.server.url);
    closers.push(() => ros.close());
    const t = new ROSLIB.Topic({
      ros,
      name: '/operator/joint_goal',
      messageType: 'sensor_msgs/msg/JointState',
    });
    const before = Date.now();
    t.publish({ name: ['j1'], position: [0.5] });
    await until(() => seen.length === 1);
    const m = seen[0]!;
    expect(m.name).toEqual(['j1']);
    expect(m.position).toEqual([0.5]);
    expect(m.velocity).toEqual([]);
    expect(m.effort).toEqual([]);
    const header = m.header as { stamp: { sec: number; nanosec: number }; frame_id: string };
    expect(header.frame_id).toBe('');
    const stampMs = header.stamp.sec * 1000 + header.stamp.nanosec / 1e6;
    expect(stampMs).toBeGreaterThanOrEqual(before - 1);
    expect(stampMs).toBeLessThanOrEqual(Date.now() + 1);
    // A stamp the client gives is kept.
    t.publish({ header: { stamp: { sec: 7, nanosec: 8 } } });
    await until(() => seen.length === 2);
    expect((seen[1]!.header as { stamp: unknown }).stamp).toEqual({ sec: 7, nanosec: 8 });

    const raw = await RawClient.connect(bench.server.url);
    closers.push(() => raw.close());
    raw.send({
      op: 'publish',
      id: 'p1',
      topic: '/operator/joint_goal',
      msg: { position: 'fast', colour: 'red' },
    });
    const st = await raw.next('status');
    expect(st.id).toBe('p1');
    expect(st.msg).toMatch(/^publish: invalid sensor_msgs\/msg\/JointState: /);
    expect(st.msg).toMatch(/position: /);
    expect(st.msg).toMatch(/colour: unknown field/);
    expect(seen.length).toBe(2);
  });

  it('turns base64 uint8[] into bytes for the graph and sends bytes back as base64 in JSON', async () => {
    bench = await startBench();
    const seen: unknown[] = [];
    bench.graph.subscribe('/ids', 'unique_identifier_msgs/msg/UUID', (m) => seen.push(m));
    const raw = await RawClient.connect(bench.server.url);
    closers.push(() => raw.close());
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => i * 16 + 1);
    raw.send({ op: 'advertise', topic: '/ids', type: 'unique_identifier_msgs/msg/UUID' });
    raw.send({ op: 'subscribe', topic: '/ids' });
    raw.send({ op: 'publish', topic: '/ids', msg: { uuid: Buffer.from(bytes).toString('base64') } });
    await until(() => seen.length === 1);
    expect((seen[0] as { uuid: Uint8Array }).uuid).toEqual(bytes);
    const [echoed] = await raw.waitFor('publish', 1);
    expect(echoed!.msg).toEqual({ uuid: Buffer.from(bytes).toString('base64') });
  });

  it('CBOR sends float64[] and uint32[] fields given as plain arrays as typed arrays (rosbridge tags 86, 70)', async () => {
    bench = await startBench();
    const pub = bench.graph.advertise('/joint_states', 'sensor_msgs/msg/JointState');
    const pubSnip = bench.graph.advertise('/bci/snippets', 'neuroplan_interfaces/msg/BciSnippet');
    const ros = await connectRos(bench.server.url);
    closers.push(() => ros.close());
    const got: Array<Record<string, unknown>> = [];
    new ROSLIB.Topic<Record<string, unknown>>({
      ros,
      name: '/joint_states',
      messageType: 'sensor_msgs/msg/JointState',
      compression: 'cbor',
    }).subscribe((m) => got.push(m));
    new ROSLIB.Topic<Record<string, unknown>>({
      ros,
      name: '/bci/snippets',
      messageType: 'neuroplan_interfaces/msg/BciSnippet',
      compression: 'cbor',
    }).subscribe((m) => got.push(m));
    await until(() => bench!.server.clients()[0]?.subscriptions.length === 2);
    pub.publish({
      header: { stamp: { sec: 1, nanosec: 0 }, frame_id: 'world' },
      name: ['a', 'b'],
      position: [0.25, -1],
      velocity: [],
      effort: [3, 4],
    });
    pubSnip.publish({
      header: { stamp: { sec: 2, nanosec: 0 }, frame_id: '' },
      sample_rate_hz: 30000,
      channels: [4, 5],
      sample_count: 1,
      data_uv: [1.5, -2.5],
    });
    await until(() => got.length === 2);
    const js = got[0]!;
    expect(js.position).toBeInstanceOf(Float64Array);
    expect(Array.from(js.position as Float64Array)).toEqual([0.25, -1]);
    expect(js.velocity).toBeInstanceOf(Float64Array);
    expect(js.name).toEqual(['a', 'b']);
    expect(js.header).toEqual({ stamp: { sec: 1, nanosec: 0 }, frame_id: 'world' });
    const sn = got[1]!;
    expect(sn.channels).toBeInstanceOf(Uint32Array);
    expect(Array.from(sn.channels as Uint32Array)).toEqual([4, 5]);
    expect(sn.data_uv).toBeInstanceOf(Float32Array);
    expect(Array.from(sn.data_uv as Float32Array)).toEqual([1.5, -2.5]);
  });

  it('fills service requests and action goals; refuses invalid ones in the response / result', async () => {
    bench = await startBench();
    const requests: unknown[] = [];
    bench.graph.advertiseService(
      '/robot/release_control',
      'neuroplan_interfaces/srv/ReleaseControl',
      (req) => {
        requests.push(req);
        return { success: true };
      },
    );
    const goals: unknown[] = [];
    bench.graph.advertiseAction('/robot/retract', 'neuroplan_interfaces/action/Retract', {
      onGoal: (g) => {
        goals.push(g.goal);
        g.succeed({ success: true });
      },
    });
    const raw = await RawClient.connect(bench.server.url);
    closers.push(() => raw.close());
    raw.send({ op: 'call_service', id: 'c1', service: '/robot/release_control', args: {} });
    expect(await raw.next('service_response')).toEqual({
      op: 'service_response',
      id: 'c1',
      service: '/robot/release_control',
      values: { success: true },
      result: true,
    });
    expect(requests).toEqual([{ lease_id: '' }]);
    raw.send({ op: 'call_service', id: 'c2', service: '/robot/release_control', args: { lease_id: 5 } });
    const bad = await raw.next('service_response');
    expect(bad).toMatchObject({ id: 'c2', result: false });
    expect(bad.values).toMatch(/invalid neuroplan_interfaces\/srv\/ReleaseControl_Request: lease_id: /);
    raw.send({
      op: 'send_action_goal',
      id: 'g1',
      action: '/robot/retract',
      action_type: 'neuroplan_interfaces/action/Retract',
      args: { lease_id: 'L', speed_mm_per_s: 1 },
    });
    expect(await raw.next('action_result')).toMatchObject({
      id: 'g1',
      status: GoalStatus.SUCCEEDED,
      result: true,
    });
    expect(goals[0]).toMatchObject({
      lease_id: 'L',
      command_id: '',
      speed_mm_per_s: 1,
      stamp: { sec: 0, nanosec: 0 },
    });
    raw.send({
      op: 'send_action_goal',
      id: 'g2',
      action: '/robot/retract',
      action_type: 'neuroplan_interfaces/action/Retract',
      args: { speed_mm_per_s: 'slow' },
    });
    const r2 = await raw.next('action_result');
    expect(r2).toMatchObject({ id: 'g2', status: GoalStatus.ABORTED, result: false });
    expect(r2.values).toMatch(/invalid neuroplan_interfaces\/action\/Retract_Goal: speed_mm_per_s: /);
    expect(goals.length).toBe(1);
  });
});
