/**
 * Marching-cubes case table, generated here rather than copied, with one rule that makes meshes
 * watertight: every cube face is cut by the same segments whichever of its two cubes looks at it.
 *
 * Corners: v0 (0,0,0) v1 (1,0,0) v2 (1,1,0) v3 (0,1,0) v4 (0,0,1) v5 (1,0,1) v6 (1,1,1) v7 (0,1,1);
 * case bit c is set when corner c is inside (value ≥ level). Edges: e0 v0–v1, e1 v1–v2, e2 v3–v2,
 * e3 v0–v3, e4 v4–v5, e5 v5–v6, e6 v7–v6, e7 v4–v7, e8 v0–v4, e9 v1–v5, e10 v2–v6, e11 v3–v7
 * (the classic numbering).
 *
 * For each face, walked counter-clockwise seen from outside the cube, a segment runs from each edge where
 * the walk enters the inside to the next edge where it leaves it; on a face with two diagonal inside
 * corners this separates them (the ambiguity is always resolved the same way, from the face alone).
 * Each cut edge then starts one segment and ends one, so the segments close into loops; each loop is
 * fanned into triangles whose right-hand normals point from inside to outside.
 */
export const EDGE_CORNERS: readonly (readonly [number, number])[] = [
  [0, 1], [1, 2], [3, 2], [0, 3], [4, 5], [5, 6], [7, 6], [4, 7], [0, 4], [1, 5], [2, 6], [3, 7],
]; // prettier-ignore

const CORNER_XYZ: readonly (readonly [number, number, number])[] = [
  [0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1],
]; // prettier-ignore

const FACES: readonly (readonly number[])[] = [
  [0, 1, 2, 3], [4, 5, 6, 7], [0, 1, 5, 4], [3, 2, 6, 7], [0, 3, 7, 4], [1, 2, 6, 5],
]; // prettier-ignore

function edgeOf(a: number, b: number): number {
  const e = EDGE_CORNERS.findIndex(([p, q]) => (p === a && q === b) || (p === b && q === a));
  if (e < 0) throw new Error(`corners ${a} and ${b} share no edge`);
  return e;
}

/** The face's corners ordered counter-clockwise seen from outside the unit cube. */
function outwardOrder(face: readonly number[]): number[] {
  const p = face.map((c) => CORNER_XYZ[c]!);
  const [a, b, c] = [p[0]!, p[1]!, p[2]!];
  const u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const v = [c[0] - b[0], c[1] - b[1], c[2] - b[2]];
  const n = [u[1]! * v[2]! - u[2]! * v[1]!, u[2]! * v[0]! - u[0]! * v[2]!, u[0]! * v[1]! - u[1]! * v[0]!];
  const centre = p.reduce((s, q) => [s[0]! + q[0] / 4, s[1]! + q[1] / 4, s[2]! + q[2] / 4], [0, 0, 0]);
  const out = n[0]! * (centre[0]! - 0.5) + n[1]! * (centre[1]! - 0.5) + n[2]! * (centre[2]! - 0.5);
  return out > 0 ? [...face] : [...face].reverse();
}

/** The cube faces (0..5) an edge lies on, as a 6-bit mask. */
const EDGE_FACES = EDGE_CORNERS.map(([a, b]) =>
  FACES.reduce((mask, f, n) => (f.includes(a) && f.includes(b) ? mask | (1 << n) : mask), 0),
);

/**
 * Triangulates a loop of cut edges so that no diagonal joins two edges of one cube face: such a diagonal
 * would lie in the face, where the neighbouring cube may lay the same triangle the other way round
 * (a fold that makes the mesh non-manifold). Returns edge triples, or null when impossible.
 */
function triangulate(loop: number[]): number[] | null {
  for (let r = 0; r < loop.length; r++) {
    // The closing edge (first, last) is a loop segment; rotating the loop tries every segment there.
    const p = [...loop.slice(r), ...loop.slice(0, r)];
    const ok = (a: number, b: number) => (EDGE_FACES[p[a]!]! & EDGE_FACES[p[b]!]!) === 0;
    const solve = (a: number, b: number): number[] | null => {
      if (b - a < 2) return [];
      for (let m = a + 1; m < b; m++) {
        if ((m - a > 1 && !ok(a, m)) || (b - m > 1 && !ok(m, b))) continue;
        const left = solve(a, m);
        const right = left && solve(m, b);
        if (left && right) return [p[a]!, p[m]!, p[b]!, ...left, ...right];
      }
      return null;
    };
    const tris = solve(0, p.length - 1);
    if (tris) return tris;
  }
  return null;
}

function buildTable(): { offsets: Uint16Array; edges: Uint8Array } {
  const faces = FACES.map(outwardOrder);
  const offsets = new Uint16Array(257);
  const edges: number[] = [];
  for (let cs = 0; cs < 256; cs++) {
    offsets[cs] = edges.length;
    const inside = (c: number) => (cs >> c) & 1;
    const next = new Int8Array(12).fill(-1);
    for (const f of faces) {
      const cuts: { edge: number; entering: boolean }[] = [];
      for (let n = 0; n < 4; n++) {
        const a = f[n]!;
        const b = f[(n + 1) % 4]!;
        if (inside(a) !== inside(b)) cuts.push({ edge: edgeOf(a, b), entering: inside(b) === 1 });
      }
      for (let n = 0; n < cuts.length; n++) {
        if (!cuts[n]!.entering) continue;
        const leave = cuts[(n + 1) % cuts.length]!;
        next[cuts[n]!.edge] = leave.edge;
      }
    }
    const seen = new Uint8Array(12);
    for (let e0 = 0; e0 < 12; e0++) {
      if (next[e0]! < 0 || seen[e0]) continue;
      const loop: number[] = [];
      for (let e = e0; !seen[e]; e = next[e]!) {
        seen[e] = 1;
        loop.push(e);
      }
      // The walk above goes counter-clockwise seen from the outside (low-value) side of the surface
      // (checked by the enclosed volume of a sphere coming out positive in the tests).
      const tris = triangulate(loop);
      if (!tris) throw new Error(`marching-cubes case ${cs}: no triangulation keeps off the cube faces`);
      edges.push(...tris);
    }
  }
  offsets[256] = edges.length;
  return { offsets, edges: Uint8Array.from(edges) };
}

let table: { offsets: Uint16Array; edges: Uint8Array } | null = null;

/**
 * Triangles of case c: edges[offsets[c] .. offsets[c + 1]), three edge numbers per triangle. Built on first
 * use, not at import: the planner's startup bundle imports this module and must not spend its first task here.
 */
export function caseTable(): { readonly offsets: Uint16Array; readonly edges: Uint8Array } {
  table ??= buildTable();
  return table;
}
