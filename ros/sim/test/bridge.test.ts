/**
 * The bridge against the real roslib 2.x client over a real WebSocket (ephemeral port): topics, services,
 * actions, compression, fragments and reconnect. Expected values are the messages the test itself sends
 * through the graph (the bridge must deliver them unchanged, in the rosbridge JSON/CBOR mapping).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GoalStatus, type ClientGoal, type ServerGoal } from '../src/graph.ts';
import {
  RawClient,
  connectRos,
  startBench,
  until,
  sleep,
  type Bench,
  ROSLIB,
  type RosLibTypes,
} from './bridgeHarness.ts';

let bench: Bench | undefined;
const rosClients: RosLibTypes.Ros[] = [];
async function setup(opts = {}) {
  bench = await startBench(opts);
  return bench;
}
async function client(url: string) {
  const ros = await connectRos(url);
  rosClients.push(ros);
  return ros;
}

afterEach(async () => {
  for (const r of rosClients.splice(0)) r.close();
  await bench?.server.close();
  bench = undefined;
});

describe('topics', () => {
  it('delivers graph messages to a roslib subscriber and client publishes to the graph', async () => {
    const { graph, server } = await setup();
    const pub = graph.advertise('/chatter', 'std_msgs/msg/String');
    const ros = await client(server.url);
    const got: unknown[] = [];
    const topic = new ROSLIB.Topic({ ros, name: '/chatter', messageType: 'std_msgs/msg/String' });
    topic.subscribe((m) => got.push(m));
    await until(() => server.clients()[0]?.subscriptions.length === 1, 3000, 'subscription');
    pub.publish({ data: 'hello' });
    pub.publish({ data: 'world' });
    await until(() => got.length === 2);
    expect(got).toEqual([{ data: 'hello' }, { data: 'world' }]);

    const fromClient: unknown[] = [];
    graph.subscribe('/cmd', 'std_msgs/msg/Float64', (m, peer) =>
      fromClient.push({ m, bridge: peer.viaBridge }),
    );
    const cmd = new ROSLIB.Topic({ ros, name: '/cmd', messageType: 'std_msgs/msg/Float64' });
    cmd.publish({ data: 1.5 });
    await until(() => fromClient.length === 1);
    expect(fromClient[0]).toEqual({ m: { data: 1.5 }, bridge: true });
    cmd.unadvertise();
    topic.unsubscribe();
    await until(
      () => server.clients()[0]?.subscriptions.length === 0 && server.clients()[0]!.publishing.length === 0,
    );
  });
});

/** roslib 2.1.0 has no callServiceAsync: its callback form, as a promise. */
function call<T>(svc: RosLibTypes.Service<unknown, T>, req: unknown, timeoutS?: number): Promise<T> {
  return new Promise<T>((resolve, reject) =>
    svc.callService(req, resolve, (e) => reject(new Error(String(e))), timeoutS),
  );
}

describe('topics: rosbridge options', () => {
  it('a publisher that reuses and changes one message object is encoded afresh for every publication', async () => {
    const { graph, server } = await setup();
    const pub = graph.advertise('/reused', 'std_msgs/msg/String');
    const a: unknown[] = [];
    const b: unknown[] = [];
    for (const [sink, compression] of [
      [a, 'none'],
      [b, 'cbor'],
    ] as const) {
      const ros = await client(server.url);
      new ROSLIB.Topic({ ros, name: '/reused', messageType: 'std_msgs/msg/String', compression }).subscribe(
        (m) => sink.push(m),
      );
    }
    await until(() => server.clients().filter((c) => c.subscriptions.length === 1).length === 2);
    const msg = { data: 'first' };
    pub.publish(msg);
    msg.data = 'second';
    pub.publish(msg);
    await until(() => a.length === 2 && b.length === 2);
    expect(a).toEqual([{ data: 'first' }, { data: 'second' }]);
    expect(b).toEqual([{ data: 'first' }, { data: 'second' }]);
  });

  it('throttle_rate without a queue drops messages that arrive within the interval', async () => {
    const { graph, server } = await setup();
    const pub = graph.advertise('/fast', 'std_msgs/msg/UInt32');
    const ros = await client(server.url);
    const got: number[] = [];
    new ROSLIB.Topic<{ data: number }>({
      ros,
      name: '/fast',
      messageType: 'std_msgs/msg/UInt32',
      throttle_rate: 100,
    }).subscribe((m) => got.push(m.data));
    await until(() => server.clients()[0]?.subscriptions.length === 1);
    // A burst (microseconds long): only its first message passes; after the interval the next burst's first.
    for (let i = 0; i < 30; i++) pub.publish({ data: i });
    await sleep(130);
    for (let i = 100; i < 130; i++) pub.publish({ data: i });
    await until(() => got.length === 2);
    await sleep(50);
    expect(got).toEqual([0, 100]);
    expect(server.clients()[0]!.subscriptions[0]!.received).toBe(60);
  });

  it('queue_length with throttle keeps the newest messages and sends them one per interval', async () => {
    const { graph, server } = await setup();
    const pub = graph.advertise('/burst', 'std_msgs/msg/UInt32');
    const ros = await client(server.url);
    const got: number[] = [];
    new ROSLIB.Topic<{ data: number }>({
      ros,
      name: '/burst',
      messageType: 'std_msgs/msg/UInt32',
      throttle_rate: 40,
      queue_length: 3,
    }).subscribe((m) => got.push(m.data));
    await until(() => server.clients()[0]?.subscriptions.length === 1);
    for (let i = 0; i < 20; i++) pub.publish({ data: i }); // one burst: 0 goes out, 17..19 wait, the rest drop
    await until(() => got.length === 4, 2000, 'four messages');
    await sleep(100);
    expect(got).toEqual([0, 17, 18, 19]);
    const info = server.clients()[0]!.subscriptions[0]!;
    expect(info.dropped).toBe(16);
  });

  it('several roslib Topics on one topic share one bridge subscription; unsubscribe by id keeps the other', async () => {
    const { graph, server } = await setup();
    const pub = graph.advertise('/shared', 'std_msgs/msg/String');
    const ros = await client(server.url);
    const a: unknown[] = [];
    const b: unknown[] = [];
    const ta = new ROSLIB.Topic({ ros, name: '/shared', messageType: 'std_msgs/msg/String' });
    const tb = new ROSLIB.Topic({ ros, name: '/shared', messageType: 'std_msgs/msg/String' });
    ta.subscribe((m) => a.push(m));
    tb.subscribe((m) => b.push(m));
    await sleep(50);
    pub.publish({ data: 'x' });
    await until(() => a.length === 1 && b.length === 1);
    ta.unsubscribe();
    await sleep(50);
    expect(server.clients()[0]!.subscriptions.length).toBe(1);
    pub.publish({ data: 'y' });
    await until(() => b.length === 2);
    expect(b).toEqual([{ data: 'x' }, { data: 'y' }]);
  });

  it('a latched topic reaches a late subscriber at once', async () => {
    const { graph, server } = await setup();
    graph
      .advertise('/robot_description', 'std_msgs/msg/String', { latched: true })
      .publish({ data: '<robot/>' });
    const ros = await client(server.url);
    const got: unknown[] = [];
    new ROSLIB.Topic({ ros, name: '/robot_description', messageType: 'std_msgs/String' }).subscribe((m) =>
      got.push(m),
    );
    await until(() => got.length === 1);
    expect(got[0]).toEqual({ data: '<robot/>' });
  });

  it('compression cbor: typed arrays arrive as typed arrays, bytes as Uint8Array; JSON gets arrays and base64', async () => {
    const { graph, server } = await setup();
    const pub = graph.advertise('/bci/snippets', 'neuroplan_interfaces/msg/BciSnippet');
    const data = new Float32Array(32 * 30).map((_, i) => Math.sin(i) * 100);
    const msg = {
      header: { stamp: { sec: 1, nanosec: 2 }, frame_id: 'x' },
      sample_rate_hz: 30000,
      channels: new Uint32Array([0, 1, 2]),
      sample_count: 30,
      data_uv: data,
      raw: new Uint8Array([1, 2, 250]),
    };
    const ros = await client(server.url);
    const viaCbor: Array<Record<string, unknown>> = [];
    const viaJson: Array<Record<string, unknown>> = [];
    new ROSLIB.Topic<Record<string, unknown>>({
      ros,
      name: '/bci/snippets',
      messageType: 'neuroplan_interfaces/msg/BciSnippet',
      compression: 'cbor',
    }).subscribe((m) => viaCbor.push(m));
    const ros2 = await client(server.url);
    new ROSLIB.Topic<Record<string, unknown>>({
      ros: ros2,
      name: '/bci/snippets',
      messageType: 'neuroplan_interfaces/msg/BciSnippet',
    }).subscribe((m) => viaJson.push(m));
    await until(
      () => server.clients().every((c) => c.subscriptions.length === 1) && server.clients().length === 2,
    );
    pub.publish(msg);
    await until(() => viaCbor.length === 1 && viaJson.length === 1);
    const c = viaCbor[0]!;
    expect(c.data_uv).toBeInstanceOf(Float32Array);
    expect(Array.from(c.data_uv as Float32Array)).toEqual(Array.from(data));
    expect(c.channels).toBeInstanceOf(Uint32Array);
    expect(c.raw).toBeInstanceOf(Uint8Array);
    expect(Array.from(c.raw as Uint8Array)).toEqual([1, 2, 250]);
    expect(c.header).toEqual(msg.header);
    const j = viaJson[0]!;
    expect(j.data_uv).toEqual(Array.from(data));
    expect(j.channels).toEqual([0, 1, 2]);
    expect(j.raw).toBe(Buffer.from([1, 2, 250]).toString('base64'));
  });

  it('refuses png compression with a reason', async () => {
    const { graph, server } = await setup();
    graph.advertise('/img', 'std_msgs/msg/String');
    const ros = await client(server.url);
    const statuses: Array<{ msg: string }> = [];
    ros.on('status', (s) => statuses.push(s as { msg: string }));
    const t = new ROSLIB.Topic({ ros, name: '/img', messageType: 'std_msgs/String', compression: 'png' });
    t.subscribe(() => undefined);
    // roslib routes a status with an id to `status:<id>`.
    const got: Array<{ msg: string }> = [];
    ros.on(`status:${t.subscribeId!}`, (s) => got.push(s as { msg: string }));
    await until(() => got.length === 1);
    expect(got[0]!.msg).toMatch(/compression "png" is not supported/);
    expect(server.clients()[0]!.subscriptions).toEqual([]);
  });
});

describe('services', () => {
  it('calls a graph service: success, failure with the message, timeout, unknown service', async () => {
    const { graph, server } = await setup();
    graph.advertiseService('/add', 'example_interfaces/srv/AddTwoInts', (req) => {
      const { a, b } = req as { a: number; b: number };
      return { sum: a + b };
    });
    graph.advertiseService('/fail', 'std_srvs/srv/Trigger', () => {
      throw new Error('not today');
    });
    graph.advertiseService('/slow', 'std_srvs/srv/Trigger', () => new Promise(() => undefined));
    const ros = await client(server.url);
    const add = new ROSLIB.Service<unknown, { sum: number }>({
      ros,
      name: '/add',
      serviceType: 'example_interfaces/srv/AddTwoInts',
    });
    await expect(call(add, { a: 2, b: 40 })).resolves.toEqual({ sum: 42 });
    const fail = new ROSLIB.Service({ ros, name: '/fail', serviceType: 'std_srvs/srv/Trigger' });
    await expect(call(fail, {})).rejects.toThrow('not today');
    const slow = new ROSLIB.Service({ ros, name: '/slow', serviceType: 'std_srvs/srv/Trigger' });
    const t0 = Date.now();
    await expect(call(slow, {}, 0.2)).rejects.toThrow(/did not answer within 0.2 s/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    const none = new ROSLIB.Service({ ros, name: '/nobody', serviceType: 'std_srvs/srv/Trigger' });
    await expect(call(none, {})).rejects.toThrow(/service \/nobody does not exist/);
  });

  it('a client-advertised service is called from the graph and answers through the bridge', async () => {
    const { graph, server } = await setup();
    const ros = await client(server.url);
    const svc = new ROSLIB.Service<{ a: number; b: number }, { sum: number }>({
      ros,
      name: '/client_add',
      serviceType: 'example_interfaces/srv/AddTwoInts',
    });
    await svc.advertiseAsync(async (req) => {
      if (req.a < 0) throw new Error('negative');
      return { sum: req.a + req.b };
    });
    await until(() => graph.serviceType('/client_add') !== undefined);
    await expect(graph.callService('/client_add', { a: 1, b: 2 })).resolves.toEqual({ sum: 3 });
    await expect(graph.callService('/client_add', { a: -1, b: 2 })).rejects.toThrow(/negative/);
    // Another bridge client calls it too.
    const other = await client(server.url);
    const caller = new ROSLIB.Service<unknown, { sum: number }>({
      ros: other,
      name: '/client_add',
      serviceType: 'example_interfaces/srv/AddTwoInts',
    });
    await expect(call(caller, { a: 5, b: 6 })).resolves.toEqual({ sum: 11 });
    // Its provider disconnects: a call in flight fails with a reason and the service leaves the graph.
    await svc.unadvertise();
    await until(() => graph.serviceType('/client_add') === undefined);
    await svc.advertiseAsync(() => new Promise(() => undefined));
    await until(() => graph.serviceType('/client_add') !== undefined);
    const pending = graph.callService('/client_add', { a: 1, b: 1 });
    await sleep(30);
    ros.close();
    await expect(pending).rejects.toThrow(/provider disconnected/);
    await until(() => graph.serviceType('/client_add') === undefined);
  });
});

describe('actions', () => {
  function fibonacciServer(bench: Bench) {
    const goals: Array<ServerGoal> = [];
    bench.graph.advertiseAction('/fibonacci', 'example_interfaces/action/Fibonacci', {
      onGoal(goal) {
        goals.push(goal);
        const { order } = goal.goal as { order: number };
        if (order < 0) return goal.abort({ sequence: [], error: 'order must not be negative' });
        const seq = [0, 1];
        let i = 0;
        const timer = setInterval(() => {
          if (goal.cancelRequested) {
            clearInterval(timer);
            return goal.canceled({ sequence: seq });
          }
          if (i++ >= order) {
            clearInterval(timer);
            return goal.succeed({ sequence: seq });
          }
          seq.push(seq.at(-1)! + seq.at(-2)!);
          goal.publishFeedback({ sequence: [...seq] });
        }, 10);
      },
    });
    return goals;
  }

  it('sendGoal gets feedback and the result; cancel and abort reach roslib as failures with the status', async () => {
    const b = await setup();
    const goals = fibonacciServer(b);
    const ros = await client(b.server.url);
    const action = new ROSLIB.Action<{ order: number }, { sequence: number[] }, { sequence: number[] }>({
      ros,
      name: '/fibonacci',
      actionType: 'example_interfaces/action/Fibonacci',
    });
    const feedback: number[][] = [];
    const result = await new Promise<{ sequence: number[] }>((resolve, reject) =>
      action.sendGoal({ order: 5 }, resolve, (f) => feedback.push(f.sequence), reject),
    );
    expect(result.sequence).toEqual([0, 1, 1, 2, 3, 5, 8]);
    expect(feedback.length).toBe(5);
    expect(feedback.at(-1)).toEqual([0, 1, 1, 2, 3, 5, 8]);
    expect(goals[0]!.caller.viaBridge).toBe(true);

    // Cancel: the server finishes with CANCELED and roslib reports "Action was canceled" with the result JSON.
    const canceled = new Promise<string>((resolve, reject) => {
      const id = action.sendGoal(
        { order: 1000 },
        () => reject(new Error('should not succeed')),
        undefined,
        resolve,
      )!;
      setTimeout(() => action.cancelGoal(id), 50);
    });
    const canceledText = await canceled;
    expect(canceledText).toMatch(/^GoalError: Action was canceled: \{"sequence":\[0,1,/);

    const aborted = await new Promise<string>((resolve, reject) =>
      action.sendGoal({ order: -1 }, () => reject(new Error('should not succeed')), undefined, resolve),
    );
    expect(aborted).toContain('Action was aborted');
    expect(aborted).toContain('order must not be negative');
  });

  it('reports the action status codes on the wire (raw frames) and refuses the trajectory controller', async () => {
    const b = await setup();
    fibonacciServer(b);
    b.graph.advertiseAction(
      '/joint_trajectory_controller/follow_joint_trajectory',
      'control_msgs/action/FollowJointTrajectory',
      {
        onGoal: (g) => g.succeed({}),
      },
    );
    const raw = await RawClient.connect(b.server.url);
    raw.send({
      op: 'send_action_goal',
      id: 'g1',
      action: '/fibonacci',
      action_type: 'example_interfaces/action/Fibonacci',
      args: { order: 2 },
      feedback: false,
    });
    const r1 = await raw.next('action_result');
    expect(r1).toEqual({
      op: 'action_result',
      id: 'g1',
      action: '/fibonacci',
      values: { sequence: [0, 1, 1, 2] },
      status: GoalStatus.SUCCEEDED,
      result: true,
    });
    expect(raw.ops('action_feedback')).toEqual([]);
    raw.send({
      op: 'send_action_goal',
      id: 'g2',
      action: '/joint_trajectory_controller/follow_joint_trajectory',
      action_type: 'control_msgs/action/FollowJointTrajectory',
      args: {},
    });
    const r2 = await raw.next('action_result');
    expect(r2).toMatchObject({ id: 'g2', status: GoalStatus.ABORTED, result: false });
    expect(r2.values).toMatch(/refused by this bridge's access rules/);
    raw.send({ op: 'send_action_goal', id: 'g3', action: '/nothing', action_type: 'x/action/Y', args: {} });
    const r3 = await raw.next('action_result');
    expect(r3).toMatchObject({
      id: 'g3',
      status: GoalStatus.ABORTED,
      result: false,
      values: 'send_action_goal: action /nothing does not exist',
    });
    raw.close();
  });

  it('a client-side action server (roslib Action.advertise) serves graph goals, feedback, cancel and failure', async () => {
    const b = await setup();
    const ros = await client(b.server.url);
    const server = new ROSLIB.Action<{ n: number }, { done: number }, { total: number }>({
      ros,
      name: '/count',
      actionType: 'test_msgs/action/Count',
    });
    const cancels: string[] = [];
    server.advertise(
      (goal, id) => {
        if (goal.n < 0) return server.setFailed(id);
        if (goal.n === 0) return; // waits for cancel
        server.sendFeedback(id, { done: 1 });
        server.setSucceeded(id, { total: goal.n * 2 });
      },
      (id) => {
        cancels.push(id);
        server.setCanceled(id, { total: -1 });
      },
    );
    await until(() => b.graph.actionType('/count') !== undefined);
    const run = (n: number) =>
      new Promise<{
        status: number;
        result: unknown;
        feedback: unknown[];
        goal: ClientGoal;
      }>((resolve) => {
        const feedback: unknown[] = [];
        const goal = b.graph.sendActionGoal(
          '/count',
          { n },
          {
            onFeedback: (f) => feedback.push(f),
            onResult: (status, result) => resolve({ status, result, feedback, goal }),
          },
        );
        if (n === 0) setTimeout(() => goal.cancel(), 50);
      });
    await expect(run(21)).resolves.toMatchObject({
      status: GoalStatus.SUCCEEDED,
      result: { total: 42 },
      feedback: [{ done: 1 }],
    });
    await expect(run(-1)).resolves.toMatchObject({ status: GoalStatus.ABORTED });
    const c = await run(0);
    expect(c.status).toBe(GoalStatus.CANCELED);
    expect(c.result).toEqual({ total: -1 });
    expect(cancels.length).toBe(1);
  });
});

describe('fragments', () => {
  it('server→client: a client fragment_size splits large messages; roslib reassembles them', async () => {
    const { graph, server } = await setup();
    const pub = graph.advertise('/big', 'std_msgs/msg/String');
    const text = 'ü-'.repeat(200) + '😀'.repeat(20); // multi-byte characters and surrogate pairs across cuts
    const ros = await client(server.url);
    const got: unknown[] = [];
    ros.on('/big', (m) => got.push((m as { msg: unknown }).msg));
    ros.callOnConnection({
      op: 'subscribe',
      id: 'sub-big',
      topic: '/big',
      type: 'std_msgs/msg/String',
      fragment_size: 37,
    } as never);
    const raw = await RawClient.connect(server.url);
    raw.send({ op: 'subscribe', id: 'raw-big', topic: '/big', fragment_size: 100 });
    await until(
      () => server.clients().every((c) => c.subscriptions.length === 1) && server.clients().length === 2,
    );
    pub.publish({ data: text });
    await until(() => got.length === 1);
    expect(got[0]).toEqual({ data: text });
    // What travelled: fragments of at most 100 characters of the JSON text, numbered 0..total-1.
    const frags = await raw.waitFor('fragment', 1);
    await until(() => raw.ops('fragment').length === (frags[0]!.total as number));
    const all = raw.ops('fragment');
    expect(all.map((f) => f.num)).toEqual([...all.keys()]);
    expect(all.every((f) => (f.data as string).length <= 100)).toBe(true);
    const joined = JSON.parse(all.map((f) => f.data as string).join(''));
    expect(joined).toEqual({ op: 'publish', topic: '/big', msg: { data: text } });
    raw.close();
  });

  it('client→server: fragments in any order are reassembled; incomplete ones time out with a reason', async () => {
    const { graph, server } = await setup({ fragmentTimeoutS: 0.2 });
    graph.advertiseService('/echo', 'test_msgs/srv/Echo', (req) => req);
    const seen: unknown[] = [];
    graph.subscribe('/in', 'std_msgs/msg/String', (m) => seen.push(m));
    const raw = await RawClient.connect(server.url);
    const big = 'x'.repeat(5000);
    const send = (id: string, obj: unknown, size: number, order?: (n: number) => number[]) => {
      const text = typeof obj === 'string' ? obj : JSON.stringify(obj);
      const total = Math.ceil(text.length / size);
      const nums = order ? order(total) : [...Array(total).keys()];
      for (const num of nums)
        raw.send({ op: 'fragment', id, num, total, data: text.slice(num * size, (num + 1) * size) });
    };
    send('p1', { op: 'advertise', topic: '/in', type: 'std_msgs/msg/String' }, 10);
    send('p2', { op: 'publish', topic: '/in', msg: { data: big } }, 700, (t) =>
      [...Array(t).keys()].reverse(),
    );
    await until(() => seen.length === 1);
    expect(seen[0]).toEqual({ data: big });
    send('c1', { op: 'call_service', id: 'call-1', service: '/echo', args: { v: big } }, 999);
    const resp = await raw.next('service_response');
    expect(resp).toEqual({
      op: 'service_response',
      id: 'call-1',
      service: '/echo',
      values: { v: big },
      result: true,
    });
    // Two of three pieces, then silence: an error status names the message and what arrived.
    raw.send({ op: 'fragment', id: 'lost', num: 0, total: 3, data: '{"op":"pub' });
    raw.send({ op: 'fragment', id: 'lost', num: 2, total: 3, data: '}' });
    const st = await raw.next('status', 2000);
    expect(st).toMatchObject({ level: 'error', id: 'lost' });
    expect(st.msg).toMatch(/incomplete after 0.2 s \(2 of 3 fragments\)/);
    // Pieces that do not form JSON.
    send('bad', '{"op": "publish", "topic": ', 5);
    expect((await raw.next('status')).msg).toMatch(/reassembled fragments are not valid JSON/);
    raw.close();
  });
});

describe('reconnect', () => {
  it('roslib Topics re-subscribe and re-advertise when ros.connect is called again after a server restart', async () => {
    const b = await setup();
    const port = b.server.port;
    const pub = b.graph.advertise('/state', 'std_msgs/msg/UInt32');
    const ros = await client(b.server.url);
    const got: number[] = [];
    new ROSLIB.Topic<{ data: number }>({ ros, name: '/state', messageType: 'std_msgs/msg/UInt32' }).subscribe(
      (m) => got.push(m.data),
    );
    const out = new ROSLIB.Topic({ ros, name: '/operator/heartbeat', messageType: 'std_msgs/msg/UInt32' });
    out.advertise();
    await until(
      () =>
        b.server.clients()[0]?.subscriptions.length === 1 && b.server.clients()[0]!.publishing.length === 1,
    );
    pub.publish({ data: 1 });
    await until(() => got.length === 1);
    const closed = new Promise<void>((r) => ros.once('close', () => r()));
    await b.server.close();
    await closed;
    expect(ros.isConnected).toBe(false);
    // A new server on the same port and graph (the robot kept running).
    const { startRosbridgeServer } = await import('../src/bridge/index.ts');
    b.server = await startRosbridgeServer({ graph: b.graph, port, log: () => undefined });
    const reopened = new Promise<void>((r) => ros.once('connection', () => r()));
    await ros.connect(b.server.url);
    await reopened;
    await until(
      () =>
        b.server.clients()[0]?.subscriptions.length === 1 && b.server.clients()[0]!.publishing.length === 1,
    );
    pub.publish({ data: 2 });
    await until(() => got.length === 2);
    expect(got).toEqual([1, 2]);
    const beats: unknown[] = [];
    b.graph.subscribe('/operator/heartbeat', undefined, (m) => beats.push(m));
    out.publish({ data: 7 });
    await until(() => beats.length === 1);
    expect(beats[0]).toEqual({ data: 7 });
  });
});
