/**
 * Loads the 2D views' code in stages. Cornerstone3D with its dependencies (dcmjs's DICOM dictionary,
 * cornerstone's metadata rules, vtk.js, the mesh reader's XML stack) is ~3 MB of modules whose top-level
 * code runs when first imported; one dynamic import of it all evaluated the whole graph in a single task
 * of 150–400 ms. Importing the leaves of that graph first, one dynamic import per task, spreads the
 * evaluation: a module already evaluated is not evaluated again when a later stage imports it. The
 * bundler gives each stage its own chunk (modules shared with a later stage stay in the earlier one).
 * Each stage's evaluation time is left as a `performance.measure` ("views2d:<stage>") for profiling.
 */
import type * as Views2dModule from './Viewport2DImpl.tsx';

/** Resolves in a new task (a message, not setTimeout: nested timeouts are clamped to 4 ms). */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Leaves first: each stage's own modules are what it adds to those the earlier stages evaluated. */
const STAGES: [name: string, load: () => Promise<unknown>][] = [
  // dcmjs (its dictionary is decoded at load) and cornerstone's logging.
  ['utils', () => import('@cornerstonejs/utils')],
  // cornerstone's metadata package by its entry points: enums, utilities (tag dictionary, providers),
  // then the rest (the display-set rules it compiles at load).
  ['metadata-enums', () => import('@cornerstonejs/metadata/enums')],
  ['metadata-utilities', () => import('@cornerstonejs/metadata/utilities')],
  ['metadata', () => import('@cornerstonejs/metadata')],
  // xmlbuilder2 and its DOM (cornerstone's mesh cache imports vtk.js's XML reader).
  ['vtk-xml', () => import('@kitware/vtk.js/IO/XML/XMLPolyDataReader.js')],
  // vtk.js's rendering classes that cornerstone builds on.
  ['vtk-profiles', () => import('./vtkProfiles.ts')],
  ['vtk-rendering', () => import('@kitware/vtk.js/Rendering/Core/ImageResliceMapper')],
  // cornerstone core, by its package's entry points: constants (colormaps), enums, loaders (cache,
  // volumes, vtk classes), utilities, then the rest (viewports, rendering engines).
  ['core-constants', () => import('@cornerstonejs/core/constants')],
  ['core-enums', () => import('@cornerstonejs/core/enums')],
  ['core-loaders', () => import('@cornerstonejs/core/loaders')],
  ['core-utilities', () => import('@cornerstonejs/core/utilities')],
  ['core', () => import('@cornerstonejs/core')],
];

let loading: Promise<typeof Views2dModule> | null = null;

/** The 2D views' module, loaded once in stages (one task each). */
export function loadViews2d(): Promise<typeof Views2dModule> {
  loading ??= (async () => {
    for (const [name, load] of STAGES) {
      const start = performance.now();
      await load();
      performance.measure(`views2d:${name}`, { start });
      await nextTask();
    }
    const start = performance.now();
    const views = await import('./Viewport2DImpl.tsx');
    performance.measure('views2d:views', { start });
    return views;
  })();
  return loading;
}
