/**
 * Resamples an MR volume onto the CT grid through the registration (off the UI thread: a 256³
 * trilinear resample takes longer than the 100 ms the UI may block).
 */
import { resampleVolume, type GridSpec, type Mat4, type Volume } from '@neuroplan/imaging';
import { robustRange } from './robustRange.ts';

export interface ResampleRequest {
  volume: Volume;
  grid: GridSpec;
  /** CT LPS → MR LPS. */
  ctToMrLps: Mat4;
}

/** The volume with its display range (a pass over the voxels, so here rather than on the UI thread). */
export type ResampleReply =
  { ok: true; volume: Volume; range: { lower: number; upper: number } } | { ok: false; error: string };

interface WorkerScope {
  postMessage(message: ResampleReply, transfer?: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: { data: ResampleRequest }) => void): void;
}
const scope = globalThis as unknown as WorkerScope;

scope.addEventListener('message', ({ data }) => {
  try {
    const volume = resampleVolume(data.volume, data.grid, {
      targetLpsToSourceLps: data.ctToMrLps,
      id: `${data.volume.id}:in-ct`,
    });
    scope.postMessage({ ok: true, volume, range: robustRange(volume.scalars) }, [
      volume.scalars.buffer as ArrayBuffer,
    ]);
  } catch (e) {
    scope.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
