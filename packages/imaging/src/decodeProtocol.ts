/**
 * Messages between a loader and its decode workers (structured-clone safe), for Node worker threads
 * and browser web workers alike. A Node worker reads each file itself and always writes into a shared
 * stack; a web worker is sent the file's bytes and, where the page cannot share memory, returns slices.
 */
import type { VolumePlan } from './dicom/types.ts';

/** Where the codec .wasm files are served: one base URL for all, or file name → URL. */
export type CodecWasmUrls = string | Record<string, string>;

/** The first message a web worker gets (Node workers find the codecs in node_modules). */
export interface InitMessage {
  type: 'init';
  codecWasm?: CodecWasmUrls;
}

export interface PlanMessage {
  type: 'plan';
  planKey: number;
  plan: VolumePlan;
  /**
   * The stack buffer every worker writes its slices into. Absent where a page may not share memory
   * (not crossOriginIsolated): the worker then returns the decoded slices instead.
   */
  buffer?: SharedArrayBuffer;
}

export interface TaskMessage {
  type: 'task';
  taskId: number;
  planKey: number;
  file: string;
  /** Stack slice indices (into plan.sources) that come from this file. */
  slices: number[];
  /** The whole file, for a worker that cannot read it itself (browser). */
  bytes?: Uint8Array;
}

export interface ForgetMessage {
  type: 'forget';
  planKey: number;
}

export type ToWorker = InitMessage | PlanMessage | TaskMessage | ForgetMessage;

export type FromWorker =
  | { type: 'ready' }
  /** `values`: without a shared buffer, the task's slices in the order asked, as the plan's voxel type. */
  | { type: 'done'; taskId: number; values?: ArrayBuffer }
  | { type: 'error'; taskId: number; reason: string };
