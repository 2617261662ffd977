/**
 * Resamples an MR volume onto the CT grid through the registration (off the UI thread: a 256³
 * trilinear resample takes longer than the 100 ms the UI may block).
 */
import { resampleVolume, type GridSpec, type Mat4, type Volume } from '@neuroplan/imaging';

export interface ResampleRequest {
  volume: Volume;
  grid: GridSpec;
  /** CT LPS → MR LPS. */
  ctToMrLps: Mat4;
}

export type ResampleReply = { ok: true; volume: Volume } | { ok: false; error: string };

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
    scope.postMessage({ ok: true, volume }, [volume.scalars.buffer as ArrayBuffer]);
  } catch (e) {
    scope.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
