/**
 * The planning scene of the open case, built off the page's thread: the T1 is registered to the CT
 * (imaging's task worker, 'registerRigid') unless the MR→CT transform is known, then the scene and the
 * vessel and ventricle surfaces are built in the planning worker. A newer build (or a newly opened
 * case) cancels an older one.
 */
import type { StateCreator } from 'zustand';
import { CancelledError, type Volume } from '@neuroplan/imaging';
import { createTaskRunner, type TaskRunner } from '@neuroplan/imaging/browser';
import { runPlanning } from '../workers/planningClient.ts';
import { seriesOf } from '../case/roles.ts';
import type { AppState, SceneSlice, SurfaceName } from './types.ts';
import type { SurfaceMesh } from '@neuroplan/planning';

let runner: TaskRunner | null = null;
const taskRunner = (): TaskRunner => (runner ??= createTaskRunner({ workers: 1 }));

let currentBuild: AbortController | null = null;

/** Cancels the scene build under way, if any (a new case is being opened). */
export function cancelSceneBuild(): void {
  currentBuild?.abort();
  currentBuild = null;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A short case id for the scene: the CT's study, else its series id. */
const caseIdOf = (ct: Volume): string => ct.metadata.studyInstanceUid ?? ct.id;

export const createSceneSlice: StateCreator<AppState, [], [], SceneSlice> = (set, get) => ({
  sceneStatus: 'idle',
  sceneProgress: null,
  sceneError: null,
  scene: null,
  surfaces: {},

  async buildScene() {
    cancelSceneBuild();
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
      set({ sceneStatus: 'ready', sceneProgress: null, scene, surfaces });
    } catch (e) {
      if (e instanceof CancelledError || (e as Error).name === 'CancelledError' || !live()) return;
      set({ sceneStatus: 'failed', sceneProgress: null, sceneError: message(e) });
    } finally {
      if (currentBuild === build) currentBuild = null;
    }
  },
});
