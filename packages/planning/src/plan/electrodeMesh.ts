/**
 * Electrode meshes for display and export (STL), in LPS mm. Every piece is a closed, outward-wound
 * convex solid, so each mesh is watertight and its divergence-theorem volume is the solid's volume:
 *  - linear electrodes: one cylinder (inscribed regular polygon) from the entry to the tip, cut into
 *    rings at the contact edges so each side triangle belongs to one contact or to the insulation;
 *  - arrays: the base plate (a box on the cortex, above the entry, `baseThicknessMm` thick, one pitch
 *    wider than the shank grid) and one cylinder per shank from the entry plane to the tip plane; the
 *    tip and the distal band of each shank (one shank diameter long) are its contact. Plate and shanks touch but are
 *    separate closed pieces (their volumes add; no boolean union).
 */
import { computeVertexNormals, meshToStl } from '@neuroplan/imaging';
import type { ElectrodeModel, LinearElectrodeModel, ArrayElectrodeModel } from '../electrodes/catalog.ts';
import { checkTrajectory, perpendicularBasis, type Trajectory } from '../trajectory.ts';
import { add, norm, scale, sub, type Vec3 } from '../vec.ts';
import type { Plan } from './planFile.ts';
import { safeFileName } from './slicerMarkups.ts';

export interface ElectrodeMesh {
  positionsLps: Float32Array;
  /** Three vertex indices per triangle, counter-clockwise seen from outside. */
  indices: Uint32Array;
  /** Unit vertex normals (area-weighted; rim vertices blend the side and the cap). */
  normalsLps: Float32Array;
  /** Per triangle: the contact it belongs to (ContactPosition.index), 0 for insulation, caps and plate. */
  contactPerTriangle: Uint32Array;
}

export interface ElectrodeMeshOptions {
  /** Polygon sides of a linear electrode's shaft (default 24) or of an array shank (default 8); 3–256. */
  segments?: number;
}

/** Collects convex pieces in float64, orienting every triangle away from the piece's interior point. */
class MeshBuilder {
  readonly positions: number[] = [];
  readonly indices: number[] = [];
  readonly contact: number[] = [];
  vertex(p: Vec3): number {
    this.positions.push(p[0], p[1], p[2]);
    return this.positions.length / 3 - 1;
  }
  private at(i: number): Vec3 {
    return [this.positions[3 * i]!, this.positions[3 * i + 1]!, this.positions[3 * i + 2]!];
  }
  /** Adds triangle a-b-c wound so its normal points away from `inside` (the piece must be convex). */
  triangle(a: number, b: number, c: number, inside: Vec3, contact: number): void {
    const pa = this.at(a);
    const u = sub(this.at(b), pa);
    const v = sub(this.at(c), pa);
    const n: Vec3 = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
    const out = sub(pa, inside);
    const flip = n[0] * out[0] + n[1] * out[1] + n[2] * out[2] < 0;
    this.indices.push(a, flip ? c : b, flip ? b : c);
    this.contact.push(contact);
  }
  build(): ElectrodeMesh {
    const positionsLps = Float32Array.from(this.positions);
    const indices = Uint32Array.from(this.indices);
    return {
      positionsLps,
      indices,
      normalsLps: computeVertexNormals(positionsLps, indices),
      contactPerTriangle: Uint32Array.from(this.contact),
    };
  }
}

/**
 * A closed cylinder around the axis from `start` (depth 0) along unit `dir` to depth `lengthMm`, with
 * rings at `cutDepths` (sorted, inside (0, length)); `contactAt(depthMid)` labels each side band.
 */
function addCylinder(
  b: MeshBuilder,
  start: Vec3,
  dir: Vec3,
  lengthMm: number,
  radiusMm: number,
  segments: number,
  cutDepths: readonly number[],
  contactAt: (depthMm: number) => number,
  endCapContact = 0,
): void {
  const [u, v] = perpendicularBasis(dir);
  const depths = [0, ...cutDepths, lengthMm];
  const inside = add(start, scale(dir, lengthMm / 2));
  const rings = depths.map((s) => {
    const c = add(start, scale(dir, s));
    return Array.from({ length: segments }, (_, j) => {
      const a = (2 * Math.PI * j) / segments;
      return b.vertex(add(c, add(scale(u, radiusMm * Math.cos(a)), scale(v, radiusMm * Math.sin(a)))));
    });
  });
  for (let k = 0; k + 1 < rings.length; k++) {
    const contact = contactAt((depths[k]! + depths[k + 1]!) / 2);
    const r0 = rings[k]!;
    const r1 = rings[k + 1]!;
    for (let j = 0; j < segments; j++) {
      const j1 = (j + 1) % segments;
      b.triangle(r0[j]!, r0[j1]!, r1[j1]!, inside, contact);
      b.triangle(r0[j]!, r1[j1]!, r1[j]!, inside, contact);
    }
  }
  const first = rings[0]!;
  const last = rings[rings.length - 1]!;
  const c0 = b.vertex(start);
  const c1 = b.vertex(add(start, scale(dir, lengthMm)));
  for (let j = 0; j < segments; j++) {
    const j1 = (j + 1) % segments;
    b.triangle(c0, first[j]!, first[j1]!, inside, 0);
    b.triangle(c1, last[j]!, last[j1]!, inside, endCapContact);
  }
}

/** A box: `center` ± half extents along the orthonormal axes a1, a2, a3. */
function addBox(
  b: MeshBuilder,
  center: Vec3,
  axes: [Vec3, Vec3, Vec3],
  half: [number, number, number],
): void {
  const corner = (i: number): number =>
    b.vertex(
      add(
        center,
        add(
          scale(axes[0], i & 1 ? half[0] : -half[0]),
          add(scale(axes[1], i & 2 ? half[1] : -half[1]), scale(axes[2], i & 4 ? half[2] : -half[2])),
        ),
      ),
    );
  const c = Array.from({ length: 8 }, (_, i) => corner(i));
  // Faces by corner bit patterns: fixed axis bit, the two others vary.
  for (const [fixed, o1, o2] of [
    [1, 2, 4],
    [2, 1, 4],
    [4, 1, 2],
  ] as const)
    for (const side of [0, fixed]) {
      const q = [side, side | o1, side | o1 | o2, side | o2].map((i) => c[i]!);
      b.triangle(q[0]!, q[1]!, q[2]!, center, 0);
      b.triangle(q[0]!, q[2]!, q[3]!, center, 0);
    }
}

const segmentsOf = (o: ElectrodeMeshOptions, fallback: number): number => {
  const n = o.segments ?? fallback;
  if (!Number.isInteger(n) || n < 3 || n > 256)
    throw new Error(`electrode mesh: segments must be an integer from 3 to 256, got ${n}`);
  return n;
};

function linearMesh(t: Trajectory, m: LinearElectrodeModel, o: ElectrodeMeshOptions): ElectrodeMesh {
  const delta = sub(t.targetLps, t.entryLps);
  const L = norm(delta);
  const dir = scale(delta, 1 / L);
  const pitch = m.contactLengthMm + m.contactGapMm;
  // Contact k (1 = deepest) spans depths [L − proximal, L − distal] from the entry.
  const spans = Array.from({ length: m.contactCount }, (_, i) => {
    const distal = m.tipToFirstContactMm + i * pitch;
    return { index: i + 1, from: L - distal - m.contactLengthMm, to: L - distal };
  });
  const eps = 1e-9 * Math.max(1, L);
  const cuts = [...new Set(spans.flatMap((s) => [s.from, s.to]))]
    .filter((d) => d > eps && d < L - eps)
    .sort((a, b) => a - b);
  const b = new MeshBuilder();
  addCylinder(b, t.entryLps, dir, L, m.diameterMm / 2, segmentsOf(o, 24), cuts, (d) => {
    const s = spans.find((c) => d > c.from && d < c.to);
    return s ? s.index : 0;
  });
  return b.build();
}

function arrayMesh(t: Trajectory, m: ArrayElectrodeModel, o: ElectrodeMeshOptions): ElectrodeMesh {
  const delta = sub(t.targetLps, t.entryLps);
  const L = norm(delta);
  const dir = scale(delta, 1 / L);
  const [u, v] = perpendicularBasis(dir);
  const b = new MeshBuilder();
  if (m.baseThicknessMm > 0)
    addBox(
      b,
      sub(t.entryLps, scale(dir, m.baseThicknessMm / 2)),
      [u, v, dir],
      [(m.columns * m.pitchMm) / 2, (m.rows * m.pitchMm) / 2, m.baseThicknessMm / 2],
    );
  const segments = segmentsOf(o, 8);
  const tipBand = Math.min(m.shankDiameterMm, L / 2);
  for (let r = 0; r < m.rows; r++)
    for (let c = 0; c < m.columns; c++) {
      // Same layout as trajectory.ts's arrayContacts (contact index r·columns + c + 1).
      const offset = add(
        scale(u, (c - (m.columns - 1) / 2) * m.pitchMm),
        scale(v, (r - (m.rows - 1) / 2) * m.pitchMm),
      );
      const index = r * m.columns + c + 1;
      addCylinder(
        b,
        add(t.entryLps, offset),
        dir,
        L,
        m.shankDiameterMm / 2,
        segments,
        [L - tipBand],
        (d) => (d > L - tipBand ? index : 0),
        index,
      );
    }
  return b.build();
}

/** The electrode on its trajectory as a closed mesh (see the file comment for the geometry). */
export function electrodeMesh(
  trajectory: Trajectory,
  model: ElectrodeModel,
  options: ElectrodeMeshOptions = {},
): ElectrodeMesh {
  checkTrajectory(trajectory);
  return model.kind === 'array'
    ? arrayMesh(trajectory, model, options)
    : linearMesh(trajectory, model, options);
}

/** Several meshes as one (indices shifted; contact labels kept). */
export function mergeElectrodeMeshes(meshes: readonly ElectrodeMesh[]): ElectrodeMesh {
  const nv = meshes.reduce((s, m) => s + m.positionsLps.length, 0);
  const ni = meshes.reduce((s, m) => s + m.indices.length, 0);
  const out: ElectrodeMesh = {
    positionsLps: new Float32Array(nv),
    normalsLps: new Float32Array(nv),
    indices: new Uint32Array(ni),
    contactPerTriangle: new Uint32Array(ni / 3),
  };
  let pv = 0;
  let pi = 0;
  for (const m of meshes) {
    out.positionsLps.set(m.positionsLps, pv);
    out.normalsLps.set(m.normalsLps, pv);
    for (let i = 0; i < m.indices.length; i++) out.indices[pi + i] = m.indices[i]! + pv / 3;
    out.contactPerTriangle.set(m.contactPerTriangle, pi / 3);
    pv += m.positionsLps.length;
    pi += m.indices.length;
  }
  return out;
}

/** Each trajectory's electrode mesh, by trajectory id. */
export function planElectrodeMeshes(
  plan: Plan,
  options: ElectrodeMeshOptions = {},
): Map<string, ElectrodeMesh> {
  const models = new Map(plan.electrodes.map((m) => [m.id, m]));
  const out = new Map<string, ElectrodeMesh>();
  for (const t of plan.trajectories) {
    const model = models.get(t.electrodeId);
    if (!model)
      throw new Error(`plan: trajectory ${t.id} uses the electrode '${t.electrodeId}', which the plan lacks`);
    out.set(t.id, electrodeMesh(t, model, options));
  }
  return out;
}

export interface PlanStlOptions extends ElectrodeMeshOptions {
  /** One STL with every electrode (`electrodes.stl`) instead of one file per trajectory. */
  combined?: boolean;
}

/** Binary STL bytes (LPS mm) by file name: `<trajectory id>.stl` each, or `electrodes.stl` when combined. */
export function planToStl(plan: Plan, options: PlanStlOptions = {}): Map<string, Uint8Array> {
  const meshes = planElectrodeMeshes(plan, options);
  const files = new Map<string, Uint8Array>();
  if (options.combined) {
    files.set('electrodes.stl', meshToStl(mergeElectrodeMeshes([...meshes.values()])));
    return files;
  }
  for (const [id, mesh] of meshes) {
    let name = `${safeFileName(id)}.stl`;
    for (let k = 2; files.has(name); k++) name = `${safeFileName(id)}-${k}.stl`;
    files.set(name, meshToStl(mesh));
  }
  return files;
}
