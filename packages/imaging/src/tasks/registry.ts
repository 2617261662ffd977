/**
 * The imaging operations that can run as tasks (in this thread, a web worker or a worker thread),
 * by name. Operations take their TaskControl in one of two ways; the two adapters below turn either
 * into one shape, `(args, control) => result`, so that `runTask` and the worker runners are typed
 * against each function's own parameters and result:
 *  - `controlLast(fn, i)`: control is parameter i, the last   e.g. controlLast(segmentSkull, 2)
 *  - `controlInOptions(fn, i)`: parameter i, the last, is an options object holding `control`
 *      e.g. controlInOptions(distanceTransform, 1)
 * (the index is checked against the function's type). Adding an operation is one line in
 * `operations`. Arguments and results must survive structured clone to cross into a worker: typed
 * arrays, plain objects, Volumes yes; functions no (the options' function-valued fields are left out
 * of the task types for that reason); class instances arrive as plain objects.
 */
import type { TaskControl } from '../task.ts';
import { distanceTransform } from '../distance/distanceTransform.ts';
import { extractIsosurface } from '../surface/marchingCubes.ts';
import { smoothMesh } from '../surface/smooth.ts';
import { decimateMesh } from '../surface/decimate.ts';
import { registerRigid } from '../registration/register.ts';
import { segmentSkull } from '../segmentation/skull.ts';
import { segmentBrainT1 } from '../segmentation/brain.ts';
import { segmentVentricles } from '../segmentation/ventricles.ts';
import { segmentVessels } from '../segmentation/vessels.ts';
import { sulcalDepth } from '../segmentation/sulci.ts';
import { corticalSurface } from '../segmentation/cortex.ts';

/** An operation in task form. */
export interface TaskOp<A extends unknown[], R> {
  (args: A, control: TaskControl | undefined): R | Promise<R>;
}

/** Options without `control` and without fields that hold functions (they cannot reach a worker). */
export type TaskOptions<O> = {
  [
    K in keyof O as K extends 'control'
      ? never
      : NonNullable<O[K]> extends (...args: never[]) => unknown
        ? never
        : K
  ]: O[K];
};

/**
 * For functions whose last parameter, at index `controlAt`, is `control?: TaskControl`. The index is
 * given (and type-checked) because omitted optional arguments would otherwise shift the control.
 */
export function controlLast<A extends unknown[], R>(
  fn: (...args: [...A, TaskControl?]) => R,
  controlAt: Required<A>['length'],
): TaskOp<A, Awaited<R>> {
  return (args, control) => {
    const padded = Array.from({ length: controlAt }, (_, i) => args[i]) as A;
    return fn(...padded, control) as Awaited<R>;
  };
}

/**
 * For functions whose parameter `optionsAt` (the last one) is an options object with a
 * `control?: TaskControl` field; the index is given because default parameters hide it at run time.
 */
export function controlInOptions<A extends unknown[], O extends { control?: TaskControl }, R>(
  fn: (...args: [...A, O?]) => R,
  optionsAt: Required<A>['length'],
): TaskOp<[...A, TaskOptions<O>?], Awaited<R>> {
  return (args, control) => {
    const leading = Array.from({ length: optionsAt }, (_, i) => args[i]) as A;
    const options = { ...(args[optionsAt] as O | undefined), control } as O;
    return fn(...leading, options) as Awaited<R>;
  };
}

export const operations = {
  distanceTransform: controlInOptions(distanceTransform, 1),
  extractIsosurface: controlInOptions(extractIsosurface, 2),
  smoothMesh: controlInOptions(smoothMesh, 1),
  decimateMesh: controlInOptions(decimateMesh, 1),
  registerRigid: controlInOptions(registerRigid, 2),
  segmentSkull: controlLast(segmentSkull, 2),
  segmentBrainT1: controlLast(segmentBrainT1, 2),
  segmentVentricles: controlLast(segmentVentricles, 3),
  segmentVessels: controlLast(segmentVessels, 2),
  sulcalDepth: controlLast(sulcalDepth, 3),
  corticalSurface: controlInOptions(corticalSurface, 1),
};

export type Operations = typeof operations;
export type TaskName = keyof Operations;
export type TaskArgs<K extends TaskName> = Operations[K] extends TaskOp<infer A, unknown> ? A : never;
export type TaskResult<K extends TaskName> = Operations[K] extends TaskOp<never, infer R> ? R : never;

/** Runs an operation in this thread (tests, the CLI, or inside a worker). */
export async function runTask<K extends TaskName>(
  name: K,
  args: TaskArgs<K>,
  control?: TaskControl,
): Promise<TaskResult<K>> {
  const op = operations[name] as unknown as TaskOp<TaskArgs<K>, TaskResult<K>> | undefined;
  if (!Object.hasOwn(operations, name) || !op) throw new Error(`unknown imaging task "${String(name)}"`);
  return op(args, control);
}
