/**
 * The planning scene: what the planner knows about one patient's anatomy, in the CT (planning) LPS frame.
 *
 * The maps are one axis-aligned isotropic grid (axes = L, P, S) holding MAP_CHANNEL_COUNT float32
 * channels interleaved per voxel, so one index computation serves every structure when a trajectory is
 * sampled. Every channel is a signed distance in mm to a structure's wall, positive outside the
 * structure, except 'brain', which is positive INSIDE the brain (depth below its surface).
 *
 * The vessel channel is conservative by construction: the scene builder subtracts an imaging allowance
 * (segmentation and resampling uncertainty, `allowancesMm.vessel`) so that the true distance to a vessel
 * wall is never smaller than the map says (tested against the phantom's analytic vessels).
 */
import type { Vec3 } from '../vec.ts';

export const MAP_CHANNELS = ['vessel', 'ventricle', 'sulcus', 'brain'] as const;
export type MapChannel = (typeof MAP_CHANNELS)[number];
export const MAP_CHANNEL_COUNT = MAP_CHANNELS.length;
export const channelIndex = (c: MapChannel): number => MAP_CHANNELS.indexOf(c);

/** Value a distance channel holds where its structure is absent from the scene (no such structure). */
export const FAR_MM = 1000;

export interface PlanningMaps {
  /** [ni, nj, nk]; voxel (i,j,k) centre is originLps + spacingMm·[i,j,k] (axes along L, P, S). */
  dimensions: readonly [number, number, number];
  spacingMm: number;
  originLps: Vec3;
  /** dimensions product × MAP_CHANNEL_COUNT values; voxel v's channel c at v·MAP_CHANNEL_COUNT + c. */
  values: Float32Array;
}

/** A triangulated surface in LPS mm with outward unit normals per vertex. */
export interface SurfaceMesh {
  positionsLps: Float32Array;
  normalsLps: Float32Array;
  indices: Uint32Array;
}

/** The patient's own axes, from the brain's shape (see scene builder): origin at the brain centre. */
export interface HeadFrame {
  originLps: Vec3;
  /** Unit vectors towards the patient's left, posterior and superior. */
  leftLps: Vec3;
  posteriorLps: Vec3;
  superiorLps: Vec3;
}

/** A plane by a point and a unit normal. */
export interface Plane {
  pointLps: Vec3;
  normalLps: Vec3;
}

/**
 * Where entries may be placed on the outer skull surface. Directions are taken from the head frame's
 * origin to the skull point; elevation is the angle above the head frame's left–posterior plane.
 */
export interface EntryRegion {
  /** Lowest elevation allowed (deg; default −20: temporal entries allowed, skull base not). */
  minElevationDeg: number;
  /** The face: anterior points (azimuth within ±faceHalfWidthDeg of anterior) below this elevation are not allowed. */
  faceMaxElevationDeg: number;
  faceHalfWidthDeg: number;
  /** Extra no-entry zones (e.g. a previous craniotomy or a sinus): spheres in LPS. */
  excludedSpheres: { centerLps: Vec3; radiusMm: number; reason: string }[];
}

export interface CaseReference {
  /** Free case identifier (e.g. the folder name or an accession number). */
  caseId: string;
  patientId?: string;
  studyInstanceUid?: string;
  /** The series the plan's coordinates are in (the CT) and the frame of reference. */
  planningSeriesInstanceUid?: string;
  frameOfReferenceUid?: string;
  /** Every series used to build the scene, by role. */
  series: { role: 'ct' | 't1' | 'angio' | 'other'; seriesInstanceUid?: string; description?: string }[];
}

export interface PlanningScene {
  caseRef: CaseReference;
  maps: PlanningMaps;
  /** Outer skull surface (bone entry points) with outward normals. */
  skull: SurfaceMesh;
  headFrame: HeadFrame;
  /** Mid-sagittal plane; its normal points to the patient's left. */
  midline: Plane;
  /** Cortical (pial) surface for cortical arrays and threads, when a T1 was given. */
  cortex?: SurfaceMesh;
  /** What was subtracted from each distance channel for imaging uncertainty (mm). */
  allowancesMm: Record<MapChannel, number>;
  /** What the builder could not do or had to assume, in words. */
  warnings: string[];
}
