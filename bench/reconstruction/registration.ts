/**
 * Rigid CT–MR registration benchmark: NeuroPlan's registerRigid against elastix 5 (Debian `elastix`,
 * parameter file bench/peers/elastix-rigid-mi.txt: Euler transform, Mattes MI, 4 levels) on the same pairs.
 *
 *  - phantom: the synthetic head (size 256 by default, NP_BENCH_REG_SIZE to change), fixed = CT,
 *    moving = T1 MR; truth movingToFixed = inverse(ctToMrLps) from ground-truth.json.
 *  - brain: the real T1 fixture (fixed) against a copy moved by a seeded random rigid transform
 *    (bench/../packages/imaging/test/registration-oracle.py: scipy resampling, the truth it prints).
 *
 * Error: target registration error, max over points in the brain (phantom: the 6 fiducials and the 8
 * corners of the brain ellipsoid's box; brain: the 8 corners of the skull-strip mask's box), and the
 * angle of R_est·R_trueᵀ. elastix's time is the wall time of its process (reading the MetaImage files
 * included; ours excludes loading). Volumes go to elastix as MetaImage (.mhd + .raw, float32, LPS).
 * `met`: we are faster (ratio ≥ 1), within 0.5 mm and 0.5°, and no less accurate than elastix
 * (max error at most elastix's + 0.05 mm).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  eulerToMatrix,
  invertRigidMatrix,
  mat4Invert,
  readNifti,
  registerRigid,
  rotationDifferenceDeg,
  transformPoint,
  type Mat4,
  type Vec3,
  type Volume,
} from '@neuroplan/imaging';
import { loadPaths, writePhantomCase } from '@neuroplan/imaging/node';
import { median, report } from '../results.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = join(root, '.tmp', 'bench-registration');
const parameterFile = join(root, 'bench', 'peers', 'elastix-rigid-mi.txt');
const oracle = join(root, 'packages', 'imaging', 'test', 'registration-oracle.py');
const fixtures = join(root, 'packages', 'imaging', 'test', 'fixtures', 'nifti');
const REPEATS = 3;

/**
 * MetaImage (.mhd + .raw, float32). ITK's physical space is LPS like ours; ITK's MetaImageIO reads
 * TransformMatrix so that its consecutive triplets are the direction COLUMNS (the i, j, k axes).
 */
export function writeMetaImage(v: Volume, path: string): void {
  const d = v.directionLps;
  const raw = path.replace(/\.mhd$/, '.raw');
  const header = [
    'ObjectType = Image',
    'NDims = 3',
    'BinaryData = True',
    'BinaryDataByteOrderMSB = False',
    'CompressedData = False',
    `TransformMatrix = ${[d[0], d[3], d[6], d[1], d[4], d[7], d[2], d[5], d[8]].join(' ')}`,
    `Offset = ${v.originLps.join(' ')}`,
    'CenterOfRotation = 0 0 0',
    'AnatomicalOrientation = RAI',
    `ElementSpacing = ${v.spacingMm.join(' ')}`,
    `DimSize = ${v.dimensions.join(' ')}`,
    'ElementType = MET_FLOAT',
    `ElementDataFile = ${raw.split('/').pop()}`,
  ];
  writeFileSync(path, header.join('\n') + '\n');
  const data = Float32Array.from(v.scalars);
  writeFileSync(raw, new Uint8Array(data.buffer));
}

/** elastix's TransformParameters.0.txt (EulerTransform) → fixed → moving LPS 4×4. */
export function parseElastixEuler(text: string): Mat4 {
  const field = (name: string) => {
    const m = new RegExp(`\\(${name} ([^)]*)\\)`).exec(text);
    if (!m) throw new Error(`elastix transform file: no ${name}`);
    return m[1]!.trim().split(/\s+/).map(Number);
  };
  if (!/\(Transform "EulerTransform"\)/.test(text))
    throw new Error('elastix transform file: not an EulerTransform');
  if (/\(ComputeZYX "true"\)/.test(text))
    throw new Error('elastix transform file: ComputeZYX is not handled');
  const p = field('TransformParameters');
  const c = field('CenterOfRotationPoint');
  return eulerToMatrix(p, [c[0]!, c[1]!, c[2]!]);
}

interface Pair {
  name: string;
  fixed: Volume;
  moving: Volume;
  /** True moving → fixed. */
  truth: Mat4;
  /** Points in the FIXED space. */
  pointsLps: Vec3[];
}

/** Max TRE (mm) over fixed-space points q (moving point p = truth⁻¹·q) and the rotation error (°). */
function errors(estimate: Mat4, truth: Mat4, pointsLps: Vec3[]): { mm: number; deg: number } {
  const inverse = mat4Invert(truth);
  let mm = 0;
  for (const q of pointsLps) {
    const e = transformPoint(estimate, transformPoint(inverse, q));
    mm = Math.max(mm, Math.hypot(e[0] - q[0], e[1] - q[1], e[2] - q[2]));
  }
  return { mm, deg: rotationDifferenceDeg(estimate, truth) };
}

async function phantomPair(size: number): Promise<Pair> {
  const dir = join(work, `phantom-${size}`);
  const written = await writePhantomCase(dir, { size, seed: 11 });
  const truthJson = JSON.parse(readFileSync(written.groundTruthPath, 'utf8')) as {
    ctToMrLps: number[];
    fiducialsLps: Vec3[];
    anatomy: { shells: Record<string, { centerLps: Vec3; semiAxesMm: Vec3; axesLps: number[] }> };
  };
  const { volumes } = await loadPaths([join(dir, 'ct'), join(dir, 'mr-t1')]);
  const fixed = volumes.find((v) => v.modality === 'CT');
  const moving = volumes.find((v) => v.modality === 'MR');
  if (!fixed || !moving) throw new Error(`${dir}: the phantom CT and T1 did not load`);
  const brain = truthJson.anatomy.shells['brainOuter'];
  if (!brain) throw new Error(`${written.groundTruthPath}: no brainOuter shell`);
  const corners: Vec3[] = [];
  for (const a of [-1, 1])
    for (const b of [-1, 1])
      for (const c of [-1, 1]) {
        const s = [a * brain.semiAxesMm[0], b * brain.semiAxesMm[1], c * brain.semiAxesMm[2]];
        const m = brain.axesLps;
        corners.push(
          [0, 1, 2].map(
            (r) => brain.centerLps[r]! + m[r * 3]! * s[0]! + m[r * 3 + 1]! * s[1]! + m[r * 3 + 2]! * s[2]!,
          ) as Vec3,
        );
      }
  return {
    name: `registration phantom ${size} CT->T1`,
    fixed,
    moving,
    truth: invertRigidMatrix(truthJson.ctToMrLps),
    pointsLps: [...truthJson.fiducialsLps, ...corners],
  };
}

function brainPair(seed: number): Pair {
  const movedPath = join(work, `brain-moved-${seed}.nii.gz`);
  const out = JSON.parse(
    execFileSync(
      '/usr/bin/python3',
      [
        oracle,
        'move',
        join(fixtures, 'brain-t1.nii.gz'),
        movedPath,
        String(seed),
        join(fixtures, 'brain-t1-skullstrip-mask.nii.gz'),
      ],
      { encoding: 'utf8' },
    ),
  ) as { movingToFixedLps: number[]; pointsLps: Vec3[] };
  const read = (p: string) => readNifti(new Uint8Array(readFileSync(p)), p);
  return {
    name: `registration brain T1 moved (seed ${seed})`,
    fixed: read(join(fixtures, 'brain-t1.nii.gz')),
    moving: read(movedPath),
    truth: Float64Array.from(out.movingToFixedLps),
    pointsLps: out.pointsLps,
  };
}

function runElastix(pair: Pair, dir: string): { seconds: number; movingToFixed: Mat4 } {
  mkdirSync(dir, { recursive: true });
  const f = join(dir, 'fixed.mhd');
  const m = join(dir, 'moving.mhd');
  writeMetaImage(pair.fixed, f);
  writeMetaImage(pair.moving, m);
  const started = performance.now();
  const r = spawnSync('elastix', ['-f', f, '-m', m, '-p', parameterFile, '-out', dir], { encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`elastix failed (${r.status}): ${(r.stderr || r.stdout).slice(-500)}`);
  const fixedToMoving = parseElastixEuler(readFileSync(join(dir, 'TransformParameters.0.txt'), 'utf8'));
  return { seconds, movingToFixed: invertRigidMatrix(fixedToMoving) };
}

export async function run(args: string[]): Promise<void> {
  mkdirSync(work, { recursive: true });
  const size = Number(process.env.NP_BENCH_REG_SIZE ?? args[0] ?? 256);
  const pairs = [await phantomPair(size), brainPair(1)];
  for (const pair of pairs) {
    const ours: { s: number; mm: number; deg: number; metric: number; iterations: number }[] = [];
    for (let n = 0; n < REPEATS; n++) {
      const r = registerRigid(pair.fixed, pair.moving);
      ours.push({
        s: r.seconds,
        ...errors(r.movingToFixedLps, pair.truth, pair.pointsLps),
        metric: r.metric,
        iterations: r.iterations,
      });
    }
    const peer: { s: number; mm: number; deg: number }[] = [];
    for (let n = 0; n < REPEATS; n++) {
      const e = runElastix(pair, join(work, `${pair.name.replace(/\W+/g, '-')}-elastix-${n}`));
      peer.push({ s: e.seconds, ...errors(e.movingToFixed, pair.truth, pair.pointsLps) });
    }
    const ours_s = median(ours.map((o) => o.s));
    const peer_s = median(peer.map((o) => o.s));
    const oursMm = median(ours.map((o) => o.mm));
    const oursDeg = median(ours.map((o) => o.deg));
    const peerMm = median(peer.map((o) => o.mm));
    const peerDeg = median(peer.map((o) => o.deg));
    const ratio = peer_s / ours_s;
    report('reconstruction', {
      name: pair.name,
      ours_s,
      peer: 'elastix',
      peer_s,
      ratio,
      target: 1,
      met: ratio >= 1 && oursMm <= 0.5 && oursDeg <= 0.5 && oursMm <= peerMm + 0.05,
      ours_error_mm: oursMm,
      ours_error_deg: oursDeg,
      peer_error_mm: peerMm,
      peer_error_deg: peerDeg,
      ours_metric: ours[0]!.metric,
      ours_iterations: ours[0]!.iterations,
      peer_errors_mm: peer.map((p) => p.mm),
      fixed: pair.fixed.dimensions.join('x'),
      moving: pair.moving.dimensions.join('x'),
    });
  }
}
