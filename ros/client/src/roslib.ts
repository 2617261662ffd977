/**
 * The part of roslib 2.x this client uses, typed here. roslib's own declarations (`dist/RosLib.d.ts`:
 * `export * from './src/RosLib'`, an extensionless relative path) resolve under the Bundler module
 * resolution (Vite, the planner) but not under NodeNext (the repo's tsconfig), where the module would
 * appear to export nothing. The runtime is roslib's, unchanged.
 */
import * as roslibModule from 'roslib';

/** One rosbridge protocol message (JSON object with an `op`). */
export interface RosbridgeMessage {
  op: string;
  id?: string;
  [field: string]: unknown;
}

export interface RosbridgeServiceResponse extends RosbridgeMessage {
  op: 'service_response';
  result: boolean;
  values?: unknown;
}
export interface RosbridgeActionFeedback extends RosbridgeMessage {
  op: 'action_feedback';
  values: unknown;
}
export interface RosbridgeActionResult extends RosbridgeMessage {
  op: 'action_result';
  status: number;
  result: boolean;
  values?: unknown;
}

/** roslib's transport (a WebSocket wrapper). */
export interface Transport {
  send(message: RosbridgeMessage): void;
  close(): void;
  isClosed(): boolean;
}
export type TransportFactory = (url: string) => Promise<Transport>;

export interface Ros {
  readonly isConnected: boolean;
  connect(url: string): Promise<void>;
  close(): void;
  /** Sends now when connected, else QUEUES until the next connection (guard it for commands). */
  callOnConnection(message: RosbridgeMessage): void;
  on(event: string, listener: (arg: never) => void): unknown;
  off(event: string, listener: (arg: never) => void): unknown;
}

export interface TopicOptions {
  ros: Ros;
  name: string;
  messageType: string;
  throttle_rate?: number;
  queue_size?: number;
  queue_length?: number;
  latch?: boolean;
  reconnect_on_close?: boolean;
}

export interface Topic<T> {
  subscribe(callback: (message: T) => void): void;
  unsubscribe(callback?: (message: T) => void): void;
  publish(message: T): void;
}

interface RoslibApi {
  Ros: new (options: { url?: string; transportFactory?: TransportFactory }) => Ros;
  Topic: new <T>(options: TopicOptions) => Topic<T>;
}

const api = roslibModule as unknown as RoslibApi;
export const Ros = api.Ros;
export const Topic = api.Topic;

export const isServiceResponse = (m: RosbridgeMessage): m is RosbridgeServiceResponse =>
  m.op === 'service_response';
export const isActionFeedback = (m: RosbridgeMessage): m is RosbridgeActionFeedback =>
  m.op === 'action_feedback';
export const isActionResult = (m: RosbridgeMessage): m is RosbridgeActionResult => m.op === 'action_result';
