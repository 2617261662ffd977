/**
 * The planning scene of the open case, built off the page's thread: the T1 is registered to the CT
 * (imaging's task worker, 'registerRigid') unless the MR→CT transform is known, then the scene and the
 * vessel and ventricle surfaces are built in the planning worker. A newer build (or a newly opened
 * case) cancels an older one.
 *
 * Vessel-mask edits: a brush stroke ends on the pointer's release (useShortcuts) or after a pause; it is
 * recorded in the plan's undo history as a compact diff, and the edited mask goes to the planning worker
 * ('vesselChannel'), which re-measures the vessel channel of the scene as built; the scene in use is
 * then replaced (same case, so the plan is re-assessed against it and auto-planning uses it).
 */
import type { StateCreator } from 'zustand';
import { CancelledError, type Volume } from '@neuroplan/imaging';
import { createTaskRunner, type TaskRunner } from '@neuroplan/imaging/browser';
import { runPlanning } from '../workers/planningClient.ts';
import { seriesOf } from '../case/roles.ts';
import type { AppState, SceneSlice, SurfaceName } from './types.ts';
import type { PlanningMaps, PlanningScene, SurfaceMesh } from '@neuroplan/planning';
import { applyEdit, takeStroke } from '../views2d/vesselMask.ts';

let runner: TaskRunner | null = null;
const taskRunner = (): TaskRunner => (runner ??= createTaskRunner({ workers: 1 }));

let currentBuild: AbortController | null = null;

/** Cancels the scene build under way, if any (a new case is being opened). */
export function cancelSceneBuild(): void {
  currentBuild?.abort();
  currentBuild = null;
}

/** The scene as built (the vessel channel is re-measured from it) and its vessel surface. */
let builtScene: PlanningScene | null = null;
let builtVessels: SurfaceMesh | undefined;
let vesselUpdate: AbortController | null = null;
let strokeTimer: ReturnType<typeof setTimeout> | undefined;
/** A stroke still open after this pause is ended (edits that came without a pointer release). */
const STROKE_IDLE_MS = 400;

/** Floats copied per slice onto shared memory (8 MB: a few ms, then the page gets a turn). */
const COPY_SLICE = 1 << 21;
let builtCount = 0;
const sendableMaps = new WeakMap<PlanningScene, Promise<{ key: string; maps: PlanningMaps }>>();

/** The maps of a built scene as sent to the worker (on shared memory when possible), once per scene. */
function mapsToSend(scene: PlanningScene): Promise<{ key: string; maps: PlanningMaps }> {
  let p = sendableMaps.get(scene);
  if (p) return p;
  const key = `built-${++builtCount}`;
  p = (async () => {
    if (!(globalThis.crossOriginIsolated && typeof SharedArrayBuffer === 'function'))
      return { key, maps: scene.maps };
    const from = scene.maps.values;
    const values = new Float32Array(new SharedArrayBuffer(from.byteLength));
    for (let i = 0; i < from.length; i += COPY_SLICE) {
      values.set(from.subarray(i, i + COPY_SLICE), i);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return { key, maps: { ...scene.maps, values } };
  })();
  sendableMaps.set(scene, p);
  return p;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A short case id for the scene: the CT's study, else its series id. */
const caseIdOf = (ct: Volume): string => ct.metadata.studyInstanceUid ?? ct.id;

export const createSceneSlice: StateCreator<AppState, [], [], SceneSlice> = (set, get, api) => {
  // An edit that came without a pointer release (e.g. from the console) ends after a pause.
  api.subscribe((s, prev) => {
    const m = s.vesselMask;
    if (
      !m ||
      m === prev.vesselMask ||
      m.values !== prev.vesselMask?.values ||
      m.revision === prev.vesselMask.revision
    )
      return;
    clearTimeout(strokeTimer);
    strokeTimer = setTimeout(() => get().commitVesselStroke(), STROKE_IDLE_MS);
  });
  return {
    sceneStatus: 'idle',
    sceneProgress: null,
    sceneError: null,
    scene: null,
    surfaces: {},
    vesselEditStatus: 'idle',
    vesselEditProgress: null,
    vesselEditError: null,
    vesselEditedVoxels: 0,

    commitVesselStroke() {
      clearTimeout(strokeTimer);
      const mask = get().vesselMask;
      if (!mask) return;
      const edit = takeStroke(mask.values);
      if (!edit) return;
      get().recordMaskEdit(edit);
      void get().updateVesselChannel();
    },

    applyMaskEdit(edit, direction) {
      const mask = get().vesselMask;
      if (!mask || !applyEdit(mask.values, edit, direction)) return;
      set({ vesselMask: { ...mask, revision: mask.revision + 1, edited: true } });
      void get().updateVesselChannel();
    },

    async updateVesselChannel() {
      const base = builtScene;
      const mask = get().vesselMask;
      if (!base || !mask) return;
      vesselUpdate?.abort();
      const job = new AbortController();
      vesselUpdate = job;
      const live = (): boolean => !job.signal.aborted && builtScene === base;
      set({
        vesselEditStatus: 'working',
        vesselEditProgress: { fraction: 0, phase: 'vessel mask: sending' },
        vesselEditError: null,
      });
      try {
        const { key, maps } = await mapsToSend(base);
        if (!live()) return;
        const result = await runPlanning(
          'vesselChannel',
          { sceneKey: key, maps, allowanceMm: base.allowancesMm.vessel, mask: mask.values.slice() },
          {
            signal: job.signal,
            onProgress: (fraction, phase) => {
              if (live()) set({ vesselEditProgress: { fraction, phase } });
            },
          },
        );
        if (!live()) return;
        const scene: PlanningScene = result.values
          ? {
              ...base,
              maps: { ...base.maps, values: result.values },
              warnings: [
                ...base.warnings,
                `The vessel mask was edited by hand (${result.editedVoxels} voxels); the vessel channel was ` +
                  `re-measured from it at ${result.remeasuredVoxels} map voxels.`,
              ],
            }
          : base;
        const vessels = result.values ? result.vessels : builtVessels;
        const { vessels: _old, ...others } = get().surfaces;
        const current = get().vesselMask;
        set({
          scene,
          surfaces: { ...others, ...(vessels && { vessels }) },
          ...(current && { vesselMask: { ...current, scene } }),
          vesselEditStatus: 'ready',
          vesselEditProgress: null,
          vesselEditedVoxels: result.editedVoxels,
        });
      } catch (e) {
        if (e instanceof CancelledError || (e as Error).name === 'CancelledError' || !live()) return;
        set({ vesselEditStatus: 'failed', vesselEditProgress: null, vesselEditError: message(e) });
      } finally {
        if (vesselUpdate === job) vesselUpdate = null;
      }
    },

    async buildScene() {
      cancelSceneBuild();
      vesselUpdate?.abort();
      const build = new AbortController();
      currentBuild = build;
      const { series } = get();
      const live = (): boolean => !build.signal.aborted && get().series === series;
      const progress = (fraction: number, phase: string): void => {
        if (live()) set({ sceneProgress: { fraction, phase } });
      };
      const ct = seriesOf(series, 'ct');
      const t1 = seriesOf(series, 't1');
      const angio = seriesOf(series, 'angio');
      if (!ct) {
        set({
          sceneStatus: 'failed',
          sceneProgress: null,
          sceneError: 'Planning needs a CT series; none was loaded.',
          scene: null,
          surfaces: {},
        });
        return;
      }
      set({ sceneStatus: 'working', sceneProgress: { fraction: 0, phase: 'starting' }, sceneError: null });
      try {
        let mrToCtLps = get().mrToCtLps;
        const registrationShare = t1 && !mrToCtLps ? 0.2 : 0;
        if (t1 && !mrToCtLps) {
          const r = await taskRunner().run('registerRigid', [ct, t1, {}], {
            signal: build.signal,
            onProgress: (f, p) => progress(registrationShare * f, `registering the T1 to the CT: ${p}`),
          });
          if (!live()) return;
          mrToCtLps = Array.from(r.movingToFixedLps);
          set({ mrToCtLps });
        }
        const result = await runPlanning(
          'buildScene',
          {
            caseId: caseIdOf(ct),
            ct,
            ...(t1 && { t1 }),
            ...(angio && { angio }),
            ...(mrToCtLps && { mrToCtLps }),
          },
          {
            signal: build.signal,
            onProgress: (f, p) => progress(registrationShare + (1 - registrationShare) * f, p),
          },
        );
        if (!live()) return;
        const { scene } = result;
        const surfaces: Partial<Record<SurfaceName, SurfaceMesh>> = { skull: scene.skull };
        if (scene.cortex) surfaces.brain = scene.cortex;
        if (result.vessels) surfaces.vessels = result.vessels;
        if (result.ventricles) surfaces.ventricles = result.ventricles;
        builtScene = scene;
        builtVessels = result.vessels;
        set({
          sceneStatus: 'ready',
          sceneProgress: null,
          scene,
          surfaces,
          vesselEditStatus: 'idle',
          vesselEditProgress: null,
          vesselEditError: null,
          vesselEditedVoxels: 0,
        });
      } catch (e) {
        if (e instanceof CancelledError || (e as Error).name === 'CancelledError' || !live()) return;
        set({ sceneStatus: 'failed', sceneProgress: null, sceneError: message(e) });
      } finally {
        if (currentBuild === build) currentBuild = null;
      }
    },
  };
};
