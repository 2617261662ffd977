/**
 * Turns the analytic head into per-slice tissue labels and vessel/fiducial coverage for any image grid.
 *
 * The grid can be oblique and in the MR frame: each voxel centre is mapped to the CT point whose anatomy
 * it shows (CT = inverse(ctToMr) · MR). Work stays proportional to what is drawn:
 *  - nested ellipsoids are filled as runs: along an image row the CT point moves on a line, and a line
 *    meets an ellipsoid in one interval (a quadratic in the column index), painted outer to inner;
 *  - vessel segments and fiducials are capsules bucketed by the slices their bounding box touches, and
 *    tested only inside that box. They get partial-volume coverage clamp(½ + (r − d)/h, 0, 1), with d the
 *    distance from the voxel centre to the axis and h the voxel size, so a voxel centre on the true wall
 *    gets exactly ½: thin vessels stay continuous and the 50 % iso-surface matches the true radius.
 */
import type { Vec3 } from '../math.ts';
import { TISSUE_LABELS, ellipsoidQuadric, mat3Apply, type HeadAnatomy } from './anatomy.ts';
import type { SeriesGrid } from './series.ts';

export interface SliceBuffers {
  /** TISSUE_LABELS code per pixel, i fastest. */
  labels: Uint8Array;
  /** Fraction of the pixel covered by vessel lumen, 0..1. */
  vesselCoverage: Float32Array;
  /** Fraction of the pixel covered by a fiducial marker, 0..1. */
  fiducialCoverage: Float32Array;
}

interface PaintedQuadric {
  label: number;
  center: Vec3;
  q: number[];
  /** Quadratic coefficient along a row (constant for the grid). */
  a: number;
  /** q · stepI, for the linear coefficient. */
  qStep: Vec3;
}

const affine = (m: readonly number[], p: Vec3): Vec3 => [
  m[0]! * p[0] + m[1]! * p[1] + m[2]! * p[2] + m[3]!,
  m[4]! * p[0] + m[5]! * p[1] + m[6]! * p[2] + m[7]!,
  m[8]! * p[0] + m[9]! * p[1] + m[10]! * p[2] + m[11]!,
];
const linear = (m: readonly number[], v: Vec3): Vec3 =>
  mat3Apply([m[0]!, m[1]!, m[2]!, m[4]!, m[5]!, m[6]!, m[8]!, m[9]!, m[10]!], v);

export function createSliceBuffers(grid: SeriesGrid): SliceBuffers {
  const n = grid.columns * grid.rows;
  return {
    labels: new Uint8Array(n),
    vesselCoverage: new Float32Array(n),
    fiducialCoverage: new Float32Array(n),
  };
}

export class GridRasterizer {
  private readonly grid: SeriesGrid;
  private readonly quadrics: PaintedQuadric[];
  /** CT position of pixel (0, 0) of each instance (index = InstanceNumber − 1). */
  private readonly originsCt: Vec3[];
  private readonly stepI: Vec3;
  private readonly stepJ: Vec3;
  /** Per capsule: ax ay az bx by bz ra rb (CT LPS, mm). */
  private readonly capsules: Float64Array;
  private readonly capsuleOverlay: Uint8Array;
  /** Per capsule: i0 i1 j0 j1 (inclusive pixel box). */
  private readonly capsuleBox: Int32Array;
  /** Capsule indices per slice position (0 = lowest along the normal). */
  private readonly buckets: number[][];
  /** Soft-edge width: the voxel size (geometric mean of the spacings). */
  readonly edgeMm: number;

  /**
   * @param frameToCt row-major 4×4 from the grid's patient frame to CT LPS (identity for the CT).
   * @param ctToFrame its inverse.
   */
  constructor(
    anatomy: HeadAnatomy,
    grid: SeriesGrid,
    frameToCt: readonly number[],
    ctToFrame: readonly number[],
  ) {
    this.grid = grid;
    const [rowSp, colSp] = grid.pixelSpacingMm;
    this.stepI = linear(frameToCt, [
      grid.rowDirectionLps[0] * colSp,
      grid.rowDirectionLps[1] * colSp,
      grid.rowDirectionLps[2] * colSp,
    ]);
    this.stepJ = linear(frameToCt, [
      grid.columnDirectionLps[0] * rowSp,
      grid.columnDirectionLps[1] * rowSp,
      grid.columnDirectionLps[2] * rowSp,
    ]);
    this.originsCt = grid.positionsLps.map((p) => affine(frameToCt, p));
    this.edgeMm = Math.cbrt(rowSp * colSp * grid.sliceSpacingMm);

    const s = anatomy.shells;
    const L = TISSUE_LABELS;
    const painted = [
      { label: L.scalp, e: s.scalpOuter },
      { label: L.boneCortical, e: s.skullOuter },
      { label: L.boneDiploe, e: s.diploeOuter },
      { label: L.boneCortical, e: s.diploeInner },
      { label: L.csf, e: s.skullInner },
      { label: L.greyMatter, e: s.brainOuter },
      { label: L.whiteMatter, e: s.whiteMatter },
      ...anatomy.deepGrey.map((e) => ({ label: L.deepGreyMatter, e })),
      ...anatomy.ventricles.map((e) => ({ label: L.ventricle, e })),
    ];
    this.quadrics = painted.map(({ label, e }) => {
      const q = ellipsoidQuadric(e);
      const qStep = mat3Apply(q, this.stepI);
      const a = qStep[0] * this.stepI[0] + qStep[1] * this.stepI[1] + qStep[2] * this.stepI[2];
      return { label, center: e.centerLps, q, a, qStep };
    });

    // Capsules: every vessel segment, and each fiducial as a zero-length capsule.
    const list: number[] = [];
    const overlay: number[] = [];
    for (const v of anatomy.vessels)
      for (let m = 0; m + 1 < v.pointsLps.length; m++) {
        list.push(...v.pointsLps[m]!, ...v.pointsLps[m + 1]!, v.radiiMm[m]!, v.radiiMm[m + 1]!);
        overlay.push(0);
      }
    for (const f of anatomy.fiducials) {
      list.push(...f.centerLps, ...f.centerLps, f.radiusMm, f.radiusMm);
      overlay.push(1);
    }
    this.capsules = Float64Array.from(list);
    this.capsuleOverlay = Uint8Array.from(overlay);
    const count = overlay.length;
    this.capsuleBox = new Int32Array(count * 4);
    this.buckets = Array.from({ length: grid.slices }, () => []);
    const lowest = grid.positionsLps[grid.instanceOrder === 1 ? 0 : grid.slices - 1]!;
    const toIndex = (pCt: Vec3): Vec3 => {
      const p = affine(ctToFrame, pCt);
      const d: Vec3 = [p[0] - lowest[0], p[1] - lowest[1], p[2] - lowest[2]];
      const dotv = (u: Vec3) => d[0] * u[0] + d[1] * u[1] + d[2] * u[2];
      return [
        dotv(grid.rowDirectionLps) / colSp,
        dotv(grid.columnDirectionLps) / rowSp,
        dotv(grid.normalLps) / grid.sliceSpacingMm,
      ];
    };
    const spacing = [colSp, rowSp, grid.sliceSpacingMm];
    const extent = [grid.columns, grid.rows, grid.slices];
    for (let c = 0; c < count; c++) {
      const o = c * 8;
      const a = toIndex([this.capsules[o]!, this.capsules[o + 1]!, this.capsules[o + 2]!]);
      const b = toIndex([this.capsules[o + 3]!, this.capsules[o + 4]!, this.capsules[o + 5]!]);
      const reach = Math.max(this.capsules[o + 6]!, this.capsules[o + 7]!) + this.edgeMm / 2;
      const lo: number[] = [];
      const hi: number[] = [];
      for (let axis = 0; axis < 3; axis++) {
        const pad = reach / spacing[axis]! + 1e-6;
        lo.push(Math.max(0, Math.ceil(Math.min(a[axis]!, b[axis]!) - pad)));
        hi.push(Math.min(extent[axis]! - 1, Math.floor(Math.max(a[axis]!, b[axis]!) + pad)));
      }
      if (lo[0]! > hi[0]! || lo[1]! > hi[1]! || lo[2]! > hi[2]!) continue;
      this.capsuleBox.set([lo[0]!, hi[0]!, lo[1]!, hi[1]!], c * 4);
      for (let k = lo[2]!; k <= hi[2]!; k++) this.buckets[k]!.push(c);
    }
  }

  /** Fills `out` for the instance with InstanceNumber `instance + 1`. */
  render(instance: number, out: SliceBuffers): void {
    const { columns, rows } = this.grid;
    const origin = this.originsCt[instance];
    if (!origin) throw new Error(`phantom: no instance ${instance + 1} in series ${this.grid.name}`);
    out.labels.fill(0);
    out.vesselCoverage.fill(0);
    out.fiducialCoverage.fill(0);
    const [sx, sy, sz] = this.stepI;
    const [tx, ty, tz] = this.stepJ;

    for (let j = 0; j < rows; j++) {
      const px = origin[0] + j * tx;
      const py = origin[1] + j * ty;
      const pz = origin[2] + j * tz;
      const rowStart = j * columns;
      for (const s of this.quadrics) {
        const ux = px - s.center[0];
        const uy = py - s.center[1];
        const uz = pz - s.center[2];
        const q = s.q;
        const qux = q[0]! * ux + q[1]! * uy + q[2]! * uz;
        const quy = q[3]! * ux + q[4]! * uy + q[5]! * uz;
        const quz = q[6]! * ux + q[7]! * uy + q[8]! * uz;
        const c = ux * qux + uy * quy + uz * quz - 1;
        const b = 2 * (s.qStep[0] * ux + s.qStep[1] * uy + s.qStep[2] * uz);
        const disc = b * b - 4 * s.a * c;
        if (disc < 0) continue;
        const root = Math.sqrt(disc);
        const i0 = Math.max(0, Math.ceil((-b - root) / (2 * s.a)));
        const i1 = Math.min(columns - 1, Math.floor((-b + root) / (2 * s.a)));
        if (i0 <= i1) out.labels.fill(s.label, rowStart + i0, rowStart + i1 + 1);
      }
    }

    const kPos = this.grid.instanceOrder === 1 ? instance : this.grid.slices - 1 - instance;
    const h = this.edgeMm;
    const invH = 1 / h;
    const caps = this.capsules;
    for (const c of this.buckets[kPos]!) {
      const o = c * 8;
      const ax = caps[o]!;
      const ay = caps[o + 1]!;
      const az = caps[o + 2]!;
      const abx = caps[o + 3]! - ax;
      const aby = caps[o + 4]! - ay;
      const abz = caps[o + 5]! - az;
      const ra = caps[o + 6]!;
      const dr = caps[o + 7]! - ra;
      const len2 = abx * abx + aby * aby + abz * abz;
      const invLen2 = len2 > 0 ? 1 / len2 : 0;
      const reach = Math.max(ra, ra + dr) + h / 2;
      const reach2 = reach * reach;
      const target = this.capsuleOverlay[c] === 0 ? out.vesselCoverage : out.fiducialCoverage;
      const i0 = this.capsuleBox[c * 4]!;
      const i1 = this.capsuleBox[c * 4 + 1]!;
      const j0 = this.capsuleBox[c * 4 + 2]!;
      const j1 = this.capsuleBox[c * 4 + 3]!;
      for (let j = j0; j <= j1; j++) {
        // Vector from capsule start to voxel (i0, j).
        let vx = origin[0] + j * tx + i0 * sx - ax;
        let vy = origin[1] + j * ty + i0 * sy - ay;
        let vz = origin[2] + j * tz + i0 * sz - az;
        let idx = j * columns + i0;
        for (let i = i0; i <= i1; i++, idx++, vx += sx, vy += sy, vz += sz) {
          let t = (vx * abx + vy * aby + vz * abz) * invLen2;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const dx = vx - t * abx;
          const dy = vy - t * aby;
          const dz = vz - t * abz;
          const d2 = dx * dx + dy * dy + dz * dz;
          if (d2 >= reach2) continue;
          let cov = 0.5 + (ra + t * dr - Math.sqrt(d2)) * invH;
          if (cov <= 0) continue;
          if (cov > 1) cov = 1;
          if (cov > target[idx]!) target[idx] = cov;
        }
      }
    }
  }
}
