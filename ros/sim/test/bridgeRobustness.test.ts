/**
 * Malformed, truncated, oversized and hostile input over raw WebSockets: every problem gets an answer that names
 * it, the server never crashes, and other clients keep being served. Expected texts are the bridge's documented
 * answers (README.md); expected deliveries are the test's own messages.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encode as cborEncode } from 'cbor2';
import { GoalStatus } from '../src/graph.ts';
import { RawClient, connectRos, startBench, until, sleep, type Bench, ROSLIB } from './bridgeHarness.ts';

let bench: Bench | undefined;
const closers: Array<() => void> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) c();
  await bench?.server.close();
  bench = undefined;
});

async function raw(url: string): Promise<RawClient> {
  const r = await RawClient.connect(url);
  closers.push(() => r.close());
  return r;
}

/** A roslib subscriber that must keep receiving while others misbehave. */
async function witness(b: Bench) {
  const pub = b.graph.topicType('/witness')
    ? undefined
    : b.graph.advertise('/witness', 'std_msgs/msg/UInt32');
  const ros = await connectRos(b.server.url);
  closers.push(() => ros.close());
  const got: number[] = [];
  new ROSLIB.Topic<{ data: number }>({ ros, name: '/witness', messageType: 'std_msgs/msg/UInt32' }).subscribe(
    (m) => got.push(m.data),
  );
  await until(() => b.server.clients().some((c) => c.subscriptions.some((s) => s.topic === '/witness')));
  let n = 0;
  return {
    async check() {
      const k = ++n;
      pub!.publish({ data: k });
      await until(() => got.includes(k), 3000, `witness message ${k}`);
    },
  };
}

describe('malformed input', () => {
  it('answers each malformed frame with an error status and keeps serving everyone', async () => {
    bench = await startBench();
    const w = await witness(bench);
    const c = await raw(bench.server.url);
    const cases: Array<[unknown, RegExp, unknown?]> = [
      ['{not json', /message is not valid JSON/],
      ['[1,2,3]', /must be a JSON object with an "op" field/],
      ['42', /must be a JSON object/],
      ['"text"', /must be a JSON object/],
      ['null', /must be a JSON object/],
      [{ topic: '/a' }, /has no "op" field/],
      [{ op: 42 }, /has no "op" field/],
      [{ op: 'teleport', id: 't1' }, /unknown operation "teleport"/, 't1'],
      [{ op: 'subscribe', id: 's1' }, /subscribe: missing required field "topic"/, 's1'],
      [{ op: 'subscribe', topic: 5 }, /field "topic" must be a string/],
      [
        { op: 'subscribe', topic: '/witness', throttle_rate: 'fast' },
        /field "throttle_rate" must be a number/,
      ],
      [{ op: 'subscribe', topic: '/witness', queue_length: -1 }, /"queue_length" must not be negative/],
      [{ op: 'subscribe', topic: '/witness', compression: 'zip' }, /unknown compression "zip"/],
      [{ op: 'subscribe', topic: 'relative/name' }, /is not a valid absolute ROS name/],
      [{ op: 'subscribe', topic: '/a//b' }, /is not a valid absolute ROS name/],
      [{ op: 'subscribe', topic: '/ghost' }, /no type given and nobody publishes it yet/],
      [
        { op: 'subscribe', topic: '/witness', type: 'std_msgs/msg/String' },
        /has type std_msgs\/msg\/UInt32, not std_msgs\/msg\/String/,
      ],
      [{ op: 'subscribe', id: { x: 1 }, topic: '/witness' }, /field "id" must be a string or a number/],
      [{ op: 'advertise', topic: '/x' }, /advertise: missing required field "type"/],
      [
        { op: 'advertise', topic: '/witness', type: 'std_msgs/msg/String' },
        /topic \/witness has type std_msgs\/msg\/UInt32, not std_msgs\/msg\/String/,
      ],
      [{ op: 'publish', topic: '/nobody_knows', msg: {} }, /has no known type yet: advertise it first/],
      [{ op: 'publish', topic: '/witness', msg: [1] }, /field "msg" must be a JSON object/],
      [{ op: 'publish', topic: '/joint_states', msg: {} }, /publishing on topic \/joint_states is refused/],
      [
        { op: 'advertise', topic: '/tf', type: 'tf2_msgs/msg/TFMessage' },
        /publishing on topic \/tf is refused/,
      ],
      [{ op: 'fragment', id: 'f', num: 3, total: 2, data: 'x' }, /"num" must be an integer in \[0, total\)/],
      [{ op: 'fragment', id: 'f', num: 0, total: 0, data: 'x' }, /"total" must be a positive integer/],
      [{ op: 'fragment', num: 0, total: 1, data: 'x' }, /"id" must be a string or a number/],
      [{ op: 'fragment', id: 'f', num: 0, total: 1, data: 3 }, /"data" must be a string/],
      [
        { op: 'service_response', id: 'nope', service: '/s', result: true },
        /no pending call "nope" for service \/s/,
      ],
      [
        { op: 'action_result', id: 'nope', action: '/a', status: 4, result: true },
        /no goal "nope" of action \/a is in progress/,
      ],
      [{ op: 'unadvertise_service', service: '/s' }, /not advertised by this client/],
      [{ op: 'set_level', level: 'loud' }, /level must be one of/],
      [
        { op: 'auth', mac: 'x', client: 'c', dest: 'd', rand: 'r', t: 0, level: 'admin', end: 0 },
        /the ROS 2 rosbridge has no auth op/,
      ],
      [{ op: 'advertise_service', service: '/robot/x' }, /missing required field "type"/],
    ];
    for (const [frame, re, id] of cases) {
      const n = c.ops('status').length;
      c.send(frame);
      const st = await c.next('status').catch(() => undefined);
      expect(st, `no status for ${JSON.stringify(frame)}`).toBeDefined();
      expect(st!.level).toBe('error');
      expect(st!.msg, JSON.stringify(frame)).toMatch(re);
      if (id !== undefined) expect(st!.id).toBe(id);
      expect(c.ops('status').length).toBe(n + 1);
    }
    await w.check();
    // Binary frames (CBOR from a client) are refused: rosbridge cannot receive CBOR either.
    c.send(Buffer.from(cborEncode({ op: 'publish', topic: '/witness', msg: { data: 1 } })));
    expect((await c.next('status')).msg).toMatch(/binary frames are not accepted/);
    // The misbehaving client itself still works.
    c.send({ op: 'subscribe', id: 'ok', topic: '/witness' });
    await until(() => bench!.server.clients().filter((x) => x.subscriptions.length === 1).length === 2);
    await w.check();
    await c.waitFor('publish', 1);
  });

  it('call_service and send_action_goal errors come back as service_response / action_result with the reason', async () => {
    bench = await startBench();
    bench.graph.advertiseService('/ok', 'std_srvs/srv/Trigger', () => ({ success: true, message: '' }));
    const c = await raw(bench.server.url);
    c.send({ op: 'call_service', id: 'c1', service: '/ok', args: [1, 2] });
    expect(await c.next('service_response')).toMatchObject({
      id: 'c1',
      result: false,
      values: expect.stringMatching(/positional argument lists are not supported/),
    });
    c.send({ op: 'call_service', id: 'c2', service: '/ok', timeout: 'soon' });
    expect(await c.next('service_response')).toMatchObject({
      id: 'c2',
      result: false,
      values: expect.stringMatching(/"timeout" must be a number/),
    });
    c.send({ op: 'call_service', id: 'c3', service: 'bad name' });
    expect(await c.next('service_response')).toMatchObject({
      id: 'c3',
      result: false,
      values: expect.stringMatching(/not a valid absolute ROS name/),
    });
    c.send({ op: 'call_service', id: 'c4', service: '/ok', compression: 'png' });
    expect(await c.next('service_response')).toMatchObject({
      id: 'c4',
      result: false,
      values: expect.stringMatching(/compression "png" is not supported/),
    });
    c.send({ op: 'call_service', id: 'c5', service: '/ok' });
    expect(await c.next('service_response')).toEqual({
      op: 'service_response',
      id: 'c5',
      service: '/ok',
      values: { success: true, message: '' },
      result: true,
    });
    c.send({ op: 'send_action_goal', id: 'g1', action: '/x', args: {} });
    expect(await c.next('action_result')).toMatchObject({
      id: 'g1',
      result: false,
      status: GoalStatus.ABORTED,
      values: expect.stringMatching(/missing required field "action_type"/),
    });
    c.send({ op: 'send_action_goal', id: 'g2', action: '/x', action_type: 'a/action/B', args: 'go' });
    expect(await c.next('action_result')).toMatchObject({
      id: 'g2',
      result: false,
      values: expect.stringMatching(/"args" must be a JSON object/),
    });
    // Status answers accompany them; set_level none silences status (but never the responses).
    const statuses = c.ops('status').length;
    expect(statuses).toBe(6);
    c.send({ op: 'set_level', level: 'none' });
    c.send({ op: 'teleport' });
    c.send({ op: 'call_service', id: 'c6', service: '/missing' });
    expect(await c.next('service_response')).toMatchObject({
      id: 'c6',
      result: false,
      values: 'call_service: service /missing does not exist',
    });
    expect(c.ops('status').length).toBe(statuses);
  });

  it('oversized frames: over max_message_size gets an error answer, over the frame limit closes only that client (1009)', async () => {
    bench = await startBench({ maxMessageSize: 64 * 1024, maxFrameBytes: 256 * 1024 });
    const w = await witness(bench);
    const c = await raw(bench.server.url);
    c.send({ op: 'publish', topic: '/witness', msg: { data: 1, pad: 'x'.repeat(100_000) } });
    expect((await c.next('status')).msg).toMatch(
      /exceeds max_message_size \(65536 bytes\); send it in fragments/,
    );
    // Fragments may not add up to more than max_message_size either.
    const piece = 'y'.repeat(40_000);
    c.send({ op: 'fragment', id: 'huge', num: 0, total: 3, data: piece });
    c.send({ op: 'fragment', id: 'huge', num: 1, total: 3, data: piece });
    expect((await c.next('status')).msg).toMatch(
      /message "huge" exceeds max_message_size \(65536\); dropped/,
    );
    await w.check();
    const big = await raw(bench.server.url);
    big.send('x'.repeat(300 * 1024));
    await until(() => big.closeCode !== undefined);
    expect(big.closeCode).toBe(1009);
    await w.check();
    expect(bench.server.clients().length).toBe(2);
  });

  it('too many fragmented messages in progress are refused; invalid UTF-8 closes only that client', async () => {
    bench = await startBench({ maxPendingFragments: 2 });
    const w = await witness(bench);
    const c = await raw(bench.server.url);
    for (const id of ['a', 'b']) c.send({ op: 'fragment', id, num: 0, total: 2, data: '{' });
    c.send({ op: 'fragment', id: 'c', num: 0, total: 2, data: '{' });
    expect((await c.next('status')).msg).toMatch(/more than 2 fragmented messages in progress/);
    const bad = await raw(bench.server.url);
    bad.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    await until(() => bad.closeCode !== undefined);
    expect(bad.closeCode).toBe(1007);
    await w.check();
  });
});

describe('slow clients', () => {
  it('a client that stops reading never delays others; its queue drops the oldest and keeps the newest', async () => {
    bench = await startBench({ highWaterBytes: 64 * 1024, defaultQueueLength: 50 });
    const pub = bench.graph.advertise('/stream', 'std_msgs/msg/String');
    const fastRos = await connectRos(bench.server.url);
    closers.push(() => fastRos.close());
    const fast: number[] = [];
    new ROSLIB.Topic<{ data: string }>({
      ros: fastRos,
      name: '/stream',
      messageType: 'std_msgs/msg/String',
    }).subscribe((m) => fast.push(Number(m.data.slice(0, 8))));
    const slow = await raw(bench.server.url);
    slow.send({ op: 'subscribe', id: 's', topic: '/stream' });
    await until(
      () =>
        bench!.server.clients().every((c) => c.subscriptions.length === 1) &&
        bench!.server.clients().length === 2,
    );
    // Stop reading on the slow client's side: the kernel buffers fill, then the bridge's queue takes over.
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const pad = 'p'.repeat(4000);
    const total = 6000; // 24 MB: more than loopback socket buffers hold
    for (let i = 0; i < total; i++) {
      pub.publish({ data: String(i).padStart(8, '0') + pad });
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    await until(() => fast.length === total, 20000, 'all messages at the fast client');
    expect(fast).toEqual([...Array(total).keys()]);
    const slowInfo = bench.server.clients().find((c) => c.subscriptions[0]!.dropped > 0);
    expect(slowInfo).toBeDefined();
    const sub = slowInfo!.subscriptions[0]!;
    expect(sub.dropped).toBeGreaterThan(0);
    expect(sub.queued).toBeLessThanOrEqual(50);
    expect(slowInfo!.bufferedBytes).toBeLessThan(64 * 1024 + 8000);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await until(
      () => {
        const last = slow.ops('publish').at(-1) as { msg?: { data: string } } | undefined;
        return last?.msg?.data.startsWith(String(total - 1).padStart(8, '0')) === true;
      },
      20000,
      'the newest message at the slow client',
    );
    const seen = slow.ops('publish').map((f) => Number((f.msg as { data: string }).data.slice(0, 8)));
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
    expect(seen.length).toBeLessThan(total);
  });

  it('a client whose responses pile up beyond the control limit is disconnected (1008), others unaffected', async () => {
    bench = await startBench({ highWaterBytes: 16 * 1024, maxControlMessages: 20 });
    const w = await witness(bench);
    const blob = 'z'.repeat(20_000);
    bench.graph.advertiseService('/blob', 'test_msgs/srv/Blob', () => ({ blob }));
    const slow = await raw(bench.server.url);
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let i = 0; i < 2000; i++) slow.send({ op: 'call_service', id: `c${i}`, service: '/blob' });
    await until(() => bench!.server.clients().length === 1, 20000, 'the slow client to be dropped');
    await w.check();
    expect(bench.logs.some((l) => /client too slow: outgoing backlog over its limit/.test(l))).toBe(true);
    expect(bench.graph.services().map((s) => s.name)).toEqual(['/blob']);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await until(() => slow.closeCode !== undefined, 5000, 'the slow client to see the close');
    expect([1008, 1006]).toContain(slow.closeCode);
    await sleep(10);
  });
});
