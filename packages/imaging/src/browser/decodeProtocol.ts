/** Messages between the browser loader and its decode web workers (structured-clone safe). */
import type { VolumePlan } from '../dicom/types.ts';

/** Where the codec .wasm files are served: one base URL for all, or file name → URL. */
export type CodecWasmUrls = string | Record<string, string>;

export interface InitMessage {
  type: 'init';
  codecWasm?: CodecWasmUrls;
}

export interface PlanMessage {
  type: 'plan';
  planKey: number;
  plan: VolumePlan;
  /**
   * The stack buffer every worker writes its slices into, when the page may share memory
   * (crossOriginIsolated). Without it a worker returns the decoded slices instead.
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
  /** The whole file. */
  bytes: Uint8Array;
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
