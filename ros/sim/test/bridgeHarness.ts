/** Shared helpers for the bridge tests: a graph + server on an ephemeral port, roslib clients, raw ws clients. */
import * as roslibRuntime from 'roslib';
import type * as RosLibTypes from '../../../node_modules/roslib/dist/src/RosLib.js';
import { WebSocket } from 'ws';
import { RosGraph } from '../src/graph.ts';
import {
  startRosbridgeServer,
  type RosbridgeServer,
  type RosbridgeServerOptions,
} from '../src/bridge/index.ts';

/**
 * roslib 2.1.0's package types (`export * from './src/RosLib'`, extensionless) resolve to nothing under NodeNext;
 * its own declarations are used directly. The runtime is roslib's.
 */
export const ROSLIB = roslibRuntime as unknown as typeof RosLibTypes;
export type { RosLibTypes };

export interface Bench {
  graph: RosGraph;
  server: RosbridgeServer;
  logs: string[];
}

export async function startBench(options: Partial<RosbridgeServerOptions> = {}): Promise<Bench> {
  const graph = new RosGraph();
  const logs: string[] = [];
  graph.onError = (e, where) => logs.push(`graph ${where}: ${String(e)}`);
  const server = await startRosbridgeServer({
    graph,
    port: 0,
    log: (level, msg) => logs.push(`${level} ${msg}`),
    ...options,
  });
  return { graph, server, logs };
}

export async function connectRos(url: string): Promise<RosLibTypes.Ros> {
  const ros = new ROSLIB.Ros({});
  const opened = new Promise<void>((resolve, reject) => {
    ros.once('connection', () => resolve());
    ros.once('error', (e) => reject(new Error(`roslib could not connect: ${String(e)}`)));
  });
  await ros.connect(url);
  await opened;
  return ros;
}

/** Resolves when `pred` holds (polled), rejects after `ms`. */
export async function until(pred: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A raw WebSocket client that records every frame it receives (JSON parsed; binary kept as Buffer). */
export class RawClient {
  readonly frames: unknown[] = [];
  closeCode: number | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
      this.frames.push(isBinary ? buf : JSON.parse(buf.toString('utf8')));
    });
    ws.on('close', (code) => (this.closeCode = code));
    ws.on('error', () => undefined);
  }
  static async connect(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RawClient(ws);
  }
  send(x: unknown): void {
    this.ws.send(typeof x === 'string' || Buffer.isBuffer(x) ? x : JSON.stringify(x));
  }
  ops(op: string): Array<Record<string, unknown>> {
    return this.frames.filter(
      (f): f is Record<string, unknown> =>
        typeof f === 'object' && f !== null && (f as { op?: unknown }).op === op,
    );
  }
  async next(op: string, ms = 3000): Promise<Record<string, unknown>> {
    const n = this.ops(op).length;
    await until(() => this.ops(op).length > n, ms, `a "${op}" frame`);
    return this.ops(op)[n]!;
  }
  async waitFor(op: string, count = 1, ms = 3000): Promise<Array<Record<string, unknown>>> {
    await until(() => this.ops(op).length >= count, ms, `${count} "${op}" frame(s)`);
    return this.ops(op);
  }
  close(): void {
    this.ws.close();
  }
}
