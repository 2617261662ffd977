/**
 * The benchmark's receiving side, in a worker thread (its own core): a real roslib 2.x client subscribed to one
 * topic. It records, per message, the receive time minus the publisher's stamp (both on the wall clock) and
 * reports when `count` messages arrived.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as roslibRuntime from 'roslib';
// roslib 2.1.0's package types resolve to nothing under NodeNext; its own declarations are used directly.
import type * as RosLibTypes from '../../node_modules/roslib/dist/src/RosLib.js';

const ROSLIB = roslibRuntime as unknown as typeof RosLibTypes;

interface Job {
  url: string;
  topic: string;
  type: string;
  compression: 'none' | 'cbor';
}

const job = workerData as Job;
const nowMs = () => performance.timeOrigin + performance.now();
const ros = new ROSLIB.Ros({});
let expected = Infinity;
let latencies: number[] = [];
let firstAt = 0;
let received = 0;

ros.on('connection', () => {
  new ROSLIB.Topic<{ header: { stamp: { sec: number; nanosec: number }; frame_id: string } }>({
    ros,
    name: job.topic,
    messageType: job.type,
    compression: job.compression,
  }).subscribe((m) => {
    const t = nowMs();
    if (received === 0) firstAt = t;
    received++;
    latencies.push(t - (m.header.stamp.sec * 1000 + m.header.stamp.nanosec / 1e6));
    if (received === expected) done();
  });
  parentPort!.postMessage({ kind: 'subscribed' });
});

function done(): void {
  parentPort!.postMessage({ kind: 'done', received, firstAt, lastAt: nowMs(), latencies });
}

parentPort!.on('message', (m: { kind: 'expect'; count: number } | { kind: 'close' }) => {
  if (m.kind === 'expect') {
    expected = m.count;
    received = 0;
    latencies = [];
    // The publisher waits for this: socket frames and port messages are not ordered with each other.
    parentPort!.postMessage({ kind: 'ready' });
  } else {
    ros.close();
    parentPort!.close();
  }
});

await ros.connect(job.url);
