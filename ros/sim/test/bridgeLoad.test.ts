/**
 * Load: ten roslib clients subscribed to a 250 Hz /joint_states publisher (7 joints, no simulated robot) for
 * 60 s (BRIDGE_LOAD_SECONDS overrides it for local runs). Every message must arrive exactly once and in order
 * at every client (the sequence number travels in header.frame_id); latency p50/p99 is printed, not asserted.
 */
import { afterAll, expect, it } from 'vitest';
import { connectRos, startBench, until, type Bench, ROSLIB, type RosLibTypes } from './bridgeHarness.ts';

const SECONDS = Number(process.env.BRIDGE_LOAD_SECONDS ?? 60);
const RATE_HZ = 250;
const CLIENTS = 10;
const JOINTS = ['j1', 'j2', 'j3', 'j4', 'j5', 'j6', 'insertion'];

let bench: Bench | undefined;
const rosClients: RosLibTypes.Ros[] = [];
afterAll(async () => {
  for (const r of rosClients) r.close();
  await bench?.server.close();
});

const nowMs = () => performance.timeOrigin + performance.now();

interface JointState {
  header: { stamp: { sec: number; nanosec: number }; frame_id: string };
  name: string[];
  position: number[];
  velocity: number[];
  effort: number[];
}

it(`${CLIENTS} roslib clients receive every /joint_states message at ${RATE_HZ} Hz for ${SECONDS} s`, async () => {
  bench = await startBench();
  const pub = bench.graph.advertise('/joint_states', 'sensor_msgs/msg/JointState');
  const received: number[][] = [];
  const latenciesMs: number[] = [];
  for (let c = 0; c < CLIENTS; c++) {
    const ros = await connectRos(bench.server.url);
    rosClients.push(ros);
    const seqs: number[] = [];
    received.push(seqs);
    new ROSLIB.Topic<JointState>({
      ros,
      name: '/joint_states',
      messageType: 'sensor_msgs/msg/JointState',
    }).subscribe((m) => {
      const t = nowMs();
      seqs.push(Number(m.header.frame_id));
      latenciesMs.push(t - (m.header.stamp.sec * 1000 + m.header.stamp.nanosec / 1e6));
    });
  }
  await until(() => bench!.server.clients().filter((c) => c.subscriptions.length === 1).length === CLIENTS);

  const total = SECONDS * RATE_HZ;
  const periodMs = 1000 / RATE_HZ;
  const start = performance.now();
  let seq = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      // Publish every message that is due (a late timer catches up: none is skipped).
      const due = Math.min(total, Math.floor((performance.now() - start) / periodMs) + 1);
      while (seq < due) {
        const t = nowMs();
        const q = seq++;
        pub.publish({
          header: {
            stamp: { sec: Math.floor(t / 1000), nanosec: Math.round((t % 1000) * 1e6) },
            frame_id: String(q),
          },
          name: JOINTS,
          position: JOINTS.map((_, i) => Math.sin(q / 100 + i)),
          velocity: JOINTS.map((_, i) => Math.cos(q / 100 + i)),
          effort: JOINTS.map(() => 0),
        });
      }
      if (seq >= total) resolve();
      else setTimeout(tick, Math.max(0, start + seq * periodMs - performance.now()));
    };
    tick();
  });
  await until(() => received.every((r) => r.length >= total), 10_000, 'the last messages');
  const elapsedS = (performance.now() - start) / 1000;
  const expected = [...Array(total).keys()];
  for (const r of received) expect(r).toEqual(expected); // none lost, none duplicated, in order
  const sorted = latenciesMs.sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  console.log(
    `bridge load: ${CLIENTS} clients × ${total} /joint_states messages in ${elapsedS.toFixed(1)} s ` +
      `(${((CLIENTS * total) / elapsedS).toFixed(0)} deliveries/s), 0 lost; latency p50 ${pct(0.5).toFixed(2)} ms, ` +
      `p99 ${pct(0.99).toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms`,
  );
  expect(bench.server.clients().every((c) => c.subscriptions[0]!.dropped === 0)).toBe(true);
}, 180_000);
