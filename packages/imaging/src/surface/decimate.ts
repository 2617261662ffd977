/**
 * Quadric edge-collapse decimation (Garland & Heckbert 1997): each vertex carries the sum of the squared
 * distances to the planes of its triangles; the edge whose collapse adds the least error goes first
 * (a binary heap with lazy deletion). The merged vertex is placed at the best of the two ends and the
 * midpoint (no 3×3 solve: always defined, never shoots off on flat regions).
 *
 * A collapse is refused when it would break the surface: the two ends must share exactly the two
 * vertices opposite their edge (the link condition, which keeps a closed 2-manifold manifold and
 * watertight), and no surviving triangle may flip or become degenerate. So a watertight input stays
 * watertight, and the reduction stops early when no allowed collapse remains.
 */
import { checkCancelled, type TaskControl } from '../task.ts';
import { computeVertexNormals, type Mesh } from './mesh.ts';

export interface DecimateOptions {
  /** Fraction of the triangles to remove, in [0, 1) (e.g. 0.75 keeps about a quarter). */
  targetReduction: number;
  control?: TaskControl;
}

/** Min-heap of (cost, edge id) with costs in a Float64Array. */
class EdgeHeap {
  cost = new Float64Array(1024);
  a = new Uint32Array(1024);
  b = new Uint32Array(1024);
  size = 0;

  push(cost: number, a: number, b: number): void {
    if (this.size === this.cost.length) {
      const grow = <T extends Float64Array | Uint32Array>(x: T): T => {
        const y = new (x.constructor as new (n: number) => T)(x.length * 2);
        y.set(x);
        return y;
      };
      this.cost = grow(this.cost);
      this.a = grow(this.a);
      this.b = grow(this.b);
    }
    let n = this.size++;
    while (n > 0) {
      const parent = (n - 1) >> 1;
      if (this.cost[parent]! <= cost) break;
      this.move(parent, n);
      n = parent;
    }
    this.cost[n] = cost;
    this.a[n] = a;
    this.b[n] = b;
  }

  /** Removes the top; its values are left in slot `size` for the caller to read. */
  pop(): void {
    const last = --this.size;
    const [c, a, b] = [this.cost[last]!, this.a[last]!, this.b[last]!];
    this.move(0, last); // keep the top's values where the caller reads them
    let n = 0;
    for (;;) {
      const l = 2 * n + 1;
      if (l >= last) break;
      const r = l + 1;
      const m = r < last && this.cost[r]! < this.cost[l]! ? r : l;
      if (this.cost[m]! >= c) break;
      this.move(m, n);
      n = m;
    }
    if (last > 0) {
      this.cost[n] = c;
      this.a[n] = a;
      this.b[n] = b;
    }
  }

  private move(from: number, to: number): void {
    this.cost[to] = this.cost[from]!;
    this.a[to] = this.a[from]!;
    this.b[to] = this.b[from]!;
  }
}

export function decimateMesh(mesh: Mesh, options: DecimateOptions = { targetReduction: 0.5 }): Mesh {
  const reduction = options.targetReduction;
  if (!(reduction >= 0 && reduction < 1))
    throw new Error(`decimation target reduction must be in [0, 1), got ${reduction}`);
  const nv = mesh.positionsLps.length / 3;
  const nt = mesh.indices.length / 3;
  const pos = Float64Array.from(mesh.positionsLps);
  const tri = Uint32Array.from(mesh.indices);
  const triAlive = new Uint8Array(nt).fill(1);
  const alive = new Uint8Array(nv).fill(1);
  // Vertex → triangles, as growable per-vertex lists (flattened into plain arrays of typed arrays would
  // cost copies on every merge; a JS array of small Int32 lists is simpler and fast enough).
  const vt: number[][] = Array.from({ length: nv }, () => []);
  for (let t = 0; t < nt; t++) for (let c = 0; c < 3; c++) vt[tri[t * 3 + c]!]!.push(t);

  // Quadrics: 10 unique entries of the symmetric 4×4 per vertex.
  const Q = new Float64Array(nv * 10);
  for (let t = 0; t < nt; t++) {
    const plane = trianglePlane(pos, tri, t);
    if (!plane) continue;
    const [a, b, c, d] = plane;
    const area = plane[4];
    const plane10 = [a * a, a * b, a * c, a * d, b * b, b * c, b * d, c * c, c * d, d * d];
    for (let k = 0; k < 3; k++) {
      const o = tri[t * 3 + k]! * 10;
      for (let e = 0; e < 10; e++) Q[o + e]! += plane10[e]! * area;
    }
  }

  const target = Math.floor(nt * (1 - reduction));
  let liveTriangles = nt;
  const heap = new EdgeHeap();
  const best = new Float64Array(4); // x, y, z, cost
  const q = new Float64Array(10);
  const evaluate = (u: number, v: number): void => {
    for (let e = 0; e < 10; e++) q[e] = Q[u * 10 + e]! + Q[v * 10 + e]!;
    best[3] = Infinity;
    for (let option = 0; option < 3; option++) {
      const wu = option === 0 ? 1 : option === 1 ? 0 : 0.5; // u, v, or the midpoint
      const wv = 1 - wu;
      const x = wu * pos[u * 3]! + wv * pos[v * 3]!;
      const y = wu * pos[u * 3 + 1]! + wv * pos[v * 3 + 1]!;
      const z = wu * pos[u * 3 + 2]! + wv * pos[v * 3 + 2]!;
      const err =
        q[0]! * x * x +
        2 * q[1]! * x * y +
        2 * q[2]! * x * z +
        2 * q[3]! * x +
        q[4]! * y * y +
        2 * q[5]! * y * z +
        2 * q[6]! * y +
        q[7]! * z * z +
        2 * q[8]! * z +
        q[9]!;
      if (err < best[3]!) {
        best[0] = x;
        best[1] = y;
        best[2] = z;
        best[3] = Math.max(0, err);
      }
    }
  };
  for (let t = 0; t < nt; t++)
    for (let c = 0; c < 3; c++) {
      const u = tri[t * 3 + c]!;
      const v = tri[t * 3 + ((c + 1) % 3)]!;
      if (u < v) {
        evaluate(u, v);
        heap.push(best[3]!, u, v);
      }
    }

  const neighbours = (u: number): Set<number> => {
    const s = new Set<number>();
    for (const t of vt[u]!) if (triAlive[t]) for (let c = 0; c < 3; c++) s.add(tri[t * 3 + c]!);
    s.delete(u);
    return s;
  };

  let steps = 0;
  while (liveTriangles > target && heap.size > 0) {
    if ((++steps & 4095) === 0) {
      checkCancelled(options.control, 'mesh decimation');
      options.control?.onProgress?.((nt - liveTriangles) / Math.max(1, nt - target), 'decimating');
    }
    heap.pop();
    const u = heap.a[heap.size]!;
    const v = heap.b[heap.size]!;
    const cost = heap.cost[heap.size]!;
    if (!alive[u] || !alive[v]) continue;
    evaluate(u, v);
    if (best[3]! > cost * (1 + 1e-9) + 1e-12) {
      heap.push(best[3]!, u, v); // stale entry: its ends moved since
      continue;
    }
    // The edge must still exist and be shared by exactly two live triangles.
    const shared = vt[u]!.filter((t) => triAlive[t] && hasVertex(tri, t, v));
    if (shared.length !== 2) continue;
    // Link condition: the common neighbours of u and v are exactly the two opposite vertices.
    const nu = neighbours(u);
    const nvSet = neighbours(v);
    let common = 0;
    for (const w of nu) if (nvSet.has(w)) common++;
    if (common !== 2) continue;
    const [x, y, z] = [best[0]!, best[1]!, best[2]!];
    if (!collapseKeepsOrientation(pos, tri, triAlive, vt[u]!, u, v, x, y, z)) continue;
    if (!collapseKeepsOrientation(pos, tri, triAlive, vt[v]!, v, u, x, y, z)) continue;
    // Collapse v into u.
    for (const t of shared) triAlive[t] = 0;
    liveTriangles -= 2;
    for (const t of vt[v]!) {
      if (!triAlive[t]) continue;
      for (let c = 0; c < 3; c++) if (tri[t * 3 + c] === v) tri[t * 3 + c] = u;
      vt[u]!.push(t);
    }
    vt[v] = [];
    vt[u] = vt[u]!.filter((t) => triAlive[t]);
    alive[v] = 0;
    pos[u * 3] = x;
    pos[u * 3 + 1] = y;
    pos[u * 3 + 2] = z;
    for (let e = 0; e < 10; e++) Q[u * 10 + e]! += Q[v * 10 + e]!;
    for (const w of neighbours(u)) {
      evaluate(Math.min(u, w), Math.max(u, w));
      heap.push(best[3]!, Math.min(u, w), Math.max(u, w));
    }
  }
  options.control?.onProgress?.(1, 'decimating');

  // Compact: renumber live vertices, keep live triangles.
  const newId = new Int32Array(nv).fill(-1);
  let count = 0;
  for (let t = 0; t < nt; t++)
    if (triAlive[t])
      for (let c = 0; c < 3; c++) {
        const w = tri[t * 3 + c]!;
        if (newId[w] === -1) newId[w] = count++;
      }
  const positionsLps = new Float32Array(count * 3);
  for (let w = 0; w < nv; w++)
    if (newId[w]! >= 0) for (let c = 0; c < 3; c++) positionsLps[newId[w]! * 3 + c] = pos[w * 3 + c]!;
  const indices = new Uint32Array(liveTriangles * 3);
  let o = 0;
  for (let t = 0; t < nt; t++)
    if (triAlive[t]) for (let c = 0; c < 3; c++) indices[o++] = newId[tri[t * 3 + c]!]!;
  return mesh.normalsLps
    ? { positionsLps, indices, normalsLps: computeVertexNormals(positionsLps, indices) }
    : { positionsLps, indices };
}

const hasVertex = (tri: Uint32Array, t: number, v: number): boolean =>
  tri[t * 3] === v || tri[t * 3 + 1] === v || tri[t * 3 + 2] === v;

/** Unit plane (a, b, c, d) with ax + by + cz + d = 0, and the area, of triangle t; null if degenerate. */
function trianglePlane(
  pos: Float64Array,
  tri: Uint32Array,
  t: number,
): [number, number, number, number, number] | null {
  const [p, q, r] = [tri[t * 3]! * 3, tri[t * 3 + 1]! * 3, tri[t * 3 + 2]! * 3];
  const ux = pos[q]! - pos[p]!;
  const uy = pos[q + 1]! - pos[p + 1]!;
  const uz = pos[q + 2]! - pos[p + 2]!;
  const vx = pos[r]! - pos[p]!;
  const vy = pos[r + 1]! - pos[p + 1]!;
  const vz = pos[r + 2]! - pos[p + 2]!;
  const nx = uy * vz - uz * vy;
  const ny = uz * vx - ux * vz;
  const nz = ux * vy - uy * vx;
  const len = Math.hypot(nx, ny, nz);
  if (!(len > 0)) return null;
  const [a, b, c] = [nx / len, ny / len, nz / len];
  return [a, b, c, -(a * pos[p]! + b * pos[p + 1]! + c * pos[p + 2]!), len / 2];
}

/**
 * Whether moving `moved` to (x, y, z) keeps every live triangle around it (other than those on the
 * collapsing edge to `other`) non-degenerate and facing within 90° of where it faced before.
 */
function collapseKeepsOrientation(
  pos: Float64Array,
  tri: Uint32Array,
  triAlive: Uint8Array,
  around: number[],
  moved: number,
  other: number,
  x: number,
  y: number,
  z: number,
): boolean {
  for (const t of around) {
    if (!triAlive[t] || hasVertex(tri, t, other)) continue;
    const before = trianglePlane(pos, tri, t);
    const corner = [tri[t * 3]!, tri[t * 3 + 1]!, tri[t * 3 + 2]!];
    const pts = corner.map((w) =>
      w === moved ? [x, y, z] : [pos[w * 3]!, pos[w * 3 + 1]!, pos[w * 3 + 2]!],
    );
    const [p, q, r] = [pts[0]!, pts[1]!, pts[2]!];
    const u = [q[0]! - p[0]!, q[1]! - p[1]!, q[2]! - p[2]!];
    const v = [r[0]! - p[0]!, r[1]! - p[1]!, r[2]! - p[2]!];
    const n = [u[1]! * v[2]! - u[2]! * v[1]!, u[2]! * v[0]! - u[0]! * v[2]!, u[0]! * v[1]! - u[1]! * v[0]!];
    const len = Math.hypot(n[0]!, n[1]!, n[2]!);
    if (!(len > 1e-12)) return false;
    if (before && (n[0]! * before[0] + n[1]! * before[1] + n[2]! * before[2]) / len < 0.2) return false;
  }
  return true;
}
