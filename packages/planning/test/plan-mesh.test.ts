/**
 * Electrode meshes and STL export. Expected volumes and areas are closed forms (regular n-gon prism:
 * V = (n/2)·r²·sin(2π/n)·L, band area = n·2r·sin(π/n)·h, box = a·b·c) and πr²L; the STL bytes are read
 * back by an independent parser (numpy, run at test time) that counts triangles and integrates volume.
 */
import { execFileSync } from 'node:child_process';
import { checkWatertight, meshVolumeMm3 } from '@neuroplan/imaging';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONSTRAINTS } from '../src/constraints.ts';
import { DEFAULT_ELECTRODES, type ElectrodeModel } from '../src/electrodes/catalog.ts';
import {
  electrodeMesh,
  mergeElectrodeMeshes,
  planToStl,
  type ElectrodeMesh,
} from '../src/plan/electrodeMesh.ts';
import { createPlan, type PlanEvaluation } from '../src/plan/planFile.ts';
import type { Trajectory } from '../src/trajectory.ts';
import type { Vec3 } from '../src/vec.ts';

const model = (id: string): ElectrodeModel => DEFAULT_ELECTRODES.find((m) => m.id === id)!;
const prismVolume = (r: number, n: number, L: number): number =>
  (n / 2) * r * r * Math.sin((2 * Math.PI) / n) * L;
const bandArea = (r: number, n: number, h: number): number => n * 2 * r * Math.sin(Math.PI / n) * h;
const dist = (a: Vec3, b: Vec3): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Area and area-weighted centroid of the triangles with contact label `k` (float64 from the mesh). */
function labelled(mesh: ElectrodeMesh, k: number): { area: number; centroid: Vec3 } {
  const p = mesh.positionsLps;
  let area = 0;
  const c = [0, 0, 0];
  for (let t = 0; t < mesh.contactPerTriangle.length; t++) {
    if (mesh.contactPerTriangle[t] !== k) continue;
    const [a, b, d] = [0, 1, 2].map((e) => mesh.indices[3 * t + e]! * 3) as [number, number, number];
    const u = [p[b]! - p[a]!, p[b + 1]! - p[a + 1]!, p[b + 2]! - p[a + 2]!];
    const v = [p[d]! - p[a]!, p[d + 1]! - p[a + 1]!, p[d + 2]! - p[a + 2]!];
    const s =
      Math.hypot(
        u[1]! * v[2]! - u[2]! * v[1]!,
        u[2]! * v[0]! - u[0]! * v[2]!,
        u[0]! * v[1]! - u[1]! * v[0]!,
      ) / 2;
    area += s;
    for (let i = 0; i < 3; i++) c[i]! += (s * (p[a + i]! + p[b + i]! + p[d + i]!)) / 3;
  }
  return { area, centroid: c.map((x) => x / area) as Vec3 };
}

const seegTrajectory: Trajectory = {
  id: 'E1',
  electrodeId: 'seeg-8',
  entryLps: [58, 22, 47],
  targetLps: [23, 7, 16],
};

describe('electrode meshes', () => {
  it('a depth electrode is a watertight, outward cylinder of the right volume', () => {
    const m = model('seeg-8');
    const L = dist(seegTrajectory.entryLps, seegTrajectory.targetLps);
    const r = 0.4;
    for (const n of [24, 64]) {
      const mesh = electrodeMesh(seegTrajectory, m, { segments: n });
      expect(checkWatertight(mesh)).toEqual({
        watertight: true,
        boundaryEdges: 0,
        nonManifoldEdges: 0,
        misorientedEdges: 0,
      });
      const volume = meshVolumeMm3(mesh);
      expect(volume).toBeGreaterThan(0); // outward winding
      expect(volume / prismVolume(r, n, L)).toBeCloseTo(1, 5);
      expect(Math.abs(volume / (Math.PI * r * r * L) - 1)).toBeLessThan(n === 64 ? 0.002 : 0.012);
    }
  });

  it('labels each contact band where the catalog puts it', () => {
    const m = model('seeg-8');
    const n = 32;
    const mesh = electrodeMesh(seegTrajectory, m, { segments: n });
    const L = dist(seegTrajectory.entryLps, seegTrajectory.targetLps);
    const dir = [0, 1, 2].map((i) => (seegTrajectory.targetLps[i]! - seegTrajectory.entryLps[i]!) / L);
    expect(new Set(mesh.contactPerTriangle)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8]));
    for (let k = 1; k <= 8; k++) {
      const { area, centroid } = labelled(mesh, k);
      expect(area / bandArea(0.4, n, 2)).toBeCloseTo(1, 4); // 2 mm contacts
      // seeg: contact k centred 1 + 3.5(k−1) mm back from the tip, on the axis
      const back = 1 + 3.5 * (k - 1);
      const expected = [0, 1, 2].map((i) => seegTrajectory.targetLps[i]! - dir[i]! * back) as Vec3;
      expect(dist(centroid, expected)).toBeLessThan(1e-4);
    }
    // unit normals pointing away from the axis on the sides
    const p = mesh.positionsLps;
    const nr = mesh.normalsLps;
    for (let v = 0; v < p.length / 3; v++) {
      const rel = [0, 1, 2].map((i) => p[3 * v + i]! - seegTrajectory.entryLps[i]!);
      const along = rel[0]! * dir[0]! + rel[1]! * dir[1]! + rel[2]! * dir[2]!;
      const radial = rel.map((x, i) => x - along * dir[i]!);
      const normal = [nr[3 * v]!, nr[3 * v + 1]!, nr[3 * v + 2]!];
      expect(Math.hypot(...normal)).toBeCloseTo(1, 5);
      if (Math.hypot(...radial) > 0.2 && along > 0.01 && along < L - 0.01)
        expect(normal[0]! * radial[0]! + normal[1]! * radial[1]! + normal[2]! * radial[2]!).toBeGreaterThan(
          0,
        );
    }
  });

  it('handles DBS leads, tiny threads and contacts that would lie outside the entry', () => {
    const dbs = electrodeMesh(
      { id: 'D', electrodeId: 'dbs-4-1.5', entryLps: [-30, -40, 60], targetLps: [-12, -2, -4] },
      model('dbs-4-1.5'),
    );
    expect(checkWatertight(dbs).watertight).toBe(true);
    expect(labelled(dbs, 1).area / bandArea(0.635, 24, 1.5)).toBeCloseTo(1, 4);

    // a 50 µm thread 6 mm deep (float32 positions near 100 mm limit the precision to ~1e-4)
    const thread: Trajectory = {
      id: 'T',
      electrodeId: 'thread-16',
      entryLps: [70.2, -10.5, 55.1],
      targetLps: [66.4, -9.1, 50.8],
    };
    const tm = electrodeMesh(thread, model('thread-16'));
    const L = dist(thread.entryLps, thread.targetLps);
    expect(checkWatertight(tm).watertight).toBe(true);
    expect(meshVolumeMm3(tm) / prismVolume(0.025, 24, L)).toBeCloseTo(1, 3);
    expect(new Set(tm.contactPerTriangle).size).toBe(17);

    // seeg-18 spans 61.5 mm of contacts; on a 40 mm path the proximal ones are cut at the entry
    const short: Trajectory = { id: 'S', electrodeId: 'seeg-18', entryLps: [0, 0, 40], targetLps: [0, 0, 0] };
    const sm = electrodeMesh(short, model('seeg-18'), { segments: 16 });
    expect(checkWatertight(sm).watertight).toBe(true);
    expect(meshVolumeMm3(sm) / prismVolume(0.4, 16, 40)).toBeCloseTo(1, 5);
    // contacts 1..12 lie within 40 mm (contact 12 spans 38.5–40.5 mm from the tip: cut to 38.5–40)
    expect(Math.max(...sm.contactPerTriangle)).toBe(12);
    expect(labelled(sm, 12).area / bandArea(0.4, 16, 1.5)).toBeCloseTo(1, 4);
  });

  it('an array is a base plate on the cortex plus one closed shank per contact', () => {
    const m = model('utah-10x10-1.5');
    if (m.kind !== 'array') throw new Error('catalog changed');
    const t: Trajectory = {
      id: 'U',
      electrodeId: m.id,
      entryLps: [40, -20, 60],
      targetLps: [39.1, -19.4, 58.9],
    };
    const L = dist(t.entryLps, t.targetLps);
    const mesh = electrodeMesh(t, m);
    expect(checkWatertight(mesh).watertight).toBe(true);
    const plate = 10 * 0.4 * (10 * 0.4) * 0.25;
    const shanks = 100 * prismVolume(0.04, 8, L);
    expect(meshVolumeMm3(mesh) / (plate + shanks)).toBeCloseTo(1, 4);
    expect(new Set(mesh.contactPerTriangle).size).toBe(101);
    // the plate lies above the cortex: no vertex deeper than the tips, none higher than the plate
    const dir = [0, 1, 2].map((i) => (t.targetLps[i]! - t.entryLps[i]!) / L);
    let lo = Infinity;
    let hi = -Infinity;
    for (let v = 0; v < mesh.positionsLps.length / 3; v++) {
      const d = [0, 1, 2].reduce((s, i) => s + (mesh.positionsLps[3 * v + i]! - t.entryLps[i]!) * dir[i]!, 0);
      lo = Math.min(lo, d);
      hi = Math.max(hi, d);
    }
    expect(lo).toBeCloseTo(-0.25, 4);
    expect(hi).toBeCloseTo(L, 4);
  });

  it('refuses bad options and degenerate trajectories in words', () => {
    expect(() => electrodeMesh(seegTrajectory, model('seeg-8'), { segments: 2 })).toThrow(
      'electrode mesh: segments must be an integer from 3 to 256, got 2',
    );
    expect(() => electrodeMesh({ ...seegTrajectory, targetLps: [58, 22, 47.1] }, model('seeg-8'))).toThrow(
      'trajectory E1: entry and target are 0.100 mm apart',
    );
  });
});

/** Independent STL reader: numpy structured dtype, float64 volume by the divergence theorem. */
const PY_STL = String.raw`
import sys, json, numpy as np
data = sys.stdin.buffer.read()
n = int(np.frombuffer(data, '<u4', 1, 80)[0])
tri = np.frombuffer(data, np.dtype([('n', '<f4', 3), ('v', '<f4', (3, 3)), ('a', '<u2')]), n, 84)
v = tri['v'].astype(np.float64)
v = v - v[0, 0]
vol = np.einsum('ij,ij->i', v[:, 0], np.cross(v[:, 1], v[:, 2])).sum() / 6
print(json.dumps({'bytes': len(data), 'count': n, 'volume': float(vol), 'header': data[:31].decode()}))
`;
const readStl = (bytes: Uint8Array): { bytes: number; count: number; volume: number; header: string } =>
  JSON.parse(execFileSync('/usr/bin/python3', ['-c', PY_STL], { input: bytes, encoding: 'utf8' }));

describe('STL export', () => {
  const evaluation: PlanEvaluation = {
    score: 0,
    vessel: { clearanceMm: 5, depthMm: 1 },
    ventricle: { clearanceMm: 5, depthMm: 1 },
    sulcus: { clearanceMm: 5, depthMm: 1 },
    violations: [],
  };
  const plan = createPlan({
    caseRef: { caseId: 'c', series: [] },
    electrodes: DEFAULT_ELECTRODES,
    trajectories: [
      seegTrajectory,
      { id: 'D/1', electrodeId: 'dbs-4-0.5', entryLps: [-30, -40, 60], targetLps: [-12, -2, -4] },
    ],
    evaluations: [evaluation, evaluation],
    constraints: DEFAULT_CONSTRAINTS,
    software: { name: 'NeuroPlan', version: '0.1.0' },
  });

  it('writes one binary STL per trajectory that an independent reader parses to the right volume', () => {
    const files = planToStl(plan, { segments: 48 });
    expect([...files.keys()]).toEqual(['E1.stl', 'D_1.stl']);
    const radii = [0.4, 0.635];
    plan.trajectories.forEach((t, i) => {
      const bytes = files.get(i === 0 ? 'E1.stl' : 'D_1.stl')!;
      const mesh = electrodeMesh(t, plan.electrodes[i]!, { segments: 48 });
      const stl = readStl(bytes);
      expect(stl.count).toBe(mesh.indices.length / 3);
      expect(stl.bytes).toBe(84 + 50 * stl.count);
      expect(stl.header).toBe('NeuroPlan mesh, LPS millimetres');
      expect(stl.volume / prismVolume(radii[i]!, 48, t.lengthMm)).toBeCloseTo(1, 5);
      expect(Math.abs(stl.volume / (Math.PI * radii[i]! ** 2 * t.lengthMm) - 1)).toBeLessThan(0.003);
    });
  });

  it('or one combined STL with every electrode', () => {
    const files = planToStl(plan, { combined: true });
    expect([...files.keys()]).toEqual(['electrodes.stl']);
    const meshes = plan.trajectories.map((t, i) => electrodeMesh(t, plan.electrodes[i]!));
    const merged = mergeElectrodeMeshes(meshes);
    expect(checkWatertight(merged).watertight).toBe(true);
    const stl = readStl(files.get('electrodes.stl')!);
    expect(stl.count).toBe(meshes.reduce((s, m) => s + m.indices.length / 3, 0));
    const expected =
      prismVolume(0.4, 24, plan.trajectories[0]!.lengthMm) +
      prismVolume(0.635, 24, plan.trajectories[1]!.lengthMm);
    expect(stl.volume / expected).toBeCloseTo(1, 5);
  });
});
