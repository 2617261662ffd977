/**
 * Cornerstone3D for the 2D views: initialised once per page, with ONE rendering engine shared by the
 * axial, sagittal and coronal viewports. The engine renders through one pooled WebGL context and copies
 * each viewport into its own 2D canvas, so the three views cost one of the page's 16 WebGL contexts
 * (cornerstone's default pool would take 7 of them, leaving too few for the 3D view).
 */
import {
  init,
  isCornerstoneInitialized,
  RenderingEngine,
  getRenderingEngine,
  type Types,
} from '@cornerstonejs/core';
import { nextTask } from './loadViews2d.ts';

export const RENDERING_ENGINE_ID = 'neuroplan-2d';

let ready: Promise<void> | null = null;

/** Initialises cornerstone once (idempotent; safe to call from every view). */
export function ensureCornerstone(): Promise<void> {
  ready ??= (async () => {
    // init deep-merges a partial configuration into its defaults.
    if (!isCornerstoneInitialized())
      init({ rendering: { webGlContextCount: 1 } } as unknown as Types.Cornerstone3DConfig);
    // init probes WebGL (a context and test textures): what follows gets a task of its own.
    await nextTask();
  })();
  return ready;
}

/** The page's one rendering engine for 2D views (created on first use). */
export function renderingEngine2D(): RenderingEngine {
  const existing = getRenderingEngine(RENDERING_ENGINE_ID);
  if (existing) return existing as RenderingEngine;
  return new RenderingEngine(RENDERING_ENGINE_ID);
}
