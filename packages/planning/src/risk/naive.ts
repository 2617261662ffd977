/**
 * The straightforward batch scorer, as a first implementation would write it: for each sample, the
 * point from vector operations, each channel read with @neuroplan/imaging's sampleLinear from its own
 * Float32 Volume, then the risk model. Used only as the benchmark's peer and in tests (it must give the
 * same numbers as scoreTrajectories); the planner uses scoreBatch.ts.
 */
import { createVolume, sampleLinear, type Volume } from '@neuroplan/imaging';
import { checkedSampleCount } from './evaluate.ts';
import { RISK_STRUCTURES, structureRisk, type RiskParameters, type RiskStructure } from './riskModel.ts';
import { createBatchRisk, SEGMENT_STRIDE, type BatchRisk } from './scoreBatch.ts';
import { MAP_CHANNELS, MAP_CHANNEL_COUNT, type MapChannel, type PlanningMaps } from '../scene/types.ts';
import { add, distance, scale, sub, type Vec3 } from '../vec.ts';

/** One Float32 Volume per channel, de-interleaved from the maps (same grid, identity axes). */
export function channelVolumes(maps: PlanningMaps): Record<MapChannel, Volume> {
  const voxels = maps.values.length / MAP_CHANNEL_COUNT;
  const volumes = {} as Record<MapChannel, Volume>;
  MAP_CHANNELS.forEach((channel, c) => {
    const scalars = new Float32Array(voxels);
    for (let v = 0; v < voxels; v++) scalars[v] = maps.values[v * MAP_CHANNEL_COUNT + c]!;
    volumes[channel] = createVolume({
      id: `planning-maps:${channel}`,
      modality: 'OT',
      dimensions: maps.dimensions,
      spacingMm: [maps.spacingMm, maps.spacingMm, maps.spacingMm],
      originLps: maps.originLps,
      directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      scalars,
    });
  });
  return volumes;
}

/** The point moved onto the grid's box (the maps clamp; sampleLinear would return NaN outside). */
function clampToGrid(v: Volume, p: Vec3): Vec3 {
  const out: Vec3 = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    const lo = v.originLps[a]!;
    const hi = lo + (v.dimensions[a]! - 1) * v.spacingMm[a]!;
    out[a] = Math.min(hi, Math.max(lo, p[a]!));
  }
  return out;
}

export function scoreTrajectoriesNaive(
  volumes: Record<MapChannel, Volume>,
  segments: Float64Array,
  radiusMm: number,
  params: RiskParameters,
  stepMm: number,
): BatchRisk {
  const count = segments.length / SEGMENT_STRIDE;
  const out = createBatchRisk(count);
  for (let t = 0; t < count; t++) {
    const entry: Vec3 = [segments[t * 6]!, segments[t * 6 + 1]!, segments[t * 6 + 2]!];
    const target: Vec3 = [segments[t * 6 + 3]!, segments[t * 6 + 4]!, segments[t * 6 + 5]!];
    const lengthMm = distance(target, entry);
    const n = checkedSampleCount(lengthMm, radiusMm, stepMm, `trajectory ${t}`);
    const direction = sub(target, entry);
    const minClearance = { vessel: Infinity, ventricle: Infinity, sulcus: Infinity };
    const minDepth = { vessel: 0, ventricle: 0, sulcus: 0 };
    const maxRisk = { vessel: 0, ventricle: 0, sulcus: 0 };
    const sumRisk = { vessel: 0, ventricle: 0, sulcus: 0 };
    let riskiest = -1;
    let riskiestDepth = 0;
    for (let s = 0; s < n; s++) {
      const f = s / (n - 1);
      const depth = lengthMm * f;
      const point = clampToGrid(volumes.vessel, add(entry, scale(direction, f)));
      let combined = 0;
      for (const structure of RISK_STRUCTURES) {
        const clearance = sampleLinear(volumes[structure], point) - radiusMm;
        if (clearance < minClearance[structure]) {
          minClearance[structure] = clearance;
          minDepth[structure] = depth;
        }
        const weight = params.weight[structure];
        if (weight === 0) continue;
        const risk = structureRisk(clearance - params.requiredMm[structure], params.falloffMm[structure]);
        maxRisk[structure] = Math.max(maxRisk[structure], risk);
        sumRisk[structure] += risk;
        combined += weight * risk;
      }
      if (combined > riskiest) {
        riskiest = combined;
        riskiestDepth = depth;
      }
    }
    let score = 0;
    for (const structure of RISK_STRUCTURES as readonly RiskStructure[])
      score += params.weight[structure] * (0.5 * maxRisk[structure] + (0.5 * sumRisk[structure]) / n);
    out.score[t] = score;
    out.vesselClearanceMm[t] = minClearance.vessel;
    out.vesselDepthMm[t] = minDepth.vessel;
    out.ventricleClearanceMm[t] = minClearance.ventricle;
    out.ventricleDepthMm[t] = minDepth.ventricle;
    out.sulcusClearanceMm[t] = minClearance.sulcus;
    out.sulcusDepthMm[t] = minDepth.sulcus;
    out.riskiestDepthMm[t] = riskiestDepth;
  }
  return out;
}
