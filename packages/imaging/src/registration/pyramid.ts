/**
 * Multi-resolution pyramid for registration: each level is the image blurred with a Gaussian and
 * subsampled so that its voxels are about `targetSpacingMm` wide (never finer than the original). The
 * blur (σ = half the shrink ratio, in voxels, as ITK/elastix pyramids use) keeps coarse levels free of
 * aliasing. Separable: blur along one axis, keep every f-th sample, then the next axis.
 */
import { checkCancelled, type TaskControl } from '../task.ts';
import { createVolume, type Volume, type VoxelArray } from '../volume.ts';

/** A float copy of a volume's voxels (the registration hot loops read one array type only). */
export function toFloat32(s: VoxelArray): Float32Array {
  return s instanceof Float32Array ? s : Float32Array.from(s);
}

function gaussianKernel(sigmaVox: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigmaVox));
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++)
    sum += k[i + radius] = Math.exp((-i * i) / (2 * sigmaVox * sigmaVox));
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  return k;
}

/**
 * Blurs axis `axis` of a (n0, n1, n2) float array with σ voxels (0: no blur) and keeps every
 * `factor`-th sample along it, edges replicated. Returns the new array and dimensions.
 */
function blurShrinkAxis(
  src: Float32Array,
  dims: [number, number, number],
  axis: 0 | 1 | 2,
  sigmaVox: number,
  factor: number,
): { data: Float32Array; dims: [number, number, number] } {
  if (sigmaVox <= 0 && factor === 1) return { data: src, dims };
  const n = dims[axis];
  const m = Math.floor((n - 1) / factor) + 1;
  const outDims: [number, number, number] = [dims[0], dims[1], dims[2]];
  outDims[axis] = m;
  const out = new Float32Array(outDims[0] * outDims[1] * outDims[2]);
  const stride = axis === 0 ? 1 : axis === 1 ? dims[0] : dims[0] * dims[1];
  const outStride = axis === 0 ? 1 : axis === 1 ? outDims[0] : outDims[0] * outDims[1];
  const kernel = sigmaVox > 0 ? gaussianKernel(sigmaVox) : Float32Array.of(1);
  const radius = (kernel.length - 1) >> 1;
  // Lines along `axis`: iterate over the other two indices.
  const [a, b] = axis === 0 ? [1, 2] : axis === 1 ? [0, 2] : [0, 1];
  const strideOf = (d: [number, number, number], ax: number) =>
    ax === 0 ? 1 : ax === 1 ? d[0] : d[0] * d[1];
  const sa = strideOf(dims, a);
  const sb = strideOf(dims, b);
  const oa = strideOf(outDims, a);
  const ob = strideOf(outDims, b);
  const na = dims[a as 0 | 1 | 2];
  const nb = dims[b as 0 | 1 | 2];
  for (let ib = 0; ib < nb; ib++)
    for (let ia = 0; ia < na; ia++) {
      const base = ia * sa + ib * sb;
      const obase = ia * oa + ib * ob;
      for (let q = 0; q < m; q++) {
        const c = q * factor;
        let acc = 0;
        for (let r = -radius; r <= radius; r++) {
          let idx = c + r;
          idx = idx < 0 ? 0 : idx >= n ? n - 1 : idx;
          acc += kernel[r + radius]! * src[base + idx * stride]!;
        }
        out[obase + q * outStride] = acc;
      }
    }
  return { data: out, dims: outDims };
}

/** Shrink factor and blur σ (voxels) per axis for a level whose voxels should be about `targetMm` wide. */
export function levelSchedule(
  spacingMm: readonly [number, number, number],
  targetMm: number,
): { factors: [number, number, number]; sigmasVox: [number, number, number] } {
  const ratio = spacingMm.map((s) => targetMm / s);
  return {
    factors: ratio.map((r) => Math.max(1, Math.round(r))) as [number, number, number],
    sigmasVox: ratio.map((r) => (r > 1.01 ? r / 2 : 0)) as [number, number, number],
  };
}

/**
 * One pyramid level of `v`: blurred and subsampled toward `targetMm` voxels, as a Float32 Volume
 * whose voxel 0 stays at the original origin. Returns `v`'s own voxels as float when no change is needed.
 */
export function pyramidLevel(v: Volume, targetMm: number, control?: TaskControl): Volume {
  const { factors, sigmasVox } = levelSchedule(v.spacingMm, targetMm);
  let data = toFloat32(v.scalars);
  let dims: [number, number, number] = [v.dimensions[0], v.dimensions[1], v.dimensions[2]];
  for (const axis of [0, 1, 2] as const) {
    checkCancelled(control, 'registration');
    ({ data, dims } = blurShrinkAxis(data, dims, axis, sigmasVox[axis], factors[axis]));
  }
  if (data === v.scalars) return v;
  return createVolume({
    id: `${v.id}:level`,
    modality: v.modality,
    dimensions: dims,
    spacingMm: [v.spacingMm[0] * factors[0], v.spacingMm[1] * factors[1], v.spacingMm[2] * factors[2]],
    originLps: v.originLps,
    directionLps: v.directionLps,
    scalars: data,
    metadata: { ...v.metadata, source: 'derived' },
  });
}
