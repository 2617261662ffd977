/**
 * The case: which patient's images are open and how they were read. Three ways in, one way through:
 * files (the demo phantom generated in the planning worker, a local folder, or a PACS study over
 * DICOMweb) → loadFiles (header pass here, pixels decoded in web workers) → series with roles → the
 * scene is built (sceneSlice: MR→CT registration, then the planning scene, in workers).
 *
 * A newer open supersedes an older one still running: its results are dropped when they arrive.
 * The store's API is put on `globalThis.__neuroplan` for the end-to-end tests (and the console).
 */
import type { StateCreator } from 'zustand';
import {
  retrieveSeries,
  searchSeries,
  searchStudies,
  type LoadError,
  type StudySummary,
} from '@neuroplan/imaging';
import { loadFiles, type BrowserFile, type LoadProgress } from '@neuroplan/imaging/browser';
import { runPlanning } from '../workers/planningClient.ts';
import { cancelSceneBuild } from './sceneSlice.ts';
import { assignRoles } from '../case/roles.ts';
import { CODEC_WASM } from '../case/codecWasm.ts';
import type { AppState, CaseSlice, DicomWebSource, Progress } from './types.ts';

export const DEMO_CASE_NAME = 'Demo phantom (synthetic head, seed 1)';

/** Each open gets a number; only the latest may write its results. */
let currentOpen = 0;
/** The demo load under way and its open number (a superseded one is not shared). */
let demoInFlight: { promise: Promise<void>; token: number } | null = null;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Resolves in a new task (a message to self: no 4 ms clamping as with setTimeout). */
const nextTask = (): Promise<void> =>
  new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });

/**
 * The loader reads every header in this thread; bytes already in memory (the demo, a PACS retrieval)
 * come back at once, so the whole header pass would be one long task. Reading through these gives the
 * page a turn every 25 ms.
 */
function yieldingFiles(files: BrowserFile[]): BrowserFile[] {
  let since = performance.now();
  return files.map(({ name, bytes }) => ({
    name,
    bytes: async () => {
      if (performance.now() - since > 25) {
        await nextTask();
        since = performance.now();
      }
      return typeof bytes === 'function' ? bytes() : bytes;
    },
  }));
}

/** The loader's progress over a part [from, to] of the whole. */
function loadProgress(from: number, to: number, report: (p: Progress) => void) {
  return (p: LoadProgress): void => {
    const f = p.total > 0 ? p.done / p.total : 1;
    const half = p.phase === 'headers' ? [0, 0.3] : [0.3, 1];
    report({
      fraction: from + (to - from) * (half[0]! + (half[1]! - half[0]!) * f),
      phase:
        p.phase === 'headers'
          ? `reading file headers (${p.done} of ${p.total})`
          : `decoding pixels (${p.done} of ${p.total} files)`,
    });
  };
}

export const createCaseSlice: StateCreator<AppState, [], [], CaseSlice> = (set, get, api) => {
  (globalThis as { __neuroplan?: typeof api }).__neuroplan = api;

  /** Starts an open: resets the case and the scene, returns a guard for the later writes. */
  const begin = (caseName: string) => {
    const token = ++currentOpen;
    cancelSceneBuild();
    set({
      caseStatus: 'working',
      caseProgress: { fraction: 0, phase: 'starting' },
      caseName,
      series: [],
      loadErrors: [],
      caseError: null,
      mrToCtLps: null,
      sceneStatus: 'idle',
      sceneProgress: null,
      sceneError: null,
      scene: null,
      surfaces: {},
    });
    const live = (): boolean => token === currentOpen;
    return {
      live,
      progress: (p: Progress): void => {
        if (live()) set({ caseProgress: p });
      },
    };
  };

  /** Loads files into series; the case is ready as soon as they are, then the scene is built. */
  const loadAndFinish = async (
    guard: ReturnType<typeof begin>,
    files: BrowserFile[],
    earlierErrors: LoadError[],
    from: number,
  ): Promise<void> => {
    const loaded = await loadFiles(yieldingFiles(files), {
      onProgress: loadProgress(from, 1, guard.progress),
      codecWasm: CODEC_WASM,
    });
    if (!guard.live()) return;
    const errors = [...earlierErrors, ...loaded.errors];
    if (loaded.volumes.length === 0) {
      set({
        caseStatus: 'failed',
        caseProgress: null,
        loadErrors: errors,
        caseError:
          files.length === 0
            ? 'No files were given.'
            : `None of the ${files.length} file(s) could be read as an image series (see the errors below).`,
      });
      return;
    }
    set({
      caseStatus: 'ready',
      caseProgress: null,
      series: assignRoles(loaded.volumes),
      loadErrors: errors,
    });
    await get().buildScene();
  };

  const fail = (guard: ReturnType<typeof begin>, e: unknown): void => {
    if (guard.live()) set({ caseStatus: 'failed', caseProgress: null, caseError: message(e) });
  };

  return {
    caseStatus: 'idle',
    caseProgress: null,
    caseName: '',
    series: [],
    loadErrors: [],
    caseError: null,
    mrToCtLps: null,

    openDemoCase() {
      // React's development double effects and repeated clicks share one load.
      if (demoInFlight && demoInFlight.token === currentOpen) return demoInFlight.promise;
      const guard = begin(DEMO_CASE_NAME);
      const token = currentOpen;
      const promise = (async () => {
        try {
          const { files } = await runPlanning(
            'demoCase',
            { size: 160, seed: 1 },
            { onProgress: (f, phase) => guard.progress({ fraction: 0.3 * f, phase }) },
          );
          if (!guard.live()) return;
          await loadAndFinish(guard, files, [], 0.3);
        } catch (e) {
          fail(guard, e);
        } finally {
          if (demoInFlight?.token === token) demoInFlight = null;
        }
      })();
      demoInFlight = { promise, token };
      return promise;
    },

    async openFiles(files, name) {
      const guard = begin(name);
      try {
        await loadAndFinish(guard, files, [], 0);
      } catch (e) {
        fail(guard, e);
      }
    },

    async openDicomWeb(source) {
      const guard = begin(`PACS study ${source.studyInstanceUid}`);
      try {
        const { studies, files, errors } = await retrieveStudies(source, guard.progress);
        if (!guard.live()) return;
        const first = studies[0];
        if (first)
          set({
            caseName: `${first.patientName.replaceAll('^', ' ').trim() || first.patientId || 'PACS'} — ${studies
              .map((s) => s.studyDescription || s.studyDate || s.studyInstanceUid)
              .join(' + ')}`,
          });
        await loadAndFinish(guard, files, errors, 0.6);
      } catch (e) {
        fail(guard, e);
      }
    },
  };
};

/**
 * Retrieves the chosen study and the patient's other studies on the server (a plan needs the CT and
 * the MR, which are often separate studies), every series of each.
 */
async function retrieveStudies(
  source: DicomWebSource,
  progress: (p: Progress) => void,
): Promise<{ studies: StudySummary[]; files: BrowserFile[]; errors: LoadError[] }> {
  const server = { baseUrl: source.baseUrl };
  progress({ fraction: 0, phase: 'searching the PACS' });
  const all = await searchStudies(server, {});
  const chosen = all.find((s) => s.studyInstanceUid === source.studyInstanceUid);
  const studies = chosen
    ? [
        chosen,
        ...all.filter((s) => s !== chosen && chosen.patientId !== '' && s.patientId === chosen.patientId),
      ]
    : [];
  const uids = studies.length > 0 ? studies.map((s) => s.studyInstanceUid) : [source.studyInstanceUid];
  const seriesLists = await Promise.all(uids.map((uid) => searchSeries(server, uid)));
  const series = seriesLists.flat();
  const total = series.reduce((n, s) => n + (s.instanceCount ?? 1), 0);
  const files: BrowserFile[] = [];
  const errors: LoadError[] = [];
  let before = 0;
  for (const s of series) {
    const got = await retrieveSeries(server, s.studyInstanceUid, s.seriesInstanceUid, {
      onProgress: (p) =>
        progress({
          fraction: (0.6 * (before + p.done)) / Math.max(total, before + p.total),
          phase: `retrieving ${s.modality} ${s.seriesDescription || s.seriesInstanceUid} (${p.done} of ${p.total})`,
        }),
    });
    before += got.files.length + got.errors.length;
    files.push(...got.files.map((f) => ({ name: f.name, bytes: f.bytes })));
    errors.push(...got.errors);
  }
  return { studies, files, errors };
}
