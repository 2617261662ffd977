/**
 * Imaging benchmark: load a 512×512×400 uncompressed phantom CT series from disk into a Volume,
 * and in the same run the same files with pydicom + numpy. Both run warm (files in the page cache),
 * three times each, alternating; the median is reported. Target: ≥ 3× faster than pydicom, and peak
 * memory growth during the load ≤ 1.5× the voxel data.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePhantomCase } from '@neuroplan/imaging/node';
import { median, report } from './results.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

export async function run(args: string[]): Promise<void> {
  const size = Number(args[0] ?? 512);
  const slices = Math.round((size * 400) / 512);
  const caseDir = join(root, '.tmp', `bench-phantom-${size}x${slices}`);
  const ctDir = join(caseDir, 'ct');
  if (!existsSync(join(caseDir, 'ground-truth.json'))) {
    console.error(`writing phantom ${size}×${size}×${slices} to ${caseDir} ...`);
    await writePhantomCase(caseDir, { size, slices, seed: 1 });
  }
  const files = readdirSync(ctDir).filter((f) => f.endsWith('.dcm'));
  for (const f of files) readFileSync(join(ctDir, f)); // warm the page cache for both sides alike

  const ours: {
    seconds: number;
    maxRssBytes: number;
    baselineRssBytes: number;
    voxelBytes: number;
    checksum: number;
  }[] = [];
  const peer: { seconds: number; checksum: number }[] = [];
  for (let i = 0; i < 3; i++) {
    ours.push(
      JSON.parse(
        execFileSync(process.execPath, ['--import', 'tsx', join(here, 'imaging-load.ts'), ctDir], {
          encoding: 'utf8',
        }),
      ),
    );
    peer.push(
      JSON.parse(
        execFileSync('/usr/bin/python3', [join(here, 'peers', 'pydicom_load.py'), ctDir], {
          encoding: 'utf8',
        }),
      ),
    );
  }
  if (ours[0]!.checksum !== peer[0]!.checksum)
    throw new Error(`voxel checksums differ: ours ${ours[0]!.checksum}, pydicom ${peer[0]!.checksum}`);
  const oursS = median(ours.map((o) => o.seconds));
  const peerS = median(peer.map((p) => p.seconds));
  const growth = Math.max(...ours.map((o) => o.maxRssBytes - o.baselineRssBytes));
  const voxelBytes = ours[0]!.voxelBytes;
  const ratio = peerS / oursS;
  const memoryRatio = growth / voxelBytes;
  report('imaging', {
    name: `imaging.load_ct_${size}x${size}x${slices}`,
    ours_s: +oursS.toFixed(3),
    peer: 'pydicom+numpy',
    peer_s: +peerS.toFixed(3),
    ratio: +ratio.toFixed(2),
    target: 3,
    met: ratio >= 3 && memoryRatio <= 1.5,
    peak_memory_growth_mib: +(growth / 2 ** 20).toFixed(1),
    voxel_mib: +(voxelBytes / 2 ** 20).toFixed(1),
    memory_ratio: +memoryRatio.toFixed(2),
    memory_target: 1.5,
    files: files.length,
  });
}
