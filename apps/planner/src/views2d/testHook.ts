/**
 * The 2D views' geometry for the end-to-end tests (and the console): `globalThis.__neuroplan2d` maps
 * LPS points to each view's canvas pixels (CSS px from the view's top-left) and back, so a test can
 * predict where a known structure must appear and check the pixels there.
 */
import type { Types } from '@cornerstonejs/core';
import type { Vec3 } from '@neuroplan/imaging';
import type { Orientation } from './overlays.ts';

const shown = new Map<Orientation, Types.IVolumeViewport>();

export interface Views2dTestApi {
  /** Orientations whose viewport shows a volume. */
  ready(): Orientation[];
  /** The cornerstone viewport of a view (for the console). */
  viewport(o: Orientation): Types.IVolumeViewport | null;
  /** How many volumes a view shows (2 once the MR is fused over the CT). */
  volumeCount(o: Orientation): number;
  worldToCanvas(o: Orientation, p: Vec3): [number, number] | null;
  canvasToWorld(o: Orientation, x: number, y: number): Vec3 | null;
}

const api: Views2dTestApi = {
  ready: () => [...shown.keys()],
  viewport: (o) => shown.get(o) ?? null,
  volumeCount: (o) => shown.get(o)?.getAllVolumeIds().length ?? 0,
  worldToCanvas(o, p) {
    const c = shown.get(o)?.worldToCanvas(p as Types.Point3);
    return c ? [c[0], c[1]] : null;
  },
  canvasToWorld(o, x, y) {
    const w = shown.get(o)?.canvasToWorld([x, y]);
    return w ? [w[0], w[1], w[2]] : null;
  },
};
(globalThis as { __neuroplan2d?: Views2dTestApi }).__neuroplan2d = api;

/** Registers (or, with null, forgets) the viewport a view shows its volumes in. */
export function registerShownViewport(o: Orientation, viewport: Types.IVolumeViewport | null): void {
  if (viewport) shown.set(o, viewport);
  else shown.delete(o);
}
