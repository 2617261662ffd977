/**
 * Building blocks of segmentation, each checked against an independent oracle:
 * scipy.ndimage (exact EDT-based dilation/erosion with anisotropic sampling, connected components),
 * numpy.linalg.eigvalsh (3×3 eigenvalues), a brute-force numpy Otsu (segmentation-basics-oracle.py), and
 * closed-form calculus (Hessian of a quadratic, vesselness of an ideal tube).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createVolume, type Volume } from '../src/volume.ts';
import { CancelledError } from '../src/task.ts';
import {
  close,
  connectedComponents,
  createLabelMap,
  dilate,
  eraseSphere,
  erode,
  extractCenterlines,
  fillHoles,
  frangiVesselness,
  getLabel,
  hessianAtScale,
  hysteresisThreshold,
  keepComponents,
  labelAtLps,
  labelCounts,
  labelMapFromMask,
  largestComponent,
  maskOfLabel,
  otsuThresholds,
  paintSphere,
  setLabel,
  symmetricEigenvalues3,
  thresholdRange,
} from '../src/segmentation/index.ts';
import { rotationXyz } from '../src/phantom/anatomy.ts';
import { mulberry32 } from '../src/random.ts';

const here = dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'neuroplan-segbasics-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function oracle(request: unknown): unknown {
  const out = execFileSync('/usr/bin/python3', [join(here, 'segmentation-basics-oracle.py')], {
    input: JSON.stringify(request),
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

function volumeOf(
  dims: [number, number, number],
  spacing: [number, number, number],
  scalars: Float32Array | Uint8Array,
  direction: ArrayLike<number> = [1, 0, 0, 0, 1, 0, 0, 0, 1],
): Volume {
  return createVolume({
    id: 'test',
    modality: 'MR',
    dimensions: dims,
    spacingMm: spacing,
    originLps: [-10, 5, 20],
    directionLps: Array.from(direction),
    scalars,
  });
}

/** Random blobs: a smoothed-noise threshold, so masks have holes, bridges and several components. */
function blobMask(dims: [number, number, number], seed: number, fill = 0.35): Uint8Array {
  const r = mulberry32(seed);
  const [ni, nj, nk] = dims;
  const coarse = Array.from({ length: 6 * 6 * 6 }, () => r());
  const m = new Uint8Array(ni * nj * nk);
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let i = 0; i < ni; i++) {
        const x = (i / ni) * 5;
        const y = (j / nj) * 5;
        const z = (k / nk) * 5;
        const [x0, y0, z0] = [Math.floor(x), Math.floor(y), Math.floor(z)];
        let v = 0;
        for (let c = 0; c < 8; c++) {
          const [dx, dy, dz] = [c & 1, (c >> 1) & 1, (c >> 2) & 1];
          const w = (dx ? x - x0 : 1 - x + x0) * (dy ? y - y0 : 1 - y + y0) * (dz ? z - z0 : 1 - z + z0);
          v += w * coarse[x0 + dx + 6 * (y0 + dy) + 36 * (z0 + dz)]!;
        }
        m[i + ni * (j + nj * k)] = v + 0.15 * (r() - 0.5) > 1 - fill ? 1 : 0;
      }
  return m;
}

const aborted = (): AbortSignal => {
  const c = new AbortController();
  c.abort();
  return c.signal;
};

describe('morphology (vs scipy.ndimage EDT with anisotropic sampling)', () => {
  const dims: [number, number, number] = [37, 29, 23];
  const spacing: [number, number, number] = [0.8, 1.1, 1.7];
  const mask = blobMask(dims, 11);
  const grid = { dimensions: dims, spacingMm: spacing };
  for (const radius of [1.1, 2.5, 4.2]) {
    it(`dilate and erode by a ${radius} mm ball match voxel for voxel`, () => {
      const path = join(work, `mask-${radius}.raw`);
      writeFileSync(path, mask);
      oracle({ op: 'morphology', dims, spacing, mask: path, radius, out: path });
      const expDilate = new Uint8Array(readFileSync(`${path}.dilate.raw`));
      const expErode = new Uint8Array(readFileSync(`${path}.erode.raw`));
      const d = dilate(grid, mask, radius);
      const e = erode(grid, mask, radius);
      let dd = 0;
      let de = 0;
      for (let p = 0; p < mask.length; p++) {
        if (d[p] !== expDilate[p]) dd++;
        if (e[p] !== expErode[p]) de++;
      }
      expect(dd).toBe(0);
      expect(de).toBe(0);
      expect(expDilate.reduce((a, b) => a + b, 0)).toBeGreaterThan(mask.reduce((a, b) => a + b, 0));
    });
  }

  it('closing contains the mask, fillHoles fills an enclosed cavity only', () => {
    const c = close(grid, mask, 2);
    for (let p = 0; p < mask.length; p++) if (mask[p]) expect(c[p]).toBe(1);
    const [ni, nj, nk] = dims;
    const shell = new Uint8Array(ni * nj * nk);
    for (let k = 0; k < nk; k++)
      for (let j = 0; j < nj; j++)
        for (let i = 0; i < ni; i++) {
          const r = Math.max(Math.abs(i - 18), Math.abs(j - 14), Math.abs(k - 11));
          shell[i + ni * (j + nj * k)] = r >= 4 && r <= 6 ? 1 : 0;
        }
    const filled = fillHoles(grid, shell);
    expect(filled.reduce((a, b) => a + b, 0)).toBe(13 ** 3);
    shell[18 + 14 * ni + 11 * ni * nj - 6] = 0; // a hole through the wall: the cavity now opens
    for (let i = 12; i <= 14; i++) shell[i + 14 * ni + 11 * ni * nj] = 0;
    expect(fillHoles(grid, shell).reduce((a, b) => a + b, 0)).toBe(shell.reduce((a, b) => a + b, 0));
  });

  it('rejects a mask of the wrong size and a negative radius', () => {
    expect(() => dilate(grid, new Uint8Array(5), 1)).toThrow(
      /dilate: mask holds 5 voxels, expected 37×29×23/,
    );
    expect(() => erode(grid, mask, -1)).toThrow(/erode: radius must be/);
  });
});

describe('connected components (vs scipy.ndimage.label)', () => {
  const dims: [number, number, number] = [31, 27, 19];
  const grid = { dimensions: dims, spacingMm: [1, 1, 1] as [number, number, number] };
  const mask = blobMask(dims, 5, 0.3);
  // Sprinkle isolated and diagonal-only voxels so 6 and 26 connectivity differ.
  const r = mulberry32(9);
  for (let n = 0; n < 300; n++) mask[Math.floor(r() * mask.length)] = 1;
  it('gives the same component sizes for 6 and 26 connectivity', () => {
    const path = join(work, 'cc.raw');
    writeFileSync(path, mask);
    const exp = oracle({ op: 'components', dims, spacing: [1, 1, 1], mask: path }) as Record<
      string,
      number[]
    >;
    for (const conn of [6, 26] as const) {
      const cc = connectedComponents(grid, mask, conn);
      expect(cc.sizes.slice(1).sort((a, b) => a - b)).toEqual(exp[String(conn)]);
    }
    expect(exp['6']!.length).toBeGreaterThan(exp['26']!.length);
    const largest = largestComponent(grid, mask, 26);
    expect(largest.reduce((a, b) => a + b, 0)).toBe(Math.max(...exp['26']!));
    const kept = keepComponents(grid, mask, { connectivity: 6, minVoxels: 5 });
    expect(kept.reduce((a, b) => a + b, 0)).toBe(exp['6']!.filter((s) => s >= 5).reduce((a, b) => a + b, 0));
  });

  it('is cancellable', () => {
    expect(() => connectedComponents(grid, mask, 26, { signal: aborted() })).toThrow(CancelledError);
  });
});

describe('thresholds', () => {
  it('Otsu (2 and 3 classes) matches a brute-force numpy Otsu', () => {
    const r = mulberry32(3);
    const values: number[] = [];
    for (const [mu, sd, n] of [
      [100, 10, 3000],
      [300, 25, 2000],
      [700, 40, 1500],
    ] as const)
      for (let q = 0; q < n; q++) {
        const g = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
        values.push(Math.round(mu + sd * g));
      }
    const exp = oracle({ op: 'otsu', values, bins: 64 }) as { two: number[]; three: number[] };
    const arr = Float32Array.from(values);
    expect(otsuThresholds(arr, 2, { bins: 64 })[0]).toBeCloseTo(exp.two[0]!, 6);
    const three = otsuThresholds(arr, 3, { bins: 64 });
    expect(three[0]).toBeCloseTo(exp.three[0]!, 6);
    expect(three[1]).toBeCloseTo(exp.three[1]!, 6);
    // The three-class cuts fall between the modes.
    expect(three[0]).toBeGreaterThan(130);
    expect(three[0]).toBeLessThan(250);
    expect(three[1]).toBeGreaterThan(380);
    expect(three[1]).toBeLessThan(620);
    expect(() => otsuThresholds(new Float32Array(10).fill(3))).toThrow(/fewer than two distinct values/);
  });

  it('hysteresis keeps weak voxels connected to strong ones only', () => {
    const dims: [number, number, number] = [10, 3, 3];
    const grid = { dimensions: dims, spacingMm: [1, 1, 1] as [number, number, number] };
    const v = new Float32Array(90);
    const row = (i: number) => i + 10 * (1 + 3 * 1);
    // strong at i=1, weak chain to i=4, gap at i=5, weak island at 6..8
    [9, 5, 5, 5, 0, 5, 5, 5].forEach((x, t) => (v[row(t + 1)] = x));
    const m = hysteresisThreshold(grid, v, 4, 8);
    expect([...Array(10).keys()].map((i) => m[row(i)])).toEqual([0, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(Array.from(thresholdRange(Float32Array.of(1, 5, 9), 4, 8))).toEqual([0, 1, 0]);
  });
});

describe('Hessian and vesselness', () => {
  it('closed-form eigenvalues match numpy.linalg.eigvalsh', () => {
    const r = mulberry32(17);
    const mats: number[][] = Array.from({ length: 200 }, (_, n) => {
      const m = Array.from({ length: 6 }, () => (r() - 0.5) * 10 ** ((n % 5) - 2));
      if (n % 7 === 0) m[3] = m[4] = m[5] = 0; // diagonal
      if (n % 11 === 0) [m[1], m[2]] = [m[0]!, m[0]!]; // repeated eigenvalues
      return m;
    });
    const exp = oracle({ op: 'eigen', matrices: mats }) as number[][];
    const out = new Float64Array(3);
    mats.forEach((m, n) => {
      symmetricEigenvalues3(m[0]!, m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, out);
      const scale = Math.max(...exp[n]!.map(Math.abs), 1e-30);
      for (let t = 0; t < 3; t++) expect(Math.abs(out[t]! - exp[n]![t]!) / scale).toBeLessThan(1e-9);
    });
  });

  it('Gaussian second derivatives of a quadratic are exact with anisotropic spacing', () => {
    // f = 3x² + 2xy − z² + 5yz in mm (x, y, z along i, j, k): H = [[6,2,0],[2,0,5],[0,5,−2]].
    const dims: [number, number, number] = [24, 20, 16];
    const sp: [number, number, number] = [0.7, 1.0, 1.6];
    const f = new Float32Array(dims[0] * dims[1] * dims[2]);
    for (let k = 0; k < dims[2]; k++)
      for (let j = 0; j < dims[1]; j++)
        for (let i = 0; i < dims[0]; i++) {
          const [x, y, z] = [(i - 12) * sp[0], (j - 10) * sp[1], (k - 8) * sp[2]];
          f[i + dims[0] * (j + dims[1] * k)] = 3 * x * x + 2 * x * y - z * z + 5 * y * z;
        }
    const h = hessianAtScale({ dimensions: dims, spacingMm: sp }, f, 1.2);
    const p = 12 + dims[0] * (10 + dims[1] * 8);
    expect(h.xx[p]).toBeCloseTo(6, 3);
    expect(h.xy[p]).toBeCloseTo(2, 3);
    expect(h.xz[p]).toBeCloseTo(0, 3);
    expect(h.yy[p]).toBeCloseTo(0, 3);
    expect(h.yz[p]).toBeCloseTo(5, 3);
    expect(h.zz[p]).toBeCloseTo(-2, 3);
  });

  it('an oblique bright tube gets high vesselness on its axis, low beside it and on a blob', () => {
    const dims: [number, number, number] = [40, 40, 30];
    const sp: [number, number, number] = [0.8, 0.8, 1.0];
    const dir = rotationXyz(20, 35, 10);
    const axis = [dir[0]!, dir[3]!, dir[6]!];
    const img = new Float32Array(dims[0] * dims[1] * dims[2]);
    const c = [16, 16, 15];
    const pos = (i: number, j: number, k: number) => [
      (i - c[0]!) * sp[0],
      (j - c[1]!) * sp[1],
      (k - c[2]!) * sp[2],
    ];
    for (let k = 0; k < dims[2]; k++)
      for (let j = 0; j < dims[1]; j++)
        for (let i = 0; i < dims[0]; i++) {
          const [x, y, z] = pos(i, j, k);
          const t = x! * axis[0]! + y! * axis[1]! + z! * axis[2]!;
          const d = Math.hypot(x! - t * axis[0]!, y! - t * axis[1]!, z! - t * axis[2]!);
          const blob = Math.hypot(i - 33, j - 33, (k - 24) * 1.25) * 0.8;
          img[i + dims[0] * (j + dims[1] * k)] =
            100 +
            1000 * Math.exp(-(d * d) / (2 * 1.2 ** 2)) +
            1000 * Math.exp(-(blob * blob) / (2 * 1.5 ** 2));
        }
    const vol = volumeOf(dims, sp, img);
    const { vesselness, bestScaleMm } = frangiVesselness(vol, { scalesMm: [0.8, 1.2, 2] });
    const v = vesselness.scalars as Float32Array;
    const at = (i: number, j: number, k: number) => v[i + dims[0] * (j + dims[1] * k)]!;
    expect(at(16, 16, 15)).toBeGreaterThan(0.5);
    expect(bestScaleMm[16 + dims[0] * (16 + dims[1] * 15)]).toBeGreaterThanOrEqual(0.8);
    // 5 mm off the axis, perpendicular to it.
    const perp = [-axis[1]!, axis[0]!, 0];
    const n = Math.hypot(perp[0]!, perp[1]!);
    const off = [
      16 + Math.round((5 * perp[0]!) / n / sp[0]),
      16 + Math.round((5 * perp[1]!) / n / sp[1]),
      15,
    ];
    expect(at(off[0]!, off[1]!, off[2]!)).toBeLessThan(0.05);
    expect(at(33, 33, 24)).toBeLessThan(0.2 * at(16, 16, 15));
    expect(() => frangiVesselness(vol, { scalesMm: [1] }, { signal: aborted() })).toThrow(CancelledError);
    expect(() => frangiVesselness(vol, { scalesMm: [0] })).toThrow(/scales must be positive/);
  });
});

describe('centrelines of an analytic torus-free tube tree', () => {
  it('finds the axis of a Y of cylinders with the right radii', () => {
    const dims: [number, number, number] = [60, 50, 40];
    const sp: [number, number, number] = [0.5, 0.5, 0.6];
    const vol = volumeOf(dims, sp, new Uint8Array(dims[0] * dims[1] * dims[2]), rotationXyz(10, -5, 30));
    // Segments in index-mm space (x along i, ...): trunk r = 3 mm, two branches r = 1.5 mm.
    const segs = [
      { a: [5, 12, 12], b: [15, 12, 12], r: 3 },
      { a: [15, 12, 12], b: [27, 20, 14], r: 1.5 },
      { a: [15, 12, 12], b: [27, 4, 10], r: 1.5 },
    ];
    const distSeg = (p: number[], s: (typeof segs)[number]) => {
      const ab = s.b.map((x, t) => x - s.a[t]!);
      const ap = p.map((x, t) => x - s.a[t]!);
      const tt = Math.max(
        0,
        Math.min(
          1,
          (ap[0]! * ab[0]! + ap[1]! * ab[1]! + ap[2]! * ab[2]!) / (ab[0]! ** 2 + ab[1]! ** 2 + ab[2]! ** 2),
        ),
      );
      return Math.hypot(ap[0]! - tt * ab[0]!, ap[1]! - tt * ab[1]!, ap[2]! - tt * ab[2]!);
    };
    const mask = new Uint8Array(vol.scalars.length);
    for (let k = 0; k < dims[2]; k++)
      for (let j = 0; j < dims[1]; j++)
        for (let i = 0; i < dims[0]; i++) {
          const p = [i * sp[0], j * sp[1], k * sp[2]];
          if (segs.some((s) => distSeg(p, s) <= s.r)) mask[i + dims[0] * (j + dims[1] * k)] = 1;
        }
    const { branches, skeleton } = extractCenterlines(vol, mask);
    expect(branches.length).toBeGreaterThanOrEqual(3);
    expect(branches.length).toBeLessThanOrEqual(6);
    // Every extracted point lies near an axis, and its radius is near that segment's radius.
    const toMm = (lps: number[]) => {
      const ijk = [0, 1, 2].map(
        (r) =>
          vol.lpsToIjk[r * 4]! * lps[0]! +
          vol.lpsToIjk[r * 4 + 1]! * lps[1]! +
          vol.lpsToIjk[r * 4 + 2]! * lps[2]! +
          vol.lpsToIjk[r * 4 + 3]!,
      );
      return ijk.map((x, t) => x * sp[t]!);
    };
    let worst = 0;
    const radiusErr: number[] = [];
    for (const b of branches)
      b.pointsLps.forEach((q, t) => {
        const p = toMm(q);
        const ds = segs.map((s) => distSeg(p, s));
        const best = ds.indexOf(Math.min(...ds));
        worst = Math.max(worst, ds[best]!);
        // Radii away from the junction and the free ends.
        const s = segs[best]!;
        const fromA = Math.hypot(...p.map((x, u) => x - s.a[u]!));
        const fromB = Math.hypot(...p.map((x, u) => x - s.b[u]!));
        if (fromA > 4 && fromB > 4) radiusErr.push(b.radiiMm[t]! - s.r);
      });
    expect(worst).toBeLessThan(0.8);
    expect(radiusErr.length).toBeGreaterThan(10);
    const meanAbs = radiusErr.reduce((a, b) => a + Math.abs(b), 0) / radiusErr.length;
    expect(meanAbs).toBeLessThan(0.35);
    // Every axis is covered: samples along each segment have a skeleton voxel within 1 mm.
    const skelMm: number[][] = [];
    for (let p = 0; p < skeleton.length; p++)
      if (skeleton[p]) {
        const i = p % dims[0];
        const j = Math.floor(p / dims[0]) % dims[1];
        const k = Math.floor(p / (dims[0] * dims[1]));
        skelMm.push([i * sp[0], j * sp[1], k * sp[2]]);
      }
    for (const s of segs)
      for (let t = 0.1; t <= 0.8; t += 0.1) {
        const q = s.a.map((x, u) => x + t * (s.b[u]! - x));
        const d = Math.min(...skelMm.map((m) => Math.hypot(m[0]! - q[0]!, m[1]! - q[1]!, m[2]! - q[2]!)));
        expect(d).toBeLessThan(1);
      }
    expect(() => extractCenterlines(vol, mask, {}, { signal: aborted() })).toThrow(CancelledError);
  });
});

describe('label maps', () => {
  const dims: [number, number, number] = [30, 26, 20];
  const sp: [number, number, number] = [0.9, 1.1, 2.0];
  const ref = volumeOf(dims, sp, new Float32Array(dims[0] * dims[1] * dims[2]), rotationXyz(15, -10, 25));

  it('paints and erases a ball in LPS mm on an oblique anisotropic grid', () => {
    const map = createLabelMap(ref, [
      { value: 1, name: 'brain' },
      { value: 300, name: 'vessel' },
    ]);
    expect(map.scalars).toBeInstanceOf(Uint16Array);
    expect(map.labels.map((l) => l.name)).toEqual(['brain', 'vessel']);
    const center = [0, 1, 2].map(
      (r) =>
        ref.ijkToLps[r * 4]! * 14.3 +
        ref.ijkToLps[r * 4 + 1]! * 12.6 +
        ref.ijkToLps[r * 4 + 2]! * 9.2 +
        ref.ijkToLps[r * 4 + 3]!,
    ) as [number, number, number];
    const box = paintSphere(map, center, 6, 300);
    // Independent count: voxel centres within 6 mm of the centre, measured in LPS.
    let expected = 0;
    let lo = [99, 99, 99];
    let hi = [-1, -1, -1];
    for (let k = 0; k < dims[2]; k++)
      for (let j = 0; j < dims[1]; j++)
        for (let i = 0; i < dims[0]; i++) {
          const p = [0, 1, 2].map(
            (r) =>
              ref.ijkToLps[r * 4]! * i +
              ref.ijkToLps[r * 4 + 1]! * j +
              ref.ijkToLps[r * 4 + 2]! * k +
              ref.ijkToLps[r * 4 + 3]!,
          );
          if (Math.hypot(p[0]! - center[0], p[1]! - center[1], p[2]! - center[2]) <= 6) {
            expected++;
            lo = lo.map((x, t) => Math.min(x, [i, j, k][t]!));
            hi = hi.map((x, t) => Math.max(x, [i, j, k][t]!));
          }
        }
    expect(labelCounts(map).get(300)).toBe(expected);
    expect(box).toEqual({ min: lo, max: hi, empty: false });
    expect(labelAtLps(map, center)).toBe(300);
    // Erase only "brain": nothing changes; erase anything: a smaller ball goes.
    expect(eraseSphere(map, center, 3, { onlyOver: [1] }).empty).toBe(true);
    eraseSphere(map, center, 3);
    expect(labelAtLps(map, center)).toBe(0);
    expect(labelCounts(map).get(300)).toBeLessThan(expected);
    setLabel(map, [0, 0, 0], 1);
    expect(getLabel(map, [0, 0, 0])).toBe(1);
    expect(maskOfLabel(map, 1).reduce((a, b) => a + b, 0)).toBe(1);
    expect(() => setLabel(map, [30, 0, 0], 1)).toThrow(/outside 30×26×20/);
    expect(() => paintSphere(map, center, -1, 1)).toThrow(/brush radius/);
    expect(() => paintSphere(map, center, 1, 70000)).toThrow(/not an integer 0..65535/);
  });

  it('builds 8-bit maps from masks and rejects bad label tables', () => {
    const mask = new Uint8Array(ref.scalars.length);
    mask[5] = 1;
    const m = labelMapFromMask(ref, mask, { value: 4, name: 'skull' });
    expect(m.scalars).toBeInstanceOf(Uint8Array);
    expect(m.scalars[5]).toBe(4);
    expect(m.metadata.seriesDescription).toBe('labels: 4=skull');
    expect(m.ijkToLps).toEqual(ref.ijkToLps);
    expect(() => createLabelMap(ref, [{ value: 0, name: 'x' }])).toThrow(/expected an integer 1..255/);
    expect(() =>
      createLabelMap(ref, [
        { value: 2, name: 'a' },
        { value: 2, name: 'b' },
      ]),
    ).toThrow(/defined twice/);
  });
});
