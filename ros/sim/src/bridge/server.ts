/**
 * A rosbridge v2 WebSocket server (the protocol of ROS 2 rosbridge_suite's rosbridge_websocket) in front of an
 * in-process RosGraph. Each connection is one GraphPeer with `viaBridge: true`. See README.md in this folder for
 * every difference from rosbridge_suite.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { RosGraph } from '../graph.ts';
import { AccessRules, DEFAULT_DENY, type AccessGlobs } from './access.ts';
import type { BridgeCodec } from './codec.ts';
import { rosMessagesCodec } from './rosMessagesCodec.ts';
import { PublicationTracker, Session, type BridgeClientInfo } from './session.ts';

export interface RosbridgeServerOptions {
  graph: RosGraph;
  /** TCP port; 0 picks an ephemeral one (read it from the returned `port`). Default 9090, as rosbridge. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1 (rosbridge listens on all; expose it deliberately). */
  host?: string;
  /** URL path; default any. */
  path?: string;
  /** Largest message accepted from a client, in bytes, and the default server→client fragment size. Default 10 000 000. */
  maxMessageSize?: number;
  /**
   * Frames larger than this close the connection with 1009 before they are read into memory. Frames between
   * `maxMessageSize` and this are read and answered with an error status. Default 2 × maxMessageSize.
   */
  maxFrameBytes?: number;
  /** Client→server fragments must complete within this many seconds. Default 600, as rosbridge. */
  fragmentTimeoutS?: number;
  /** Fragmented messages one client may have in progress at once. Default 16. */
  maxPendingFragments?: number;
  /** Timeout for call_service when the client gives none (0 = none, as rosbridge's default). */
  defaultCallServiceTimeoutS?: number;
  /** Globs a name must match (undefined kind = everything). */
  allow?: Partial<AccessGlobs>;
  /** Globs refused even when allowed. Default DEFAULT_DENY (the trajectory controller, the robot's own topics). */
  deny?: Partial<AccessGlobs>;
  /** WebSocket permessage-deflate (rosbridge's `use_compression`). Default off. */
  perMessageDeflate?: boolean;
  /** Ping every this many seconds and drop a client that has not answered the previous ping (0 = off). */
  pingIntervalS?: number;
  /** Stop writing to a client while its socket has this many bytes unsent. Default 1 MiB. */
  highWaterBytes?: number;
  /** Responses/results/feedback/status waiting for a slow client before it is disconnected. Default 10 000. */
  maxControlMessages?: number;
  /** Per-subscription queue bound when the client asked for queue_length 0. Default 100. */
  defaultQueueLength?: number;
  /**
   * Message definitions (validation, defaults, CBOR typed arrays). Default: @neuroplan/ros-messages, with types
   * it does not know passed through as sent (`rosMessagesCodec({ strict: true })` refuses them).
   */
  codec?: BridgeCodec;
  /** Log sink; default: warnings and errors to console.error. */
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
  /**
   * Plain HTTP requests on the same port (e.g. recordings, see http.ts): return true when handled; requests
   * it declines get 404. Without it, plain HTTP requests get ws's 426 Upgrade Required.
   */
  http?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export interface RosbridgeServer {
  readonly port: number;
  readonly host: string;
  /** ws://host:port */
  readonly url: string;
  /** Disconnects every client (their publishers, services, actions and goals leave the graph) and stops listening. */
  close(): Promise<void>;
  clients(): BridgeClientInfo[];
}

export async function startRosbridgeServer(options: RosbridgeServerOptions): Promise<RosbridgeServer> {
  const maxMessageSize = options.maxMessageSize ?? 10_000_000;
  if (!(Number.isInteger(maxMessageSize) && maxMessageSize > 0))
    throw new Error(`rosbridge server: maxMessageSize must be a positive integer, not ${maxMessageSize}`);
  const host = options.host ?? '127.0.0.1';
  const log =
    options.log ??
    ((level: 'info' | 'warn' | 'error', msg: string) => {
      if (level !== 'info') console.error(`rosbridge: ${msg}`);
    });
  const cfg = {
    graph: options.graph,
    access: new AccessRules(options.allow ?? {}, options.deny ?? DEFAULT_DENY),
    codec: options.codec ?? rosMessagesCodec(),
    maxMessageSize,
    fragmentTimeoutMs: (options.fragmentTimeoutS ?? 600) * 1000,
    maxPendingFragments: options.maxPendingFragments ?? 16,
    defaultCallServiceTimeoutS: options.defaultCallServiceTimeoutS ?? 0,
    highWaterBytes: options.highWaterBytes ?? 1 << 20,
    maxControlMessages: options.maxControlMessages ?? 10_000,
    defaultQueueLength: options.defaultQueueLength ?? 100,
    drainPollMs: 5,
    log,
    publications: new PublicationTracker(),
  };

  const httpHandler = options.http;
  let httpServer: Server | undefined;
  if (httpHandler) {
    httpServer = createServer((req, res) => {
      if (!httpHandler(req, res)) res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    });
    const listening = httpServer;
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) =>
        reject(new Error(`rosbridge server: cannot listen on ${host}:${options.port ?? 9090}: ${e.message}`));
      listening.once('error', onError);
      listening.listen(options.port ?? 9090, host, () => {
        listening.off('error', onError);
        resolve();
      });
    });
  }
  const wss = new WebSocketServer({
    ...(httpServer ? { server: httpServer } : { host, port: options.port ?? 9090 }),
    ...(options.path !== undefined ? { path: options.path } : {}),
    maxPayload: options.maxFrameBytes ?? 2 * maxMessageSize,
    perMessageDeflate: options.perMessageDeflate ?? false,
  });
  if (!httpServer)
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) =>
        reject(new Error(`rosbridge server: cannot listen on ${host}:${options.port ?? 9090}: ${e.message}`));
      wss.once('error', onError);
      wss.once('listening', () => {
        wss.off('error', onError);
        resolve();
      });
    });
  wss.on('error', (e) => log('error', `server error: ${e.message}`));

  const sessions = new Map<WebSocket, Session>();
  const alive = new WeakMap<WebSocket, boolean>();

  wss.on('connection', (ws, req) => {
    const session = new Session(ws, req.socket.remoteAddress, cfg);
    sessions.set(ws, session);
    alive.set(ws, true);
    log('info', `${session.peer.id} connected from ${session.peer.remoteAddress ?? '?'}`);
    ws.on('message', (data, isBinary) => session.onFrame(data, isBinary));
    ws.on('pong', () => alive.set(ws, true));
    // Oversized frames (ws closes with 1009), bad UTF-8, protocol violations: only this client goes.
    ws.on('error', (e) => log('warn', `${session.peer.id}: ${e.message}`));
    ws.on('close', (code) => {
      sessions.delete(ws);
      session.close();
      log('info', `${session.peer.id} disconnected (${code})`);
    });
  });

  const pingS = options.pingIntervalS ?? 0;
  const pinger =
    pingS > 0
      ? setInterval(() => {
          for (const ws of sessions.keys()) {
            if (alive.get(ws) === false) {
              log('warn', `${sessions.get(ws)?.peer.id}: no pong within ${pingS} s; dropped`);
              ws.terminate();
              continue;
            }
            alive.set(ws, false);
            ws.ping();
          }
        }, pingS * 1000)
      : undefined;
  pinger?.unref();

  const port = ((httpServer ?? wss).address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    host,
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}`,
    clients: () => [...sessions.values()].filter((s) => !s.isClosed).map((s) => s.info()),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        if (pinger) clearInterval(pinger);
        for (const [ws, s] of sessions) {
          s.close();
          ws.terminate();
        }
        sessions.clear();
        wss.close(() => {
          if (!httpServer) return resolve();
          httpServer.closeAllConnections();
          httpServer.close(() => resolve());
        });
      })),
  };
}
