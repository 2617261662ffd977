/**
 * The operations the planning worker runs, by name: adding one is one entry in `planningOperations`
 * (its first parameter is the request, structured-clone safe; the result goes back with its typed
 * arrays transferred). Everything here runs in the worker, never on the page's thread.
 */
import {
  buildPhantomModel,
  createVolume,
  extractIsosurface,
  phantomFileCount,
  phantomFiles,
  type TaskControl,
  type Volume,
} from '@neuroplan/imaging';
import {
  MAP_CHANNEL_COUNT,
  buildPlanningScene,
  channelIndex,
  type MapChannel,
  type PlanningMaps,
  type PlanningScene,
  type SurfaceMesh,
} from '@neuroplan/planning';
import { autoPlan } from './autoPlanOperation.ts';
import { planFiles } from './planFilesOperation.ts';
import { vesselChannel } from './vesselChannelOperation.ts';

/**
 * What operations may keep between calls (the worker lives as long as the page). A result's buffers are
 * transferred to the page, so nothing of a result can be kept here.
 */
export type WorkerContext = Record<string, unknown>;

export interface DemoCaseRequest {
  /** CT matrix (default 160). */
  size?: number;
  seed?: number;
}

export interface DemoCaseResult {
  files: { name: string; bytes: Uint8Array }[];
}

export interface SceneRequest {
  caseId: string;
  ct: Volume;
  t1?: Volume;
  angio?: Volume;
  /** MR LPS → CT LPS (row-major 4×4), so the builder does not register again. */
  mrToCtLps?: number[];
}

export interface SceneResult {
  scene: PlanningScene;
  /** Iso-surfaces of the segmented walls (the maps' distance + allowance at 0), CT LPS mm. */
  vessels?: SurfaceMesh;
  ventricles?: SurfaceMesh;
}

/** The phantom demo case as DICOM files (CT, T1, TOF angiography). */
function demoCase(request: DemoCaseRequest, control: TaskControl): DemoCaseResult {
  const model = buildPhantomModel({ size: request.size ?? 160, seed: request.seed ?? 1 });
  const total = phantomFileCount(model);
  const files: DemoCaseResult['files'] = [];
  for (const f of phantomFiles(model)) {
    files.push({ name: f.relativePath, bytes: f.bytes });
    control.onProgress?.(files.length / total, 'generating the demo phantom');
  }
  return { files };
}

/**
 * One channel of the maps as a volume of the NEGATED signed distance to the segmented wall (positive
 * inside the structure), so that the iso-surface at 0 has the structure inside and its normals point
 * outward. The maps hold the distance minus the imaging allowance (a conservative bound for planning);
 * the view shows the segmented wall itself, where the channel equals −allowance.
 */
function channelInside(maps: PlanningMaps, channel: MapChannel, allowanceMm: number): Volume {
  const [ni, nj, nk] = maps.dimensions;
  const n = ni * nj * nk;
  const c = channelIndex(channel);
  const scalars = new Float32Array(n);
  for (let v = 0; v < n; v++) scalars[v] = -(maps.values[v * MAP_CHANNEL_COUNT + c]! + allowanceMm);
  return createVolume({
    id: `maps:${channel}`,
    modality: 'OT',
    dimensions: [ni, nj, nk],
    spacingMm: [maps.spacingMm, maps.spacingMm, maps.spacingMm],
    originLps: maps.originLps,
    directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    scalars,
  });
}

function surfaceOf(scene: PlanningScene, channel: MapChannel, control: TaskControl): SurfaceMesh | undefined {
  const inside = channelInside(scene.maps, channel, scene.allowancesMm[channel]);
  const mesh = extractIsosurface(inside, 0, { control });
  if (mesh.indices.length === 0 || !mesh.normalsLps) return undefined;
  return { positionsLps: mesh.positionsLps, normalsLps: mesh.normalsLps, indices: mesh.indices };
}

/** The planning scene, and the vessel and ventricle surfaces from its maps. */
function buildScene(request: SceneRequest, control: TaskControl): SceneResult {
  const part = (from: number, to: number, phase: string): TaskControl => ({
    ...(control.signal && { signal: control.signal }),
    onProgress: (f, p) => control.onProgress?.(from + (to - from) * f, `${phase}: ${p}`),
  });
  const { caseId, ct, t1, angio, mrToCtLps } = request;
  const scene = buildPlanningScene(
    { caseId, ct, ...(t1 && { t1 }), ...(angio && { angio }), ...(mrToCtLps && { mrToCtLps }) },
    { control: part(0, 0.85, 'planning scene') },
  );
  const vessels = angio ? surfaceOf(scene, 'vessel', part(0.85, 0.93, 'vessel surface')) : undefined;
  const ventricles = t1 ? surfaceOf(scene, 'ventricle', part(0.93, 1, 'ventricle surface')) : undefined;
  control.onProgress?.(1, 'planning scene: done');
  return { scene, ...(vessels && { vessels }), ...(ventricles && { ventricles }) };
}

export const planningOperations = {
  demoCase,
  buildScene,
  autoPlan,
  planFiles,
  vesselChannel,
};

export type PlanningOperations = typeof planningOperations;
export type PlanningOpName = keyof PlanningOperations;
export type PlanningRequest<K extends PlanningOpName> = Parameters<PlanningOperations[K]>[0];
export type PlanningResult<K extends PlanningOpName> = Awaited<ReturnType<PlanningOperations[K]>>;
