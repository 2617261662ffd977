/**
 * Runs the automatic entry search in the planning worker ('autoPlan' in workers/planningOperations.ts).
 * Where the page is cross-origin isolated, the scene's maps (tens of MB) are copied once per scene onto
 * shared memory, in slices between which the page runs, so each request shares them with the worker
 * instead of copying them on the page's thread.
 */
import type { PlanningScene } from '@neuroplan/planning';
import { runPlanning } from '../workers/planningClient.ts';
import type { AutoPlanRequest, AutoPlanResult } from '../workers/autoPlanOperation.ts';

export interface AutoPlanJob {
  result: Promise<AutoPlanResult>;
  cancel(): void;
}

interface Sendable {
  key: string;
  scene: PlanningScene;
}

/** Floats copied per slice (8 MB: a few ms). */
const COPY_SLICE = 1 << 21;
const prepared = new WeakMap<PlanningScene, Promise<Sendable>>();
let sceneCount = 0;
const yieldToPage = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** The scene as sent to the worker (maps on shared memory when possible) and its key; once per scene. */
function sendable(scene: PlanningScene): Promise<Sendable> {
  let p = prepared.get(scene);
  if (p) return p;
  const key = `scene-${++sceneCount}`;
  p = (async (): Promise<Sendable> => {
    if (!(globalThis.crossOriginIsolated && typeof SharedArrayBuffer === 'function')) return { key, scene };
    const from = scene.maps.values;
    const values = new Float32Array(new SharedArrayBuffer(from.byteLength));
    for (let i = 0; i < from.length; i += COPY_SLICE) {
      values.set(from.subarray(i, i + COPY_SLICE), i);
      await yieldToPage();
    }
    return { key, scene: { ...scene, maps: { ...scene.maps, values } } };
  })();
  prepared.set(scene, p);
  return p;
}

export function startAutoPlan(
  scene: PlanningScene,
  request: Omit<AutoPlanRequest, 'scene' | 'sceneKey'>,
  onProgress: (fraction: number, phase: string) => void,
): AutoPlanJob {
  const abort = new AbortController();
  const result = sendable(scene).then(({ key, scene: sent }) =>
    runPlanning('autoPlan', { ...request, sceneKey: key, scene: sent }, { signal: abort.signal, onProgress }),
  );
  return { result, cancel: () => abort.abort() };
}
