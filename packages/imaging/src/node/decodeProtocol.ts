/** Messages between the loader and its decode workers (structured-clone safe). */
import type { VolumePlan } from '../dicom/types.ts';

export interface PlanMessage {
  type: 'plan';
  planKey: number;
  plan: VolumePlan;
  /** The stack buffer every worker writes its slices into. */
  buffer: SharedArrayBuffer;
}

export interface TaskMessage {
  type: 'task';
  taskId: number;
  planKey: number;
  file: string;
  /** Stack slice indices (into plan.sources) that come from this file. */
  slices: number[];
}

export interface ForgetMessage {
  type: 'forget';
  planKey: number;
}

export type ToWorker = PlanMessage | TaskMessage | ForgetMessage;

export type FromWorker =
  { type: 'ready' } | { type: 'done'; taskId: number } | { type: 'error'; taskId: number; reason: string };
