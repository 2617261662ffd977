/**
 * The cortical (pial) surface from a T1: the boundary of brain TISSUE (grey and white matter), i.e. the
 * brain mask ∩ voxels at or above the tissue threshold, as in sulcal depth. Sulci the image resolves stay
 * open (their CSF is below the threshold); enclosed CSF (ventricles) is filled, so the mesh is one outer
 * shell. Marching cubes on the tissue indicator (level 0.5, closed at the volume boundary), the largest
 * connected shell kept, then Taubin smoothing with the enclosed volume restored.
 */
import type { Volume } from '../volume.ts';
import { checkCancelled, type TaskControl } from '../task.ts';
import { extractIsosurface } from '../surface/marchingCubes.ts';
import { checkWatertight, meshAreaMm2, meshVolumeMm3 } from '../surface/measure.ts';
import { computeVertexNormals, type Mesh } from '../surface/mesh.ts';
import { smoothMesh } from '../surface/smooth.ts';
import { largestMeshPiece } from '../surface/largestPiece.ts';
import { segmentBrainT1, TISSUE_FRACTION } from './brain.ts';
import { largestComponent } from './components.ts';
import { countMask } from './grid.ts';
import { labelMapFromMask, type LabelMap } from './labelMap.ts';
import { fillHoles } from './morphology.ts';
import { otsuThresholds } from './threshold.ts';

export interface CorticalSurfaceOptions {
  /** A brain label map on the T1's grid to reuse (e.g. segmentBrainT1(t1).labelMap); computed when absent. */
  brain?: LabelMap;
  /** The brain's label value in `brain` (default 1). */
  brainLabel?: number;
  /** Taubin λ/μ pairs (default 10; 0 keeps the marching-cubes surface). */
  smoothIterations?: number;
  /**
   * T1 value at or above which a brain voxel is tissue (default: segmentBrainT1's tissue threshold,
   * 0.55 × the head/air Otsu threshold).
   */
  tissueThreshold?: number;
  control?: TaskControl;
}

export interface CorticalSurface {
  /** Watertight, outward-wound, smoothed triangle mesh in LPS mm, with vertex normals. */
  mesh: Mesh;
  /** The brain label map used (the one given, or the one computed). */
  brainLabelMap: LabelMap;
  /** The tissue threshold used (T1 units). */
  tissueThreshold: number;
  /** Tissue voxels inside the surface (the filled largest component) and their volume in mm³. */
  tissueVoxels: number;
  tissueVoxelVolumeMm3: number;
  areaMm2: number;
  /** Enclosed volume (divergence theorem; positive because the mesh is wound outward). */
  volumeMm3: number;
}

export function corticalSurface(t1: Volume, options: CorticalSurfaceOptions = {}): CorticalSurface {
  const what = 'cortical surface';
  const control = options.control;
  const iterations = options.smoothIterations ?? 10;
  if (!Number.isInteger(iterations) || iterations < 0 || iterations > 10000)
    throw new Error(
      `${t1.id}: cortical surface smoothing iterations must be an integer 0..10000, got ${iterations}`,
    );
  if (options.tissueThreshold !== undefined && !Number.isFinite(options.tissueThreshold))
    throw new Error(`${t1.id}: the tissue threshold must be a finite number, got ${options.tissueThreshold}`);
  const label = options.brainLabel ?? 1;
  // Phases report through one callback as fractions of the whole operation.
  const sub = (from: number, to: number): TaskControl => ({
    signal: control?.signal,
    onProgress: (f) => control?.onProgress?.(from + (to - from) * f, what),
  });
  checkCancelled(control, what);
  control?.onProgress?.(0, what);

  let brainLabelMap: LabelMap;
  let threshold = options.tissueThreshold;
  if (options.brain) {
    brainLabelMap = options.brain;
    const [a, b, c] = brainLabelMap.dimensions;
    const [ni, nj, nk] = t1.dimensions;
    if (a !== ni || b !== nj || c !== nk)
      throw new Error(
        `${t1.id}: the brain label map ${brainLabelMap.id} is ${a}×${b}×${c}, the T1 is ${ni}×${nj}×${nk}`,
      );
    if (threshold === undefined) {
      const [otsu] = otsuThresholds(t1.scalars, 2, { minValue: Number.MIN_VALUE });
      threshold = TISSUE_FRACTION * otsu!;
    }
  } else {
    const seg = segmentBrainT1(t1, {}, sub(0, 0.5));
    brainLabelMap = seg.labelMap;
    threshold ??= seg.thresholds.tissue;
  }
  checkCancelled(control, what);

  const labels = brainLabelMap.scalars;
  const s = t1.scalars;
  const tissue = new Uint8Array(s.length);
  for (let p = 0; p < s.length; p++) tissue[p] = labels[p] === label && s[p]! >= threshold ? 1 : 0;
  // 6-connected: voxels touching only along an edge or a corner would meet in a non-manifold mesh edge.
  const filled = fillHoles(t1, largestComponent(t1, tissue, 6, sub(0.5, 0.6)), control);
  const tissueVoxels = countMask(filled);
  if (tissueVoxels === 0)
    throw new Error(
      `${t1.id}: no brain tissue at or above ${threshold.toFixed(1)} inside the brain mask; is this a T1 head scan?`,
    );
  control?.onProgress?.(0.6, what);

  const indicator = labelMapFromMask(t1, filled, { value: 1, name: 'brain tissue' });
  const raw = extractIsosurface(indicator, 0.5, {
    labelValue: 1,
    closeAtBoundary: true,
    computeNormals: false,
    control: sub(0.6, 0.75),
  });
  const shell = largestMeshPiece(raw);
  checkCancelled(control, what);
  const smoothed = smoothMesh(shell, { iterations, preserveVolume: true, control: sub(0.75, 1) });
  const mesh: Mesh = {
    positionsLps: smoothed.positionsLps,
    indices: smoothed.indices,
    normalsLps: computeVertexNormals(smoothed.positionsLps, smoothed.indices),
  };
  if (!checkWatertight(mesh).watertight)
    throw new Error(`${t1.id}: the cortical surface is not watertight (a marching-cubes defect)`);
  const sp = t1.spacingMm;
  control?.onProgress?.(1, what);
  return {
    mesh,
    brainLabelMap,
    tissueThreshold: threshold,
    tissueVoxels,
    tissueVoxelVolumeMm3: tissueVoxels * sp[0] * sp[1] * sp[2],
    areaMm2: meshAreaMm2(mesh),
    volumeMm3: meshVolumeMm3(mesh),
  };
}
