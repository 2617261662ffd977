/**
 * Distance-map benchmark: exact Euclidean distance transform of a 256³ mask with anisotropic spacing
 * (0.8 × 0.9 × 1.1 mm), ours (in-process, single thread) against scipy.ndimage.distance_transform_edt
 * (bench/peers/scipy_edt.py) in the same run, three timed repeats each, medians reported. The mask is
 * analytic and deterministic: a skull-like ellipsoidal shell (7 mm thick) plus a few tubes (vessels,
 * 1.5–3 mm radius). Both results are compared voxel by voxel (max |ours − scipy| must be ≤ 1e-6 mm).
 * Target: at least as fast as scipy (ratio ≥ 1). Two lines: the unsigned map to the foreground
 * (scipy: edt(~mask)) and the signed map (scipy: edt(~mask) − edt(mask)).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distanceMapMm, type DistanceKind } from '../../packages/imaging/src/distance/distanceTransform.ts';
import { median, report } from '../results.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const REPEATS = 3;
const TOLERANCE_MM = 1e-6;

type Vec = [number, number, number];

/** Distance from p to the segment a–b (mm). */
function segmentDistance(p: Vec, a: Vec, b: Vec): number {
  const ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const ap = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
  const len2 = ab[0]! ** 2 + ab[1]! ** 2 + ab[2]! ** 2;
  const t = Math.max(0, Math.min(1, (ap[0]! * ab[0]! + ap[1]! * ab[1]! + ap[2]! * ab[2]!) / len2));
  return Math.hypot(ap[0]! - t * ab[0]!, ap[1]! - t * ab[1]!, ap[2]! - t * ab[2]!);
}

function buildMask(n: number, spacing: Vec): Uint8Array {
  const mask = new Uint8Array(n * n * n);
  const c = (n - 1) / 2;
  const outer: Vec = [90, 105, 120]; // ellipsoid semi-axes (mm), inside the 205 × 230 × 281 mm field
  const thickness = 7;
  const inner: Vec = [outer[0] - thickness, outer[1] - thickness, outer[2] - thickness];
  const tubes: { a: Vec; b: Vec; r: number }[] = [
    { a: [-60, -20, -80], b: [40, 30, 70], r: 3 },
    { a: [40, 30, 70], b: [55, -50, 90], r: 2 },
    { a: [40, 30, 70], b: [-10, 70, 85], r: 2 },
    { a: [-30, -70, -40], b: [20, 10, -60], r: 1.5 },
    { a: [0, 0, -100], b: [0, 0, 100], r: 2.5 },
  ];
  for (let k = 0; k < n; k++) {
    const z = (k - c) * spacing[2];
    for (let j = 0; j < n; j++) {
      const y = (j - c) * spacing[1];
      for (let i = 0; i < n; i++) {
        const x = (i - c) * spacing[0];
        const eo = (x / outer[0]) ** 2 + (y / outer[1]) ** 2 + (z / outer[2]) ** 2;
        const ei = (x / inner[0]) ** 2 + (y / inner[1]) ** 2 + (z / inner[2]) ** 2;
        let inside = eo <= 1 && ei > 1;
        if (!inside && ei <= 1) inside = tubes.some((t) => segmentDistance([x, y, z], t.a, t.b) <= t.r);
        mask[i + n * (j + n * k)] = inside ? 1 : 0;
      }
    }
  }
  return mask;
}

export async function run(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 256);
  const spacing: Vec = [0.8, 0.9, 1.1];
  const dims: Vec = [n, n, n];
  const dir = join(root, '.tmp', 'bench-distance');
  mkdirSync(dir, { recursive: true });
  const maskPath = join(dir, `mask-${n}.u8`);
  const mask = buildMask(n, spacing);
  writeFileSync(maskPath, mask);
  let foreground = 0;
  for (let x = 0; x < mask.length; x++) foreground += mask[x]!;
  const grid = { id: 'bench-mask', dimensions: dims, spacingMm: spacing, scalars: mask };

  const lines: [DistanceKind, string][] = [
    ['toForeground', 'edt(~mask)'],
    ['signed', 'edt(~mask) - edt(mask)'],
  ];
  for (const [kind, scipyCall] of lines) {
    const peerOut = join(dir, `scipy-${kind}-${n}.f64`);
    const peer = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [
          join(root, 'bench', 'peers', 'scipy_edt.py'),
          maskPath,
          dims.join(','),
          spacing.join(','),
          kind,
          String(REPEATS),
          peerOut,
        ],
        { encoding: 'utf8', maxBuffer: 1 << 20 },
      ),
    ) as { seconds: number[]; scipy: string };

    const ours: number[] = [];
    let result: Float64Array | Float32Array | undefined;
    for (let r = 0; r < REPEATS; r++) {
      result = undefined; // let the previous map be collected before the next allocation
      const t0 = performance.now();
      result = distanceMapMm(grid, { kind });
      ours.push((performance.now() - t0) / 1000);
    }
    const bytes = readFileSync(peerOut);
    const expected = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
    let maxDiff = 0;
    for (let x = 0; x < expected.length; x++) {
      const d = Math.abs(result![x]! - expected[x]!);
      if (!(d <= maxDiff)) maxDiff = d;
    }
    const oursS = median(ours);
    const peerS = median(peer.seconds);
    const ratio = peerS / oursS;
    report('reconstruction', {
      name: `reconstruction.distance_${kind}_${n}^3`,
      ours_s: +oursS.toFixed(3),
      peer: `scipy ${peer.scipy} distance_transform_edt: ${scipyCall}`,
      peer_s: +peerS.toFixed(3),
      ratio: +ratio.toFixed(2),
      target: 1,
      met: ratio >= 1 && maxDiff <= TOLERANCE_MM,
      max_abs_diff_mm: maxDiff,
      tolerance_mm: TOLERANCE_MM,
      ours_runs_s: ours.map((s) => +s.toFixed(3)),
      peer_runs_s: peer.seconds.map((s) => +s.toFixed(3)),
      dimensions: dims,
      spacing_mm: spacing,
      foreground_fraction: +(foreground / mask.length).toFixed(4),
      threads: 1,
    });
  }
}
