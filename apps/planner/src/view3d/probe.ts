/**
 * The 3D view's measurement hook, on `globalThis.neuroplanView3D` for the e2e tests and for anyone
 * profiling in the browser console: how many frames were drawn, what is shown, and the frame time.
 *
 * Frame time is measured two ways, both while orbiting the camera around the anatomy:
 *  - `measureFrameTime(n)`: n synchronous `gl.render` calls, each followed by a 1-pixel readPixels so the
 *    GPU has really finished the frame (render + sync, the cost of one frame);
 *  - `measureOrbitFrames(n)`: n on-demand frames requested one per animation frame, timed by the
 *    requestAnimationFrame deltas (what a user orbiting with the mouse gets, capped by the display rate).
 */
import type { SurfaceName } from '../store/types.ts';
import type { FrameTimeReport } from './frameStats.ts';

export type { FrameTimeReport } from './frameStats.ts';

export interface View3DProbe {
  /** Frames rendered since the view mounted (render on demand: it only grows when something changed). */
  renderedFrames: number;
  surfacesShown: SurfaceName[];
  electrodesShown: number;
  canvas: HTMLCanvasElement;
  resetView(): void;
  focusSelected(): boolean;
  measureFrameTime(frames?: number): FrameTimeReport;
  measureOrbitFrames(frames?: number): Promise<FrameTimeReport>;
}

declare global {
  var neuroplanView3D: View3DProbe | undefined;
}
