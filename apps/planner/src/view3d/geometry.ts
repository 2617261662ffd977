/**
 * Meshes of the planning packages (LPS mm, typed arrays) as three.js geometries. The scene works in LPS
 * directly: LPS is right-handed like three.js, so no axis is flipped and nothing is mirrored.
 */
import { Box3, BufferAttribute, BufferGeometry, Sphere, Vector3 } from 'three';
import type { ElectrodeMesh, SurfaceMesh, Trajectory, Vec3 } from '@neuroplan/planning';

/** A surface as an indexed geometry sharing the mesh's arrays (no copies). */
export function surfaceGeometry(mesh: SurfaceMesh): BufferGeometry {
  const g = new BufferGeometry();
  g.setAttribute('position', new BufferAttribute(mesh.positionsLps, 3));
  g.setAttribute('normal', new BufferAttribute(mesh.normalsLps, 3));
  g.setIndex(new BufferAttribute(mesh.indices, 1));
  // One pass over the vertices: the sphere around the box (for culling) rather than three's exact sphere,
  // which takes two more passes (~100 ms on the main thread for the demo case's surfaces).
  g.computeBoundingBox();
  g.boundingSphere = g.boundingBox!.getBoundingSphere(new Sphere());
  return g;
}

/**
 * An electrode as one geometry with two draw groups: group 0 = insulation, caps and plate (material 0),
 * group 1 = contact triangles (material 1). Triangles are reordered so each group is one index range.
 */
export function electrodeGeometry(mesh: ElectrodeMesh): BufferGeometry {
  const triangles = mesh.contactPerTriangle.length;
  let contactCount = 0;
  for (let t = 0; t < triangles; t++) if (mesh.contactPerTriangle[t] !== 0) contactCount++;
  const index = new Uint32Array(mesh.indices.length);
  let shaft = 0;
  let contact = (triangles - contactCount) * 3;
  for (let t = 0; t < triangles; t++) {
    const at = mesh.contactPerTriangle[t] !== 0 ? contact : shaft;
    index[at] = mesh.indices[3 * t]!;
    index[at + 1] = mesh.indices[3 * t + 1]!;
    index[at + 2] = mesh.indices[3 * t + 2]!;
    if (mesh.contactPerTriangle[t] !== 0) contact += 3;
    else shaft += 3;
  }
  const g = new BufferGeometry();
  g.setAttribute('position', new BufferAttribute(mesh.positionsLps, 3));
  g.setAttribute('normal', new BufferAttribute(mesh.normalsLps, 3));
  g.setIndex(new BufferAttribute(index, 1));
  g.addGroup(0, (triangles - contactCount) * 3, 0);
  g.addGroup((triangles - contactCount) * 3, contactCount * 3, 1);
  g.computeBoundingSphere();
  return g;
}

/** Entry→target segments of several trajectories as one line-segments geometry. */
export function segmentsGeometry(trajectories: readonly Trajectory[]): BufferGeometry {
  const positions = new Float32Array(trajectories.length * 6);
  trajectories.forEach((t, i) => {
    positions.set(t.entryLps, 6 * i);
    positions.set(t.targetLps, 6 * i + 3);
  });
  const g = new BufferGeometry();
  g.setAttribute('position', new BufferAttribute(positions, 3));
  g.computeBoundingSphere();
  return g;
}

/** The point `depthMm` from the entry along the trajectory towards the target. */
export function pointAtDepth(t: Trajectory, depthMm: number): Vec3 {
  const d: Vec3 = [
    t.targetLps[0] - t.entryLps[0],
    t.targetLps[1] - t.entryLps[1],
    t.targetLps[2] - t.entryLps[2],
  ];
  const length = Math.hypot(d[0], d[1], d[2]);
  const s = length > 0 ? depthMm / length : 0;
  return [t.entryLps[0] + d[0] * s, t.entryLps[1] + d[1] * s, t.entryLps[2] + d[2] * s];
}

/**
 * A sphere around every vertex of the surfaces: centred on their bounding box, with the radius of the
 * farthest vertex (tighter than the box's own sphere). Empty (radius −1) without vertices.
 */
export function surfacesSphere(meshes: readonly SurfaceMesh[]): Sphere {
  const box = new Box3();
  const p = new Vector3();
  for (const m of meshes) {
    const a = m.positionsLps;
    for (let i = 0; i + 2 < a.length; i += 3) box.expandByPoint(p.set(a[i]!, a[i + 1]!, a[i + 2]!));
  }
  if (box.isEmpty()) return new Sphere(new Vector3(), -1);
  const c = box.getCenter(new Vector3());
  let r2 = 0;
  for (const m of meshes) {
    const a = m.positionsLps;
    for (let i = 0; i + 2 < a.length; i += 3)
      r2 = Math.max(r2, c.distanceToSquared(p.set(a[i]!, a[i + 1]!, a[i + 2]!)));
  }
  return new Sphere(c, Math.sqrt(r2));
}

/** A sphere around a trajectory (entry to target) with a margin. */
export function trajectorySphere(t: Trajectory, marginMm: number): Sphere {
  const a = new Vector3(...t.entryLps);
  const b = new Vector3(...t.targetLps);
  return new Sphere(a.clone().add(b).multiplyScalar(0.5), a.distanceTo(b) / 2 + marginMm);
}
