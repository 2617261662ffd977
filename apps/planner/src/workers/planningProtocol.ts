/** Messages between the page (planningClient.ts) and the planning worker (planningWorker.ts). */

export interface PlanningRunMessage {
  type: 'run';
  id: number;
  op: string;
  request: unknown;
  /** One Int32 on shared memory, set to 1 to cancel (when the page is cross-origin isolated). */
  cancelFlag?: Int32Array;
}

export type ToPlanningWorker = PlanningRunMessage;

export type FromPlanningWorker =
  | { type: 'progress'; id: number; fraction: number; phase: string }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; message: string; cancelled: boolean };

/** The ArrayBuffers under the typed arrays in a message (not shared ones): imaging's, for the transfer list. */
export { transferables as transferList } from '@neuroplan/imaging';
