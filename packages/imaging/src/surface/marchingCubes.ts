/**
 * Iso-surfaces of volumes: marching cubes organised like flying edges. One pass over the voxels finds,
 * per row, where it crosses the level (run-length coding); every later step walks those crossings, not
 * voxels: between two crossings a row is constant, so stretches of cubes are skipped or filled whole.
 * Each cut voxel edge gets one vertex, created once and cached per slice for the four cubes that share it
 * (merged by construction, no hashing of floats). Two slices of state, typed arrays only.
 *
 * Vertices are placed by linear interpolation on the voxel edge in index space, then mapped through
 * `volume.ijkToLps`, so oblique and left-handed grids come out in the right place; when the grid is
 * left-handed (det < 0) the winding is flipped so normals still point outward (to the low values).
 * A voxel is inside when its value is ≥ level (as VTK's vtkFlyingEdges3D decides).
 */
import type { Mat4 } from '../math.ts';
import { checkCancelled, type TaskControl } from '../task.ts';
import type { Volume } from '../volume.ts';
import { caseTable } from './caseTable.ts';
import { computeVertexNormals, type Mesh } from './mesh.ts';

export interface IsosurfaceOptions {
  /**
   * Surface of a label map: the field becomes the indicator (1 where voxel == labelValue, else 0), and
   * `level` applies to it, so it must lie strictly between 0 and 1 (0.5 is the usual choice).
   */
  labelValue?: number;
  /** Area-weighted vertex normals in `normalsLps` (default true). */
  computeNormals?: boolean;
  /**
   * Pads the volume with −∞ so objects that touch the volume's edge are closed there (a watertight
   * mesh whose cap lies on the outermost voxel centres). Default false, as VTK: such objects stay open.
   */
  closeAtBoundary?: boolean;
  control?: TaskControl;
}

type Scalars = ArrayLike<number>;

/** The iso-surface of `volume` at `level` (value units), in LPS mm. */
export function extractIsosurface(volume: Volume, level: number, options: IsosurfaceOptions = {}): Mesh {
  if (!Number.isFinite(level)) throw new Error(`iso-surface level must be a finite number, got ${level}`);
  let [ni, nj, nk] = volume.dimensions;
  let scalars: Scalars = volume.scalars;
  if (options.labelValue !== undefined) {
    if (!(level > 0 && level < 1))
      throw new Error(`label surfaces need a level strictly between 0 and 1 (0.5 is usual), got ${level}`);
    scalars = indicator(volume.scalars, options.labelValue);
  }
  let toLps: Mat4 = volume.ijkToLps;
  if (options.closeAtBoundary) {
    scalars = padWithMinusInfinity(scalars, ni, nj, nk);
    [ni, nj, nk] = [ni + 2, nj + 2, nk + 2];
    toLps = shiftedByMinusOne(toLps);
  }
  const m = toLps;
  const det =
    m[0]! * (m[5]! * m[10]! - m[6]! * m[9]!) -
    m[1]! * (m[4]! * m[10]! - m[6]! * m[8]!) +
    m[2]! * (m[4]! * m[9]! - m[5]! * m[8]!);
  const mesh = marchingCubes(scalars, ni, nj, nk, level, toLps, det < 0, options.control);
  if (options.computeNormals === false) return mesh;
  return { ...mesh, normalsLps: computeVertexNormals(mesh.positionsLps, mesh.indices) };
}

function indicator(s: Scalars, value: number): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let n = 0; n < s.length; n++) out[n] = s[n] === value ? 1 : 0;
  return out;
}

function padWithMinusInfinity(s: Scalars, ni: number, nj: number, nk: number): Float32Array | Float64Array {
  const wide = s instanceof Float64Array || s instanceof Int32Array || s instanceof Uint32Array;
  const [pi, pj] = [ni + 2, nj + 2];
  const out = wide ? new Float64Array(pi * pj * (nk + 2)) : new Float32Array(pi * pj * (nk + 2));
  out.fill(-Infinity);
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++) {
      const src = (k * nj + j) * ni;
      const dst = ((k + 1) * pj + j + 1) * pi + 1;
      for (let i = 0; i < ni; i++) out[dst + i] = s[src + i]!;
    }
  return out;
}

/** m · translate(−1, −1, −1): index (i, j, k) of the padded grid is (i−1, j−1, k−1) of the volume. */
function shiftedByMinusOne(m: Mat4): Mat4 {
  const out = Float64Array.from(m);
  for (let r = 0; r < 3; r++) out[r * 4 + 3] = m[r * 4 + 3]! - m[r * 4]! - m[r * 4 + 1]! - m[r * 4 + 2]!;
  return out;
}

/** CUBE_CASE[a | b << 4]: the case of a cube from the 4-bit column codes of its two x-faces. */
const CUBE_CASE = (() => {
  const t = new Uint8Array(256);
  for (let a = 0; a < 16; a++)
    for (let b = 0; b < 16; b++)
      t[a | (b << 4)] =
        (a & 1) |
        ((b & 1) << 1) |
        (((b >> 1) & 1) << 2) |
        (((a >> 1) & 1) << 3) |
        (((a >> 2) & 1) << 4) |
        (((b >> 2) & 1) << 5) |
        (((b >> 3) & 1) << 6) |
        (((a >> 3) & 1) << 7);
  return t;
})();

/**
 * The extraction state: two slices of run-length coded rows (A = slice k, B = slice k + 1), vertex ids of
 * the cut edges of both slices and between them, and the growing output arrays. Slice arrays hold two
 * planes; `a` and `b` are the offsets (0 or one plane) of slices k and k + 1, swapped per step.
 */
class Extractor {
  private readonly caseOffsets = caseTable().offsets;
  private readonly caseEdges = caseTable().edges;
  /** Crossings of row j of plane p: cross[runStart[p·(nj+1) + j] .. runStart[p·(nj+1) + j + 1]). */
  readonly cross: Int32Array;
  readonly runStart: Int32Array;
  /** 1 when the row's first voxel is inside, per plane and row. */
  readonly left: Uint8Array;
  /** Vertex id of the x-edge / y-edge starting at voxel (i, j) of each plane, and of the z-edge (i, j). */
  readonly xIds: Int32Array;
  readonly yIds: Int32Array;
  readonly zIds: Int32Array;
  readonly plane: number;
  positions = new Float32Array(3 * 65536);
  indices = new Uint32Array(3 * 131072);
  nv = 0;
  nIdx = 0;
  readonly ev = new Int32Array(12);
  readonly t1: number;
  readonly t2: number;

  constructor(
    readonly s: Scalars,
    readonly ni: number,
    readonly nj: number,
    readonly level: number,
    readonly m: Mat4,
    flip: boolean,
  ) {
    this.plane = ni * nj;
    this.cross = new Int32Array(2 * Math.max(1, (ni - 1) * nj));
    this.runStart = new Int32Array(2 * (nj + 1));
    this.left = new Uint8Array(2 * nj);
    this.xIds = new Int32Array(2 * this.plane);
    this.yIds = new Int32Array(2 * this.plane);
    this.zIds = new Int32Array(this.plane);
    [this.t1, this.t2] = flip ? [2, 1] : [1, 2];
  }

  /** Finds the crossings of every row of slice k into plane p (0 or 1). */
  classify(k: number, p: number): void {
    const { s, ni, nj, level, cross, runStart, left } = this;
    let q = p * (cross.length >> 1);
    const rs = p * (nj + 1);
    for (let j = 0; j < nj; j++) {
      runStart[rs + j] = q;
      const row = (k * nj + j) * ni;
      const end = row + ni;
      const end8 = end - 7;
      let n = row + 1;
      let inside = s[row]! >= level;
      left[p * nj + j] = inside ? 1 : 0;
      // Tight scans for the next voxel on the other side, eight at a time where possible.
      while (n < end) {
        if (inside) {
          while (
            n < end8 &&
            s[n]! >= level &&
            s[n + 1]! >= level &&
            s[n + 2]! >= level &&
            s[n + 3]! >= level &&
            s[n + 4]! >= level &&
            s[n + 5]! >= level &&
            s[n + 6]! >= level &&
            s[n + 7]! >= level
          )
            n += 8;
          while (n < end && s[n]! >= level) n++;
        } else {
          while (
            n < end8 &&
            s[n]! < level &&
            s[n + 1]! < level &&
            s[n + 2]! < level &&
            s[n + 3]! < level &&
            s[n + 4]! < level &&
            s[n + 5]! < level &&
            s[n + 6]! < level &&
            s[n + 7]! < level
          )
            n += 8;
          while (n < end && s[n]! < level) n++;
        }
        if (n < end) {
          cross[q++] = n - 1 - row;
          inside = !inside;
          n++;
        }
      }
    }
    runStart[rs + nj] = q;
  }

  /** Adds the vertex at grid point (x, y, z), mapped to LPS, and returns its index. */
  vertex(x: number, y: number, z: number): number {
    if (this.nv * 3 + 3 > this.positions.length) {
      const grown = new Float32Array(this.positions.length * 2);
      grown.set(this.positions);
      this.positions = grown;
    }
    const m = this.m;
    const p = this.positions;
    const o = this.nv * 3;
    p[o] = m[0]! * x + m[1]! * y + m[2]! * z + m[3]!;
    p[o + 1] = m[4]! * x + m[5]! * y + m[6]! * z + m[7]!;
    p[o + 2] = m[8]! * x + m[9]! * y + m[10]! * z + m[11]!;
    return this.nv++;
  }

  /** Vertices on the cut x-edges of slice k (plane p). */
  xEdges(k: number, p: number): void {
    const { s, ni, nj, level, cross, runStart, xIds } = this;
    const rs = p * (nj + 1);
    for (let j = 0; j < nj; j++) {
      const row = j * ni;
      const base = k * this.plane + row;
      const ids = p * this.plane + row;
      for (let q = runStart[rs + j]!; q < runStart[rs + j + 1]!; q++) {
        const i = cross[q]!;
        xIds[ids + i] = this.vertex(i + crossing(s[base + i]!, s[base + i + 1]!, level), j, k);
      }
    }
  }

  /**
   * Vertices on the cut edges between two parallel rows: row ja of slice ka (plane pa) and row jb of
   * slice kb (plane pb); y-edges when the rows are neighbours in a slice, z-edges when they are the same
   * row in neighbouring slices. Between merged crossings both rows are constant, and where they differ
   * every voxel has a cut edge.
   */
  crossEdges(
    ka: number,
    pa: number,
    ja: number,
    kb: number,
    pb: number,
    jb: number,
    ids: Int32Array,
    idBase: number,
  ): void {
    const { s, ni, nj, level, cross, runStart, left } = this;
    let qa = runStart[pa * (nj + 1) + ja]!;
    const ea = runStart[pa * (nj + 1) + ja + 1]!;
    let qb = runStart[pb * (nj + 1) + jb]!;
    const eb = runStart[pb * (nj + 1) + jb + 1]!;
    let ca = left[pa * nj + ja]!;
    let cb = left[pb * nj + jb]!;
    if (qa === ea && qb === eb && ca === cb) return;
    const oa = (ka * nj + ja) * ni;
    const ob = (kb * nj + jb) * ni;
    const row = idBase + ja * ni;
    const dy = jb - ja;
    const dz = kb - ka;
    const last = ni - 1;
    for (let x = 0; x <= last;) {
      const na = qa < ea ? cross[qa]! : last;
      const nb = qb < eb ? cross[qb]! : last;
      const e = na < nb ? na : nb;
      if (ca !== cb)
        for (let i = x; i <= e; i++) {
          const t = crossing(s[oa + i]!, s[ob + i]!, level);
          ids[row + i] = this.vertex(i, ja + t * dy, ka + t * dz);
        }
      if (e === last) break;
      if (na === e) {
        ca ^= 1;
        qa++;
      }
      if (nb === e) {
        cb ^= 1;
        qb++;
      }
      x = e + 1;
    }
  }

  /** Triangles of the cubes between rows j and j + 1 of slices k (plane a) and k + 1 (plane b). */
  cubeRow(j: number, a: number, b: number): void {
    const { ni, nj, cross, runStart, left } = this;
    const j1 = j + 1;
    const ra = a * (nj + 1);
    const rb = b * (nj + 1);
    // Cursors into the four rows' crossings; `code` holds their sides at the current voxel (bit 0 row j
    // and bit 1 row j + 1 of slice k, bits 2 and 3 the same rows of slice k + 1).
    let p0 = runStart[ra + j]!;
    const e0 = runStart[ra + j1]!;
    let p1 = e0;
    const e1 = runStart[ra + j1 + 1]!;
    let p2 = runStart[rb + j]!;
    const e2 = runStart[rb + j1]!;
    let p3 = e2;
    const e3 = runStart[rb + j1 + 1]!;
    let code =
      left[a * nj + j]! | (left[a * nj + j1]! << 1) | (left[b * nj + j]! << 2) | (left[b * nj + j1]! << 3);
    if (p0 === e0 && p1 === e1 && p2 === e2 && p3 === e3 && (code === 0 || code === 15)) return;
    const lastCube = ni - 2;
    for (let x = 0; x <= lastCube;) {
      const n0 = p0 < e0 ? cross[p0]! : ni;
      const n1 = p1 < e1 ? cross[p1]! : ni;
      const n2 = p2 < e2 ? cross[p2]! : ni;
      const n3 = p3 < e3 ? cross[p3]! : ni;
      let e = n0 < n1 ? n0 : n1;
      if (n2 < e) e = n2;
      if (n3 < e) e = n3;
      // Cubes x .. e − 1 see no x-crossing: the four rows are constant there.
      if (code !== 0 && code !== 15) {
        const c = CUBE_CASE[code | (code << 4)]!;
        const to = e <= lastCube ? e : lastCube + 1;
        for (let i = x; i < to; i++) this.emit(c, i, j, a, b);
      }
      if (e > lastCube) break;
      let next = code;
      if (n0 === e) {
        next ^= 1;
        p0++;
      }
      if (n1 === e) {
        next ^= 2;
        p1++;
      }
      if (n2 === e) {
        next ^= 4;
        p2++;
      }
      if (n3 === e) {
        next ^= 8;
        p3++;
      }
      this.emit(CUBE_CASE[code | (next << 4)]!, e, j, a, b);
      code = next;
      x = e + 1;
    }
  }

  /** Adds the triangles of case c for the cube at (i, j) between planes a (slice k) and b (slice k + 1). */
  emit(c: number, i: number, j: number, a: number, b: number): void {
    const { xIds, yIds, zIds, ev, plane } = this;
    const r0 = j * this.ni + i;
    const r1 = r0 + this.ni;
    const pa = a * plane;
    const pb = b * plane;
    ev[0] = xIds[pa + r0]!;
    ev[1] = yIds[pa + r0 + 1]!;
    ev[2] = xIds[pa + r1]!;
    ev[3] = yIds[pa + r0]!;
    ev[4] = xIds[pb + r0]!;
    ev[5] = yIds[pb + r0 + 1]!;
    ev[6] = xIds[pb + r1]!;
    ev[7] = yIds[pb + r0]!;
    ev[8] = zIds[r0]!;
    ev[9] = zIds[r0 + 1]!;
    ev[10] = zIds[r1 + 1]!;
    ev[11] = zIds[r1]!;
    const { caseOffsets, caseEdges } = this;
    const from = caseOffsets[c]!;
    const to = caseOffsets[c + 1]!;
    let w = this.nIdx;
    if (w + to - from > this.indices.length) {
      const grown = new Uint32Array(this.indices.length * 2);
      grown.set(this.indices);
      this.indices = grown;
    }
    const idx = this.indices;
    const { t1, t2 } = this;
    for (let e = from; e < to; e += 3) {
      idx[w] = ev[caseEdges[e]!]!;
      idx[w + t1] = ev[caseEdges[e + 1]!]!;
      idx[w + t2] = ev[caseEdges[e + 2]!]!;
      w += 3;
    }
    this.nIdx = w;
  }

  finish(): Mesh {
    return { positionsLps: this.positions.slice(0, this.nv * 3), indices: this.indices.slice(0, this.nIdx) };
  }
}

/** Fraction t in [0, 1] of the crossing from value a to value b (a, b on opposite sides of level). */
function crossing(a: number, b: number, level: number): number {
  const t = (level - a) / (b - a);
  if (t >= 0) return t <= 1 ? t : 1;
  // NaN: a is the −∞ padding of closeAtBoundary (the crossing sits on b), or a NaN voxel (use a).
  return a === -Infinity ? 1 : 0;
}

function marchingCubes(
  s: Scalars,
  ni: number,
  nj: number,
  nk: number,
  level: number,
  toLps: Mat4,
  flip: boolean,
  control: TaskControl | undefined,
): Mesh {
  const x = new Extractor(s, ni, nj, level, toLps, flip);
  if (ni < 2 || nj < 2 || nk < 2) return x.finish();
  checkCancelled(control, 'surface extraction');
  x.classify(0, 0);
  x.xEdges(0, 0);
  for (let j = 0; j + 1 < nj; j++) x.crossEdges(0, 0, j, 0, 0, j + 1, x.yIds, 0);
  for (let k = 0; k + 1 < nk; k++) {
    checkCancelled(control, 'surface extraction');
    if ((k & 15) === 0) control?.onProgress?.(k / (nk - 1), 'surface');
    const a = k & 1; // plane of slice k
    const b = a ^ 1; // plane of slice k + 1
    x.classify(k + 1, b);
    x.xEdges(k + 1, b);
    for (let j = 0; j + 1 < nj; j++) x.crossEdges(k + 1, b, j, k + 1, b, j + 1, x.yIds, b * x.plane);
    for (let j = 0; j < nj; j++) x.crossEdges(k, a, j, k + 1, b, j, x.zIds, 0);
    for (let j = 0; j + 1 < nj; j++) x.cubeRow(j, a, b);
  }
  control?.onProgress?.(1, 'surface');
  return x.finish();
}
