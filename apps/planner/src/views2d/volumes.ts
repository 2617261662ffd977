/**
 * Our loaded volumes as cornerstone volumes, built in memory from the voxels we already hold (never
 * reloaded through cornerstone's DICOM loader). CT–MR fusion: the MR series are resampled onto the CT
 * grid through the registration (`mrToCtLps`) in a web worker, then shown as a second volume in the same
 * viewports with opacity = the fusion blend. Resampling (rather than a vtk actor transform) keeps
 * cornerstone's slice logic, picking and our overlays in one frame, the CT's.
 */
import { useEffect, useState } from 'react';
import {
  cache,
  getRenderingCapabilities,
  getRenderingEngines,
  ImageVolume,
  imageLoader,
  utilities,
  type Types,
} from '@cornerstonejs/core';
import { mat4Invert, type GridSpec, type Volume, type VoxelArray } from '@neuroplan/imaging';
import { useStore } from '../store/index.ts';
import type { LoadedSeries, SeriesRole } from '../store/types.ts';
import type { ResampleReply, ResampleRequest } from './resampleWorker.ts';
import { ensureCornerstone } from './cornerstoneSetup.ts';
import { nextTask } from './loadViews2d.ts';
import { robustRange } from './robustRange.ts';
import { useViews2d, type FusionLayer } from './uiStore.ts';

/** Cornerstone's direction lists the i, j, k axes one after another: the transpose of our row-major matrix. */
export function cornerstoneDirection(d: ArrayLike<number>): number[] {
  return [d[0]!, d[3]!, d[6]!, d[1]!, d[4]!, d[7]!, d[2]!, d[5]!, d[8]!];
}

type CornerstoneScalars = Uint8Array | Uint16Array | Int16Array | Float32Array;
const isCornerstoneScalars = (s: VoxelArray): s is CornerstoneScalars =>
  s instanceof Uint8Array || s instanceof Uint16Array || s instanceof Int16Array || s instanceof Float32Array;

let nextId = 1;
const frameOf = (v: Volume): string => v.metadata.frameOfReferenceUid ?? 'neuroplan-planning-frame';
const created = new WeakMap<Volume, Promise<string>>();

/** How long one task may spend creating slice images before it yields (the rest of a 100 ms budget is the page's). */
const SLICE_BUDGET_MS = 12;

/**
 * Creates (once per Volume object) the cornerstone volume showing `v`; resolves to its volume id. A
 * volume shown over another (the resampled MR) must name the other's frame of reference: cornerstone
 * refuses to stack volumes of different frames in one viewport.
 *
 * What cornerstone's `volumeLoader.createLocalVolume` does, but a few slices per task: it makes one
 * cached image per slice (a view of our voxels, with each slice's min and max found by a loop over it),
 * ~0.5 ms a slice, which for a whole CT in one go blocked the main thread for 60–100 ms.
 */
export function toCornerstoneVolume(
  v: Volume,
  frameOfReferenceUid?: string,
  owner: Volume = v,
): Promise<string> {
  let known = created.get(v);
  if (!known) {
    // No ':' in the id: cornerstone would take the part before it for an image loader's scheme.
    const volumeId = `neuroplan-volume-${nextId++}`;
    known = createInSlices(volumeId, v, frameOfReferenceUid ?? frameOf(v)).then(() => {
      owners.set(volumeId, { shown: v, owner });
      return volumeId;
    });
    created.set(v, known);
    known.catch(() => created.delete(v));
  }
  return known;
}

async function createInSlices(volumeId: string, v: Volume, frameOfReferenceUid: string): Promise<void> {
  await ensureCornerstone();
  // Cornerstone images take 8-bit unsigned, 16-bit or float32 voxels; other types are converted once.
  const scalars = isCornerstoneScalars(v.scalars) ? v.scalars : Float32Array.from(v.scalars);
  // Without 16-bit normalised textures (EXT_texture_norm16, e.g. on SwiftShader) vtk.js uploads 16-bit
  // voxels as float32, converting every slice when the view first draws the volume: 30–80 ms in one
  // task. Then the slices are handed over as float32 (converted here, a few per task), which vtk.js
  // uploads as they are: the same texture (R32F), the conversion spread out, at 4 bytes a voxel kept.
  const caps = getRenderingCapabilities();
  const asFloat =
    (scalars instanceof Int16Array || scalars instanceof Uint16Array) && !(caps.norm16 && caps.norm16Linear);
  const [ni, nj, nk] = v.dimensions;
  const d = v.directionLps;
  const direction = cornerstoneDirection(d) as Types.Mat3;
  const origin = [...v.originLps] as Types.Point3;
  const dataType = asFloat
    ? 'Float32Array'
    : (scalars.constructor.name as 'Uint8Array' | 'Uint16Array' | 'Int16Array' | 'Float32Array');
  const byteLength = asFloat ? scalars.length * 4 : scalars.byteLength;
  if (!cache.isCacheable(byteLength))
    throw new Error(`${v.id}: the 2D views' image cache has no room for ${byteLength} more bytes`);
  const sliceLength = ni * nj;
  const imageIds: string[] = [];
  let taskStart = performance.now();
  for (let k = 0; k < nk; k++) {
    const imageId = `${volumeId}_slice_${k}`;
    const slice = scalars.subarray(k * sliceLength, (k + 1) * sliceLength);
    imageLoader.createAndCacheLocalImage(imageId, {
      scalarData: asFloat ? new Float32Array(slice) : slice,
      dimensions: [ni, nj],
      spacing: [v.spacingMm[0], v.spacingMm[1]],
      origin,
      direction,
      targetBuffer: { type: dataType },
    });
    imageIds.push(imageId);
    if (performance.now() - taskStart > SLICE_BUDGET_MS) {
      await nextTask();
      taskStart = performance.now();
    }
  }
  const dimensions: Types.Point3 = [ni, nj, nk];
  const volume = new ImageVolume({
    volumeId,
    metadata: {
      BitsAllocated: 16,
      BitsStored: 16,
      SamplesPerPixel: 1,
      HighBit: 15,
      PhotometricInterpretation: v.metadata.displayInverted ? 'MONOCHROME1' : 'MONOCHROME2',
      PixelRepresentation: 1,
      Modality: v.modality,
      SeriesInstanceUID: v.metadata.seriesInstanceUid,
      ImageOrientationPatient: [d[0]!, d[3]!, d[6]!, d[1]!, d[4]!, d[7]!],
      PixelSpacing: [v.spacingMm[1], v.spacingMm[0]],
      FrameOfReferenceUID: frameOfReferenceUid,
      Columns: ni,
      Rows: nj,
      voiLut: [],
      VOILUTFunction: 'LINEAR',
    },
    dimensions,
    spacing: [...v.spacingMm] as Types.Point3,
    origin,
    direction,
    imageIds,
    dataType,
    voxelManager: utilities.VoxelManager.createImageVolumeVoxelManager({
      imageIds,
      dimensions,
      numberOfComponents: 1,
      id: volumeId,
    }),
  });
  cache.putVolumeSync(volumeId, volume);
}

/** Cornerstone volume id → the volume it shows and the loaded series volume it belongs to. */
const owners = new Map<string, { shown: Volume; owner: Volume }>();

/**
 * Frees the cornerstone copies (volume and its slice images) of series no longer loaded, a moment after
 * a new case replaced them (the views switch to the new volumes first).
 */
function purgeUnloaded(): void {
  const live = new Set(useStore.getState().series.map((s) => s.volume));
  let stillShown = false;
  for (const [volumeId, { shown, owner }] of owners) {
    if (live.has(owner)) continue;
    // A view that has not switched yet (new volumes are created a few slices per task and the views
    // render in turn) still draws this one: freeing it now would delete the image data under its actor.
    if (isDisplayed(volumeId)) {
      stillShown = true;
      continue;
    }
    const volume = cache.getVolume(volumeId);
    cache.removeVolumeLoadObject(volumeId);
    for (const imageId of volume?.imageIds ?? []) cache.removeImageLoadObject(imageId, { force: true });
    created.delete(shown);
    owners.delete(volumeId);
  }
  if (stillShown) setTimeout(purgeUnloaded, 1000);
}

function isDisplayed(volumeId: string): boolean {
  for (const engine of getRenderingEngines() ?? [])
    for (const viewport of engine.getViewports())
      if (
        'hasVolumeId' in viewport &&
        typeof viewport.hasVolumeId === 'function' &&
        viewport.hasVolumeId(volumeId)
      )
        return true;
  return false;
}
useStore.subscribe((s, prev) => {
  if (s.series !== prev.series) setTimeout(purgeUnloaded, 2000);
});

export { robustRange };

/** The CT's voxel grid, as resampleVolume's target. */
export const gridOf = (v: Volume): GridSpec => ({
  dimensions: [...v.dimensions],
  spacingMm: [...v.spacingMm],
  originLps: v.originLps,
  directionLps: v.directionLps,
});

/** A resampled MR and its display range (both computed in the worker). */
export interface Resampled {
  volume: Volume;
  range: { lower: number; upper: number };
}

/** Resamples `mr` onto `ct`'s grid in a web worker. */
export function resampleIntoCt(mr: Volume, ct: Volume, mrToCtLps: readonly number[]): Promise<Resampled> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./resampleWorker.ts', import.meta.url), { type: 'module' });
    worker.addEventListener('message', (e: MessageEvent<ResampleReply>) => {
      worker.terminate();
      if (e.data.ok) resolve({ volume: e.data.volume, range: e.data.range });
      else reject(new Error(`${mr.id}: could not resample onto the CT grid: ${e.data.error}`));
    });
    worker.addEventListener('error', (e) => {
      worker.terminate();
      reject(new Error(`${mr.id}: the resampling worker failed: ${e.message}`));
    });
    const request: ResampleRequest = {
      volume: mr,
      grid: gridOf(ct),
      ctToMrLps: mat4Invert(Float64Array.from(mrToCtLps)),
    };
    worker.postMessage(request);
  });
}

/** Resampled MR per (MR volume, CT volume, transform). */
const fused = new WeakMap<Volume, Map<string, Promise<Resampled>>>();
const fusedKeys = new WeakMap<Volume, number>();
let nextCtKey = 1;

function fusedVolume(mr: Volume, ct: Volume, mrToCtLps: readonly number[]): Promise<Resampled> {
  let perMr = fused.get(mr);
  if (!perMr) fused.set(mr, (perMr = new Map()));
  let ctKey = fusedKeys.get(ct);
  if (ctKey === undefined) fusedKeys.set(ct, (ctKey = nextCtKey++));
  const key = `${ctKey}|${mrToCtLps.join(',')}`;
  let p = perMr.get(key);
  if (!p) perMr.set(key, (p = resampleIntoCt(mr, ct, mrToCtLps)));
  return p;
}

export interface ShownVolume {
  volumeId: string;
  volume: Volume;
  /** Display range for volumes without HU (MR); null for CT (windowed by the presets). */
  range: { lower: number; upper: number } | null;
}

export interface ViewVolumes {
  /** The base layer: the CT (or the first series when there is none), in its own frame. */
  base: ShownVolume;
  /** The fused MR on the base grid, when the chosen MR series and the registration exist. */
  overlay: (ShownVolume & { role: SeriesRole }) | null;
  /** Why the overlay is missing (e.g. still resampling), in words; null when shown or not asked for. */
  overlayNote: string | null;
}

const seriesFor = (series: LoadedSeries[], role: SeriesRole) => series.find((s) => s.role === role);
const FUSION_ROLE: Record<FusionLayer, SeriesRole> = { t1: 't1', angio: 'angio' };

/**
 * The volumes the 2D views show, created in cornerstone; null until a case is loaded and its base
 * volume is ready in cornerstone (a moment after the series arrives: it is created a few slices per task).
 */
export function useViewVolumes(): ViewVolumes | null {
  const series = useStore((s) => s.series);
  const mrToCtLps = useStore((s) => s.mrToCtLps);
  const layer = useViews2d((s) => s.fusionLayer);
  const baseSeries = seriesFor(series, 'ct') ?? series[0];
  const mrSeries = baseSeries?.role === 'ct' ? seriesFor(series, FUSION_ROLE[layer]) : undefined;
  const [base, setBase] = useState<ShownVolume | null>(null);
  const [overlay, setOverlay] = useState<
    { source: Volume; shown: ShownVolume } | { source: Volume; error: string } | null
  >(null);

  useEffect(() => {
    if (!baseSeries) return;
    let live = true;
    const volume = baseSeries.volume;
    const isCt = baseSeries.role === 'ct';
    toCornerstoneVolume(volume)
      .then(async (volumeId) => {
        // A display range for volumes without HU (a whole-volume pass: in its own task).
        if (!isCt) await nextTask();
        const range = isCt ? null : robustRangeCached(volume);
        if (live) setBase({ volumeId, volume, range });
      })
      .catch((e: unknown) => console.error(`${volume.id}: cannot show it in the 2D views`, e));
    return () => {
      live = false;
    };
  }, [baseSeries]);

  useEffect(() => {
    if (!baseSeries || !mrSeries || !mrToCtLps) return;
    let live = true;
    const source = mrSeries.volume;
    fusedVolume(source, baseSeries.volume, mrToCtLps)
      .then(async ({ volume, range }) => {
        const volumeId = await toCornerstoneVolume(volume, frameOf(baseSeries.volume), source);
        if (live) setOverlay({ source, shown: { volumeId, volume, range } });
      })
      .catch((e: unknown) => {
        if (live) setOverlay({ source, error: e instanceof Error ? e.message : String(e) });
      });
    return () => {
      live = false;
    };
  }, [baseSeries, mrSeries, mrToCtLps]);

  if (!baseSeries || base?.volume !== baseSeries.volume) return null;
  let shownOverlay: ViewVolumes['overlay'] = null;
  let overlayNote: string | null = null;
  if (mrSeries) {
    if (!mrToCtLps) overlayNote = 'MR not shown: waiting for the CT–MR registration';
    else if (overlay?.source === mrSeries.volume && 'shown' in overlay)
      shownOverlay = { ...overlay.shown, role: mrSeries.role };
    else if (overlay?.source === mrSeries.volume && 'error' in overlay) overlayNote = overlay.error;
    else overlayNote = 'MR fusion: resampling onto the CT…';
  }
  return { base, overlay: shownOverlay, overlayNote };
}

const ranges = new WeakMap<Volume, { lower: number; upper: number }>();
function robustRangeCached(v: Volume): { lower: number; upper: number } {
  let r = ranges.get(v);
  if (!r) ranges.set(v, (r = robustRange(v.scalars)));
  return r;
}
