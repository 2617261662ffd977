/**
 * `npm run bench -- ros [joint_states|bci] [--quick]`: the rosbridge server on loopback, server→client, JSON and
 * CBOR, received by a real roslib client in a worker thread. Two measurements per message and encoding:
 * throughput (N messages published back to back, messages/s until the last arrives) and latency (paced at the
 * message's real rate, receive time − publisher stamp, p50/p99). One JSON line per message × encoding.
 *
 * Peer: rosbridge_suite (Python) cannot be installed here (no ROS on this machine), so peer_s and ratio are null.
 * The only public figure found (rosbridge_suite #1243: ~858 msg/s at one moment in a 1000-message test inside
 * a loaded ROS 2 stack, 95.8–99.8 % missed at other moments) is not a comparable measurement; it is quoted
 * in `peer_note`, not used as a ratio.
 */
import { Worker } from 'node:worker_threads';
import { report, type BenchResult } from './results.ts';
import { RosGraph } from '../ros/sim/src/graph.ts';
import { startRosbridgeServer } from '../ros/sim/src/bridge/index.ts';

interface Case {
  key: 'joint_states' | 'bci';
  topic: string;
  type: string;
  /** The message's real publication rate: the latency run is paced at it. */
  rateHz: number;
  make(seq: number, stampMs: number): object;
}

const stamp = (ms: number) => ({ sec: Math.floor(ms / 1000), nanosec: Math.round((ms % 1000) * 1e6) });
const JOINTS = ['j1', 'j2', 'j3', 'j4', 'j5', 'j6', 'insertion'];
const CHANNELS = 32;
const SAMPLES = 30; // 1 ms at 30 kHz

const CASES: Case[] = [
  {
    key: 'joint_states',
    topic: '/joint_states',
    type: 'sensor_msgs/msg/JointState',
    rateHz: 250,
    make: (seq, ms) => ({
      header: { stamp: stamp(ms), frame_id: String(seq) },
      name: JOINTS,
      position: JOINTS.map((_, i) => Math.sin(seq / 100 + i)),
      velocity: JOINTS.map((_, i) => Math.cos(seq / 100 + i)),
      effort: JOINTS.map((_, i) => 0.1 * i),
    }),
  },
  {
    key: 'bci',
    topic: '/bci/snippets',
    type: 'neuroplan_interfaces/msg/BciSnippet',
    rateHz: 1000,
    make: (seq, ms) => {
      const data = new Float32Array(CHANNELS * SAMPLES);
      for (let i = 0; i < data.length; i++) data[i] = 50 * Math.sin(seq * 0.37 + i * 0.11) + (i % 7);
      return {
        header: { stamp: stamp(ms), frame_id: String(seq) },
        sample_rate_hz: 30_000,
        channels: Uint32Array.from({ length: CHANNELS }, (_, i) => i),
        sample_count: SAMPLES,
        data_uv: data,
      };
    },
  },
];

const nowMs = () => performance.timeOrigin + performance.now();
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

interface Done {
  kind: 'done';
  received: number;
  firstAt: number;
  lastAt: number;
  latencies: number[];
}

async function measure(c: Case, compression: 'none' | 'cbor', quick: boolean): Promise<void> {
  const graph = new RosGraph();
  // Queues large enough that the throughput run loses nothing; the socket high-water mark still applies.
  const server = await startRosbridgeServer({
    graph,
    port: 0,
    defaultQueueLength: 1_000_000,
    log: () => undefined,
  });
  const pub = graph.advertise(c.topic, c.type);
  // Node 20 does not hand tsx's loader to workers: the worker registers it, then loads the TypeScript client.
  const clientUrl = new URL('./ros/client.ts', import.meta.url).href;
  const worker = new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(clientUrl)}); })`,
    { eval: true, workerData: { url: server.url, topic: c.topic, type: c.type, compression } },
  );
  const messages: Array<{ kind: string }> = [];
  const waiters: Array<() => void> = [];
  worker.on('message', (m: { kind: string }) => {
    messages.push(m);
    for (const w of waiters.splice(0)) w();
  });
  worker.on('error', (e) => {
    throw e;
  });
  const next = async (kind: string): Promise<unknown> => {
    for (;;) {
      const i = messages.findIndex((m) => m.kind === kind);
      if (i >= 0) return messages.splice(i, 1)[0];
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  await next('subscribed');
  while (!server.clients()[0]?.subscriptions.length) await new Promise((r) => setTimeout(r, 5));

  const run = async (count: number, paced: boolean): Promise<{ done: Done; startAt: number }> => {
    worker.postMessage({ kind: 'expect', count });
    await next('ready');
    const periodMs = 1000 / c.rateHz;
    const t0 = performance.now();
    const startAt = nowMs();
    let seq = 0;
    while (seq < count) {
      if (paced) {
        const due = Math.min(count, Math.floor((performance.now() - t0) / periodMs) + 1);
        while (seq < due) pub.publish(c.make(seq++, nowMs()));
        await new Promise((r) => setTimeout(r, Math.max(0, t0 + seq * periodMs - performance.now())));
      } else {
        // Back to back, yielding now and then so the socket drains (the bridge's backpressure path).
        for (let k = 0; k < 64 && seq < count; k++) pub.publish(c.make(seq++, nowMs()));
        await new Promise((r) => setImmediate(r));
      }
    }
    return { done: (await next('done')) as Done, startAt };
  };

  await run(quick ? 200 : 1000, false); // warm-up
  const n = quick ? 2000 : c.key === 'bci' ? 20_000 : 50_000;
  const thr = await run(n, false);
  const elapsedS = (thr.done.lastAt - thr.startAt) / 1000;
  const latN = Math.round(c.rateHz * (quick ? 1 : 5));
  const lat = await run(latN, true);
  const info = server.clients()[0]!.subscriptions[0]!;
  worker.postMessage({ kind: 'close' });
  await worker.terminate();
  await server.close();

  const msgsPerS = n / elapsedS;
  const sample = c.make(0, nowMs());
  const { toJsonValue } = await import('../ros/sim/src/bridge/wire.ts');
  const { encode } = await import('cbor2');
  const bytes =
    compression === 'none'
      ? Buffer.byteLength(JSON.stringify({ op: 'publish', topic: c.topic, msg: toJsonValue(sample) }))
      : encode({ op: 'publish', topic: c.topic, msg: sample }).byteLength;
  const result = {
    name: `rosbridge-${c.key}-${compression === 'none' ? 'json' : 'cbor'}`,
    ours_s: elapsedS,
    peer: 'rosbridge_suite (Python, published figures)',
    peer_s: null,
    ratio: null,
    target: null,
    met: msgsPerS >= c.rateHz && lat.done.received === latN,
    peer_note:
      'rosbridge_suite is not installable here (no ROS); no comparable published msg/s figure was found ' +
      '(rosbridge_suite #1243 reports ~858 msg/s at one moment inside a loaded ROS 2 stack, not a benchmark)',
    messages: n,
    msgs_per_s: Math.round(msgsPerS),
    mb_per_s: round((msgsPerS * bytes) / 1e6, 1),
    frame_bytes: bytes,
    required_msgs_per_s: c.rateHz,
    latency_rate_hz: c.rateHz,
    latency_messages: latN,
    latency_p50_ms: round(pct(lat.done.latencies, 0.5)),
    latency_p99_ms: round(pct(lat.done.latencies, 0.99)),
    latency_max_ms: round(Math.max(...lat.done.latencies)),
    throughput_latency_p50_ms: round(pct(thr.done.latencies, 0.5)),
    lost: info.dropped,
    client: 'roslib 2.1.0 in a worker thread (decodes every message)',
    transport: 'ws://127.0.0.1 loopback, permessage-deflate off',
  };
  report('ros', result as unknown as BenchResult);
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const names = args.filter((a) => !a.startsWith('--'));
  for (const n of names)
    if (!CASES.some((c) => c.key === n))
      throw new Error(`unknown ros benchmark "${n}" (have: ${CASES.map((c) => c.key).join(', ')})`);
  for (const c of CASES) {
    if (names.length && !names.includes(c.key)) continue;
    for (const compression of ['none', 'cbor'] as const) await measure(c, compression, quick);
  }
}
