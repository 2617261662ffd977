/**
 * Turns the analytic head into per-slice tissue values and vessel/fiducial coverage for any image grid.
 *
 * The grid can be oblique and in the MR frame: each voxel centre is mapped to the CT point whose anatomy
 * it shows (CT = inverse(ctToMr) · MR). Work stays proportional to what is drawn:
 *  - nested ellipsoids are filled as runs: along an image row the CT point moves on a line, and a line
 *    meets an ellipsoid in one interval (a quadratic in the column index), painted outer to inner;
 *  - like a scanner, which averages the signal over each voxel, tissue values get partial volume: each
 *    row is painted along 2 × 2 sub-rows (¼ voxel off the centre along the column and slice axes), and
 *    along a sub-row a voxel the interval only partly covers gets that exact fraction of the tissue.
 *    Without it the boundaries of coarse MR voxels alias by up to half a voxel, which biases
 *    intensity-based registration against the truth;
 *  - vessel segments and fiducials are capsules bucketed by the slices their bounding box touches, and
 *    tested only inside that box. They get partial-volume coverage clamp(½ + (r − d)/h, 0, 1), with d the
 *    distance from the voxel centre to the axis and h the voxel size, so a voxel centre on the true wall
 *    gets exactly ½: thin vessels stay continuous and the 50 % iso-surface matches the true radius.
 */
import type { Vec3 } from '../math.ts';
import { TISSUE_LABELS, ellipsoidQuadric, mat3Apply, type HeadAnatomy } from './anatomy.ts';
import type { SeriesGrid } from './series.ts';

/** A series' look per TISSUE_LABELS code: noise-free value and noise standard deviation. */
export interface TissueTable {
  value: Float64Array;
  sd: Float64Array;
}

export interface SliceBuffers {
  /** Noise-free tissue value per pixel (i fastest), averaged over the pixel (partial volume). */
  tissueValue: Float32Array;
  /** Noise SD per pixel, averaged over the pixel the same way. */
  tissueSd: Float32Array;
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
  /** The ellipsoid's own z axis in LPS and its floor (Infinity when it has none): inside needs z ≥ −floor. */
  axisZ: Vec3;
  floorMm: number;
  /** axisZ · stepI: how z changes per column. */
  zStep: number;
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
    tissueValue: new Float32Array(n),
    tissueSd: new Float32Array(n),
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
  /** One slice step along the normal, in CT LPS. */
  private readonly stepK: Vec3;
  private readonly table: TissueTable;
  private readonly rowValue: Float64Array;
  private readonly rowSd: Float64Array;
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
   * @param table the series' tissue values and noise per label code.
   */
  constructor(
    anatomy: HeadAnatomy,
    grid: SeriesGrid,
    frameToCt: readonly number[],
    ctToFrame: readonly number[],
    table: TissueTable,
  ) {
    this.grid = grid;
    this.table = table;
    this.rowValue = new Float64Array(grid.columns);
    this.rowSd = new Float64Array(grid.columns);
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
    this.stepK = linear(frameToCt, [
      grid.normalLps[0] * grid.sliceSpacingMm,
      grid.normalLps[1] * grid.sliceSpacingMm,
      grid.normalLps[2] * grid.sliceSpacingMm,
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
      { label: L.csf, e: anatomy.falx },
    ];
    this.quadrics = painted.map(({ label, e }) => {
      const q = ellipsoidQuadric(e);
      const qStep = mat3Apply(q, this.stepI);
      const a = qStep[0] * this.stepI[0] + qStep[1] * this.stepI[1] + qStep[2] * this.stepI[2];
      const axisZ: Vec3 = [e.axesLps[2]!, e.axesLps[5]!, e.axesLps[8]!];
      const zStep = axisZ[0] * this.stepI[0] + axisZ[1] * this.stepI[1] + axisZ[2] * this.stepI[2];
      return { label, center: e.centerLps, q, a, qStep, axisZ, floorMm: e.floorMm ?? Infinity, zStep };
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
    out.vesselCoverage.fill(0);
    out.fiducialCoverage.fill(0);
    const [sx, sy, sz] = this.stepI;
    const [tx, ty, tz] = this.stepJ;
    const [kx, ky, kz] = this.stepK;
    const { value: tableValue, sd: tableSd } = this.table;
    const rowValue = this.rowValue;
    const rowSd = this.rowSd;
    const airValue = tableValue[TISSUE_LABELS.air]!;
    const airSd = tableSd[TISSUE_LABELS.air]!;
    const blend = (i: number, f: number, v: number, sd: number): void => {
      if (i < 0 || i >= columns) return;
      rowValue[i] = rowValue[i]! + (v - rowValue[i]!) * f;
      rowSd[i] = rowSd[i]! + (sd - rowSd[i]!) * f;
    };

    for (let j = 0; j < rows; j++) {
      const rowStart = j * columns;
      out.tissueValue.fill(airValue, rowStart, rowStart + columns);
      out.tissueSd.fill(airSd, rowStart, rowStart + columns);
      for (let sub = 0; sub < 4; sub++) {
        const dj = j + ((sub & 1) === 0 ? -0.25 : 0.25);
        const dk = (sub & 2) === 0 ? -0.25 : 0.25;
        const px = origin[0] + dj * tx + dk * kx;
        const py = origin[1] + dj * ty + dk * ky;
        const pz = origin[2] + dj * tz + dk * kz;
        // Only the columns [lo, hi] some ellipsoid reaches are set (to air first) and added up.
        let lo = columns;
        let hi = -1;
        const reach = (a: number, b: number): void => {
          if (a < lo) {
            rowValue.fill(airValue, a, Math.min(lo, b + 1));
            rowSd.fill(airSd, a, Math.min(lo, b + 1));
          }
          if (b > hi) {
            rowValue.fill(airValue, Math.max(hi + 1, a), b + 1);
            rowSd.fill(airSd, Math.max(hi + 1, a), b + 1);
          }
          lo = Math.min(lo, a);
          hi = Math.max(hi, b);
        };
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
          if (disc <= 0) continue;
          const root = Math.sqrt(disc);
          // The interval [x0, x1] in column units; pixel i covers [i − ½, i + ½].
          let x0 = (-b - root) / (2 * s.a);
          let x1 = (-b + root) / (2 * s.a);
          if (s.floorMm !== Infinity) {
            // Own z along the row is z0 + x·zStep; keep the part with z ≥ −floor.
            const z0 = ux * s.axisZ[0] + uy * s.axisZ[1] + uz * s.axisZ[2] + s.floorMm;
            if (Math.abs(s.zStep) < 1e-12) {
              if (z0 < 0) continue;
            } else if (s.zStep > 0) x0 = Math.max(x0, -z0 / s.zStep);
            else x1 = Math.min(x1, -z0 / s.zStep);
            if (x1 <= x0) continue;
          }
          if (x1 <= -0.5 || x0 >= columns - 0.5) continue;
          const v = tableValue[s.label]!;
          const sd = tableSd[s.label]!;
          const ia = Math.floor(x0 + 0.5);
          const ib = Math.floor(x1 + 0.5);
          reach(Math.max(0, ia), Math.min(columns - 1, ib));
          if (ia === ib) {
            blend(ia, x1 - x0, v, sd);
            continue;
          }
          blend(ia, ia + 0.5 - x0, v, sd);
          blend(ib, x1 - (ib - 0.5), v, sd);
          const f0 = Math.max(0, ia + 1);
          const f1 = Math.min(columns, ib);
          if (f0 < f1) {
            rowValue.fill(v, f0, f1);
            rowSd.fill(sd, f0, f1);
          }
        }
        const { tissueValue, tissueSd } = out;
        for (let i = lo, idx = rowStart + lo; i <= hi; i++, idx++) {
          tissueValue[idx] = tissueValue[idx]! + 0.25 * (rowValue[i]! - airValue);
          tissueSd[idx] = tissueSd[idx]! + 0.25 * (rowSd[i]! - airSd);
        }
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
