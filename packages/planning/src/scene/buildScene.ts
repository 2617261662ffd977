/**
 * Builds the PlanningScene of one patient in the CT LPS frame (synchronous: it runs in a worker).
 *
 *  1. skull (CT): outer-table surface (skullSurface.ts); the maps' grid covers it with a margin;
 *  2. MR → CT: the given transform, else rigid Mattes-MI registration of the T1 to the CT; the angio
 *     shares the T1's transform when its frame of reference is the T1's, else it is registered too;
 *  3. T1: brain mask, ventricles, sulcal CSF, cortex; brain-shaped head frame and midline;
 *  4. angio: vessel lumen → signed wall distance on the angio grid → resampled, minus the allowance.
 * Every distance is computed on the series' own grid (exact EDT) and interpolated into the maps through
 * the CT→MR transform, so no mask is ever resampled.
 */
import {
  checkCancelled,
  mat4Invert,
  mat4Multiply,
  registerRigid,
  segmentation,
  transformPoint,
  type Mat4,
  type TaskControl,
  type Volume,
} from '@neuroplan/imaging';
import type { Vec3 } from '../vec.ts';
import { fillChannel, paintChannel, signedWallDistance } from './distanceChannels.ts';
import { headFrameFromMoments, MomentAccumulator } from './headFrame.ts';
import { outerSkullSurface } from './skullSurface.ts';
import {
  FAR_MM,
  MAP_CHANNEL_COUNT,
  channelIndex,
  type CaseReference,
  type HeadFrame,
  type MapChannel,
  type PlanningMaps,
  type PlanningScene,
  type SurfaceMesh,
} from './types.ts';

export interface PlanningSceneInput {
  caseId: string;
  ct: Volume;
  t1?: Volume;
  angio?: Volume;
  /** Row-major 4×4, MR LPS → CT LPS (both MR series when they share a frame of reference). */
  mrToCtLps?: ArrayLike<number>;
}

export interface PlanningSceneOptions {
  /** Maps voxel size (mm, default 1). */
  spacingMm?: number;
  /** Margin of the maps around the skull (mm, default 5). */
  marginMm?: number;
  /** Vessel segmentation settings (segmentVessels; default wallFraction VESSEL_WALL_FRACTION). */
  vessels?: segmentation.VesselOptions;
  control?: TaskControl;
}

const VESSEL = channelIndex('vessel');
const BRAIN = channelIndex('brain');

/**
 * The lumen is cut at this fraction of the way from background to core intensity (segmentVessels' default
 * is the half height). Well under it keeps vessels thinner than a voxel (their partial-volume peak stays
 * under half the core) and their fading ends in the mask: a missed vessel is the one error no allowance
 * makes up for. The lumen stays within 2 mm of the vesselness tree, so tissue does not leak in; resolved
 * vessels come out a little wide, which errs on the safe side. (At the half height the phantom's
 * 0.5 mm-radius branches lose up to 2.5 mm at their ends; at 0.15 none of their centre line is lost.)
 */
const VESSEL_WALL_FRACTION = 0.15;

/** Closing radius of the brain hull that bridges the sulci, as the arachnoid does (mm). */
const HULL_CLOSING_MM = 10;

/**
 * The imaging allowance of the vessel channel (mm): one angiogram voxel, its longest edge.
 * The lumen is a set of whole voxels cut at a low partial-volume level, so resolved vessels are
 * over-covered (their wall lies inside the mask's). What escapes is sub-voxel: a vessel thinner than a
 * voxel, and above all its fading tip, drops out of the mask where its partial-volume peak falls under
 * the cut, up to about one voxel before its true end; the map there measures to the mask's end instead
 * (on the phantom at 1.33 × 1.6 × 1.6 mm voxels, with the cut at 0.15: by up to 1.1 mm, next to the
 * ends of 0.5 mm-radius branches). Trilinear interpolation of the distance field adds only s²/(8ρ) per axis at ρ mm from a
 * vessel's axis (< 0.05 mm on 1 mm maps beyond 2 mm), well inside the same margin.
 */
export function vesselAllowanceMm(angioSpacingMm: readonly number[]): number {
  return Math.max(angioSpacingMm[0]!, angioSpacingMm[1]!, angioSpacingMm[2]!);
}

/** A series as a person knows it: its description, else its id. */
const seriesName = (v: Volume): string => v.metadata.seriesDescription?.trim() || v.id;

/** Rigid 4×4 of 16 numbers, checked. */
function asMat4(m: ArrayLike<number>, what: string): Mat4 {
  if (m.length !== 16 || !Array.prototype.every.call(m, Number.isFinite))
    throw new Error(`planning scene: ${what} must be 16 finite numbers (row-major 4×4)`);
  const out = Float64Array.from(m);
  if (out[12] !== 0 || out[13] !== 0 || out[14] !== 0 || out[15] !== 1)
    throw new Error(`planning scene: ${what} must be affine (last row 0 0 0 1)`);
  return out;
}

/** Maps a mesh from one LPS frame into another (positions by the affine, normals by its rotation). */
function transformMesh(
  mesh: { positionsLps: Float32Array; indices: Uint32Array; normalsLps?: Float32Array },
  m: Mat4,
): SurfaceMesh {
  const p = mesh.positionsLps;
  const positionsLps = new Float32Array(p.length);
  const normalsLps = new Float32Array(p.length);
  const n = mesh.normalsLps;
  for (let v = 0; v < p.length; v += 3) {
    const q = transformPoint(m, [p[v]!, p[v + 1]!, p[v + 2]!]);
    positionsLps.set(q, v);
    if (n) {
      const x = n[v]!;
      const y = n[v + 1]!;
      const z = n[v + 2]!;
      const a = m[0]! * x + m[1]! * y + m[2]! * z;
      const b = m[4]! * x + m[5]! * y + m[6]! * z;
      const c = m[8]! * x + m[9]! * y + m[10]! * z;
      const len = Math.hypot(a, b, c) || 1;
      normalsLps[v] = a / len;
      normalsLps[v + 1] = b / len;
      normalsLps[v + 2] = c / len;
    }
  }
  return { positionsLps, normalsLps, indices: mesh.indices };
}

/** Centroid/covariance of a mask's voxel centres, mapped through `toCt`. */
function maskMoments(grid: Volume, mask: Uint8Array, toCt: Mat4): { centroid: Vec3; covariance: number[] } {
  const [ni, nj] = grid.dimensions;
  const m = mat4Multiply(toCt, grid.ijkToLps);
  const acc = new MomentAccumulator(transformPoint(m, [ni / 2, nj / 2, grid.dimensions[2] / 2]));
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    const i = p % ni;
    const j = Math.floor(p / ni) % nj;
    const k = Math.floor(p / (ni * nj));
    acc.add(transformPoint(m, [i, j, k]));
  }
  return acc.result();
}

function caseReference(input: PlanningSceneInput): CaseReference {
  const md = input.ct.metadata;
  const series: CaseReference['series'] = [];
  for (const [role, v] of [
    ['ct', input.ct],
    ['t1', input.t1],
    ['angio', input.angio],
  ] as const) {
    if (!v) continue;
    series.push({
      role,
      ...(v.metadata.seriesInstanceUid !== undefined && { seriesInstanceUid: v.metadata.seriesInstanceUid }),
      ...(v.metadata.seriesDescription !== undefined && { description: v.metadata.seriesDescription }),
    });
  }
  return {
    caseId: input.caseId,
    ...(md.patientId !== undefined && { patientId: md.patientId }),
    ...(md.studyInstanceUid !== undefined && { studyInstanceUid: md.studyInstanceUid }),
    ...(md.seriesInstanceUid !== undefined && { planningSeriesInstanceUid: md.seriesInstanceUid }),
    ...(md.frameOfReferenceUid !== undefined && { frameOfReferenceUid: md.frameOfReferenceUid }),
    series,
  };
}

/** The maps' grid: axis-aligned over the mesh's bounding box plus the margin. */
function mapsGrid(mesh: SurfaceMesh, spacingMm: number, marginMm: number): PlanningMaps {
  const lo: Vec3 = [Infinity, Infinity, Infinity];
  const hi: Vec3 = [-Infinity, -Infinity, -Infinity];
  const p = mesh.positionsLps;
  for (let v = 0; v < p.length; v += 3)
    for (let a = 0; a < 3; a++) {
      lo[a] = Math.min(lo[a]!, p[v + a]!);
      hi[a] = Math.max(hi[a]!, p[v + a]!);
    }
  const originLps: Vec3 = [lo[0] - marginMm, lo[1] - marginMm, lo[2] - marginMm];
  const dims = [0, 1, 2].map((a) => Math.ceil((hi[a]! + marginMm - originLps[a]!) / spacingMm) + 1) as [
    number,
    number,
    number,
  ];
  if (dims[0] * dims[1] * dims[2] > 2 ** 27)
    throw new Error(
      `planning scene: a ${dims.join('×')} map at ${spacingMm} mm is too large; is the CT a head scan?`,
    );
  return {
    dimensions: dims,
    spacingMm,
    originLps,
    values: new Float32Array(dims[0] * dims[1] * dims[2] * MAP_CHANNEL_COUNT),
  };
}

export function buildPlanningScene(
  input: PlanningSceneInput,
  options: PlanningSceneOptions = {},
): PlanningScene {
  const control = options.control;
  const what = `planning scene ${input.caseId}`;
  const spacingMm = options.spacingMm ?? 1;
  if (!(spacingMm > 0 && spacingMm <= 5))
    throw new Error(`${what}: the maps spacing must be in (0, 5] mm, got ${spacingMm}`);
  const { ct, t1, angio } = input;
  if (ct.modality !== 'CT' && ct.metadata.valueUnit !== 'HU')
    throw new Error(`${ct.id}: the planning series must be a CT in HU, got modality ${ct.modality}`);
  const warnings: string[] = [];
  const step = (fraction: number, phase: string): void => {
    checkCancelled(control, what);
    control?.onProgress?.(fraction, phase);
  };
  const sub = (from: number, to: number, phase: string): TaskControl => ({
    ...(control?.signal && { signal: control.signal }),
    onProgress: (f) => control?.onProgress?.(from + (to - from) * f, phase),
  });

  step(0, 'skull');
  const skull = outerSkullSurface(ct, { control: sub(0, 0.15, 'skull') });
  const maps = mapsGrid(skull.mesh, spacingMm, options.marginMm ?? 5);
  const allowancesMm: Record<MapChannel, number> = { vessel: 0, ventricle: 0, sulcus: 0, brain: 0 };

  // MR → CT transforms.
  step(0.15, 'registration');
  const given = input.mrToCtLps ? asMat4(input.mrToCtLps, 'mrToCtLps') : undefined;
  let t1ToCt: Mat4 | undefined;
  let angioToCt: Mat4 | undefined;
  if (t1) {
    if (given) t1ToCt = given;
    else {
      const r = registerRigid(ct, t1, { control: sub(0.15, 0.3, 'registration') });
      t1ToCt = r.movingToFixedLps;
      warnings.push(
        `No MR→CT transform was given: the T1 (${seriesName(t1)}) was registered to the CT by mutual information ` +
          `(${r.seconds.toFixed(1)} s); check the fusion before planning.`,
      );
    }
  }
  if (angio) {
    const forAngio = angio.metadata.frameOfReferenceUid;
    const sharesT1 =
      t1 !== undefined && forAngio !== undefined && forAngio === t1.metadata.frameOfReferenceUid;
    if (sharesT1) angioToCt = t1ToCt;
    else if (given && !t1) angioToCt = given;
    else {
      const r = registerRigid(ct, angio, { control: sub(0.3, 0.4, 'registration') });
      angioToCt = r.movingToFixedLps;
      warnings.push(
        `The angiogram (${seriesName(angio)}) ${t1 ? 'is not in the T1 frame of reference' : 'came without an MR→CT transform'}: ` +
          `it was registered to the CT by mutual information; check the fusion before planning.`,
      );
    }
  }

  // T1: brain, ventricles, sulci, cortex.
  step(0.4, 'brain');
  let frameMoments: { centroid: Vec3; covariance: number[] };
  let cortex: SurfaceMesh | undefined;
  if (t1 && t1ToCt) {
    const ctToT1 = mat4Invert(t1ToCt);
    const brainSeg = segmentation.segmentBrainT1(t1, {}, sub(0.4, 0.5, 'brain'));
    const brain = brainSeg.labelMap.scalars as Uint8Array;
    frameMoments = maskMoments(t1, brain, t1ToCt);
    const brainDistance = signedWallDistance(t1, brain, `${t1.id}: brain`, control)!;
    // Beyond the T1's field of view the brain channel says "outside the brain".
    paintChannel(maps, 'brain', t1, brainDistance, ctToT1, -FAR_MM, (v) => -v);
    step(0.55, 'ventricles');
    const vent = segmentation.segmentVentricles(t1, brain, {}, sub(0.55, 0.6, 'ventricles'));
    const ventricles = vent.labelMap.scalars as Uint8Array;
    const ventDistance = signedWallDistance(t1, ventricles, `${t1.id}: ventricles`, control);
    if (ventDistance) paintChannel(maps, 'ventricle', t1, ventDistance, ctToT1, FAR_MM);
    else {
      fillChannel(maps, 'ventricle', FAR_MM);
      warnings.push('No ventricle was found on the T1; the ventricle channel is empty (FAR).');
    }
    step(0.62, 'sulci');
    // Sulcal CSF: inside the hull (brain closed by a ball, holes filled), not tissue, not ventricle.
    const sulciControl = sub(0.62, 0.7, 'sulci');
    const hull = segmentation.fillHoles(
      t1,
      segmentation.close(t1, brain, HULL_CLOSING_MM, sulciControl),
      sulciControl,
    );
    const s = t1.scalars;
    const csf = new Uint8Array(hull.length);
    for (let p = 0; p < csf.length; p++)
      csf[p] = hull[p] && !ventricles[p] && !(brain[p] && s[p]! >= brainSeg.thresholds.tissue) ? 1 : 0;
    const sulcusDistance = signedWallDistance(t1, csf, `${t1.id}: sulci`, control);
    if (sulcusDistance) paintChannel(maps, 'sulcus', t1, sulcusDistance, ctToT1, FAR_MM);
    else fillChannel(maps, 'sulcus', FAR_MM);
    step(0.7, 'cortex');
    const cs = segmentation.corticalSurface(t1, {
      brain: brainSeg.labelMap,
      tissueThreshold: brainSeg.thresholds.tissue,
      control: sub(0.7, 0.8, 'cortex'),
    });
    cortex = transformMesh(cs.mesh, t1ToCt);
  } else {
    fillChannel(maps, 'brain', -FAR_MM);
    fillChannel(maps, 'ventricle', FAR_MM);
    fillChannel(maps, 'sulcus', FAR_MM);
    warnings.push(
      'No T1 MR: the brain, ventricle and sulcus channels are empty (brain −FAR, the others FAR), there is ' +
        'no cortical surface, and the head frame comes from the cranial cavity on the CT.',
    );
    const cavity = new Uint8Array(skull.filled.length);
    for (let p = 0; p < cavity.length; p++) cavity[p] = skull.filled[p] && !skull.bone[p] ? 1 : 0;
    frameMoments = maskMoments(ct, cavity, Float64Array.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1));
  }

  // Angio: vessels.
  step(0.8, 'vessels');
  if (angio && angioToCt) {
    const vessels = segmentation.segmentVessels(
      angio,
      { wallFraction: VESSEL_WALL_FRACTION, ...options.vessels, centerlines: false },
      sub(0.8, 0.95, 'vessels'),
    );
    const lumen = vessels.labelMap.scalars as Uint8Array;
    const d = signedWallDistance(angio, lumen, `${angio.id}: vessels`, control);
    const allowance = vesselAllowanceMm(angio.spacingMm);
    allowancesMm.vessel = allowance;
    if (d) {
      paintChannel(maps, 'vessel', angio, d, mat4Invert(angioToCt), NaN, (v) => v - allowance);
      // Beyond the angiogram's field of view vessels are unknown: FAR, and said when that is brain.
      const v = maps.values;
      let unseenBrainMm3 = 0;
      for (let p = 0; p < v.length; p += MAP_CHANNEL_COUNT) {
        if (!Number.isNaN(v[p + VESSEL]!)) continue;
        v[p + VESSEL] = FAR_MM;
        if (v[p + BRAIN]! > 0) unseenBrainMm3 += spacingMm ** 3;
      }
      if (unseenBrainMm3 > 0)
        warnings.push(
          `${(unseenBrainMm3 / 1000).toFixed(1)} cm³ of brain lie outside the angiogram's field of view: ` +
            'vessels there are unknown and the vessel channel holds FAR.',
        );
    } else {
      fillChannel(maps, 'vessel', FAR_MM);
      warnings.push(
        `No vessel was found on the angiogram (${seriesName(angio)}); the vessel channel is empty (FAR).`,
      );
    }
  } else {
    fillChannel(maps, 'vessel', FAR_MM);
    warnings.push(
      'No angiogram: vessels are unknown and the vessel channel is empty (FAR); no vessel clearance can be checked.',
    );
  }

  step(0.97, 'head frame');
  const headFrame: HeadFrame = headFrameFromMoments(frameMoments.centroid, frameMoments.covariance);
  const scene: PlanningScene = {
    caseRef: caseReference(input),
    maps,
    skull: skull.mesh,
    headFrame,
    // The brain's own mid-sagittal plane. (A refinement from the interhemispheric fissure was tried: at
    // 2.5 mm T1 voxels the fissure's ~100 CSF voxels tilt it by 1–4°, against 0.1° for the principal axes.)
    midline: { pointLps: headFrame.originLps, normalLps: headFrame.leftLps },
    ...(cortex && { cortex }),
    allowancesMm,
    warnings,
  };
  step(1, 'done');
  return scene;
}
