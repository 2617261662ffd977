/**
 * The planning worker's 'vesselChannel' operation: the vessel channel of the planning maps re-measured
 * from the vessel mask the surgeon edited (brush/erase in the 2D views, on the maps' own grid).
 *
 * The mask is measured with the scene builder's own rule (exact EDT of the mask, `signedWallDistance`)
 * minus the builder's imaging allowance for the grid it was measured on (`vesselAllowanceMm`: one voxel,
 * here a maps voxel, since the mask's wall is only known to the voxel). Only voxels whose nearest mask
 * wall the edit changed are re-measured (their EDT of the edited mask differs from the EDT of the mask as
 * built); every other voxel keeps the scene builder's value, so an edit changes the maps only around it
 * and a mask edited back to what it was gives back the scene as built, exactly.
 */
import { createVolume, extractIsosurface, type TaskControl, type Volume } from '@neuroplan/imaging';
import {
  FAR_MM,
  MAP_CHANNEL_COUNT,
  channelIndex,
  signedWallDistance,
  vesselAllowanceMm,
  type PlanningMaps,
  type SurfaceMesh,
} from '@neuroplan/planning';
import type { WorkerContext } from './planningOperations.ts';

export interface VesselChannelRequest {
  /** Identifies the scene as built (the worker keeps what it measured on it under this key). */
  sceneKey: string;
  /** The maps of the scene as built (on shared memory where the page is cross-origin isolated). */
  maps: PlanningMaps;
  /** The scene's vessel allowance (`allowancesMm.vessel`): where the drawn lumen lies in the channel. */
  allowanceMm: number;
  /** The edited mask on the maps' grid (1 = vessel), as `EditableMask.values`. */
  mask: Uint8Array;
}

export interface VesselChannelResult {
  /** Mask voxels that differ from the mask of the scene as built. */
  editedVoxels: number;
  /** Maps voxels whose vessel channel was re-measured. */
  remeasuredVoxels: number;
  /** The new maps values (all channels; only the vessel channel differs); absent when nothing was edited. */
  values?: Float32Array;
  /** The vessel surface of the new channel (absent when nothing was edited or no vessel is left). */
  vessels?: SurfaceMesh;
}

interface Measured {
  key: string;
  /** The mask of the scene as built: vessel channel ≤ 0 (as the 2D views derive it). */
  mask: Uint8Array;
  /** Its EDT by the builder's rule; undefined when it is empty or full. */
  distance: Float32Array | undefined;
}

const CACHE = 'vesselChannel.base';
const VESSEL = channelIndex('vessel');

/** The maps' grid as a volume (axes L, P, S; isotropic), holding `scalars`. */
function mapsGrid(maps: PlanningMaps, scalars: Uint8Array | Float32Array, id: string): Volume {
  const s = maps.spacingMm;
  return createVolume({
    id,
    modality: 'OT',
    dimensions: [...maps.dimensions],
    spacingMm: [s, s, s],
    originLps: maps.originLps,
    directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    scalars,
  });
}

function measuredBase(request: VesselChannelRequest, control: TaskControl, context: WorkerContext): Measured {
  const cached = context[CACHE] as Measured | undefined;
  if (cached?.key === request.sceneKey) return cached;
  const { maps } = request;
  const n = maps.dimensions[0] * maps.dimensions[1] * maps.dimensions[2];
  const mask = new Uint8Array(n);
  for (let v = 0; v < n; v++) mask[v] = maps.values[v * MAP_CHANNEL_COUNT + VESSEL]! <= 0 ? 1 : 0;
  const grid = mapsGrid(maps, mask, 'vessel mask as built');
  const distance = signedWallDistance(grid, mask, 'vessel mask as built', control);
  const measured: Measured = { key: request.sceneKey, mask, distance };
  context[CACHE] = measured;
  return measured;
}

export function vesselChannel(
  request: VesselChannelRequest,
  control: TaskControl,
  context: WorkerContext,
): VesselChannelResult {
  const { maps, mask } = request;
  const [ni, nj, nk] = maps.dimensions;
  const n = ni * nj * nk;
  if (mask.length !== n || maps.values.length !== n * MAP_CHANNEL_COUNT)
    throw new Error(`vessel mask: ${mask.length} voxels for a ${ni}×${nj}×${nk} maps grid`);
  control.onProgress?.(0, 'vessel mask: measuring the mask as built');
  const base = measuredBase(request, control, context);
  let editedVoxels = 0;
  for (let v = 0; v < n; v++) if (mask[v] !== base.mask[v]) editedVoxels++;
  if (editedVoxels === 0) {
    control.onProgress?.(1, 'vessel mask: as built');
    return { editedVoxels, remeasuredVoxels: 0 };
  }
  control.onProgress?.(0.3, 'vessel mask: measuring the edited mask');
  const grid = mapsGrid(maps, mask, 'edited vessel mask');
  const distance = signedWallDistance(grid, mask, 'edited vessel mask', control);
  const extraMm = vesselAllowanceMm([maps.spacingMm, maps.spacingMm, maps.spacingMm]);
  control.onProgress?.(0.7, 'vessel mask: updating the vessel channel');
  const values = Float32Array.from(maps.values);
  // The drawn wall: where the scene builder draws it (channel + allowance = 0) away from the edit, and
  // the edited mask's wall moved in by the allowance, as the mask as built lies around the lumen.
  const inside = new Float32Array(n);
  let remeasuredVoxels = 0;
  for (let v = 0; v < n; v++) {
    const before = base.distance?.[v];
    const after = distance?.[v];
    const o = v * MAP_CHANNEL_COUNT + VESSEL;
    if (after === before) {
      inside[v] = -(values[o]! + request.allowanceMm);
      continue;
    }
    remeasuredVoxels++;
    values[o] = after === undefined ? FAR_MM : after - extraMm;
    inside[v] = after === undefined ? -FAR_MM : -(after + request.allowanceMm);
  }
  control.onProgress?.(0.8, 'vessel mask: vessel surface');
  const mesh = extractIsosurface(mapsGrid(maps, inside, 'edited vessels'), 0, {
    control: {
      ...(control.signal && { signal: control.signal }),
      onProgress: (f) => control.onProgress?.(0.8 + 0.2 * f, 'vessel mask: vessel surface'),
    },
  });
  const vessels =
    mesh.indices.length > 0 && mesh.normalsLps
      ? { positionsLps: mesh.positionsLps, normalsLps: mesh.normalsLps, indices: mesh.indices }
      : undefined;
  control.onProgress?.(1, 'vessel mask: done');
  return { editedVoxels, remeasuredVoxels, values, ...(vessels && { vessels }) };
}
