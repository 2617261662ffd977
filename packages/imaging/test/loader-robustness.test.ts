/**
 * Robustness of the whole loader (header pass, planning, worker decoding) on a folder where hundreds of
 * corrupted files sit beside a good series: no crash, no hang, every file accounted for (in a volume or
 * in `errors` with a reason), and the good series loads exactly as it does alone.
 * Corruptions are derived deterministically (seeded) from real files: truncations, bit flips, absurd
 * element lengths, and random bytes over the header.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPaths } from '../src/node/index.ts';
import { mulberry32 } from '../src/random.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const sources = [
  join(fixtures, 'dicom', 'CT_small.dcm'),
  join(fixtures, 'dicom', 'MR_small.dcm'),
  join(fixtures, 'transfer-syntax', 'ct_jpegls_lossless.dcm'),
  join(fixtures, 'transfer-syntax', 'mr_3frames_rle.dcm'),
  join(fixtures, 'transfer-syntax', 'mr_j2k_lossless.dcm'),
  join(fixtures, 'transfer-syntax', 'mr_deflated.dcm'),
];

function corrupt(bytes: Uint8Array, kind: number, rand: () => number): Uint8Array {
  const out = bytes.slice();
  const at = (lo: number, hi: number) => lo + Math.floor(rand() * Math.max(1, hi - lo));
  switch (kind) {
    case 0:
      return out.subarray(0, at(0, out.length)); // truncation anywhere
    case 1:
      for (let n = 0; n < 1 + at(0, 8); n++) out[at(0, out.length)]! ^= 1 << at(0, 8); // bit flips
      return out;
    case 2: {
      const p = at(132, Math.min(out.length - 4, 2000)); // absurd length over the header
      out.set([0xf0, 0xff, 0xff, 0xff], p);
      return out;
    }
    default:
      for (let p = at(0, 1500), end = p + at(1, 64); p < end && p < out.length; p++) out[p] = at(0, 256);
      return out;
  }
}

describe('loader robustness', () => {
  it('loads the good series beside 300 corrupted files, accounting for every file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-robust-'));
    const series = join(fixtures, 'dicom', 'series-ct-descending');
    for (const f of readdirSync(series)) copyFileSync(join(series, f), join(dir, `good-${f}.dcm`));
    const rand = mulberry32(20261124);
    let made = 0;
    for (let i = 0; i < 300; i++) {
      const src = sources[i % sources.length]!;
      writeFileSync(
        join(dir, `bad-${String(i).padStart(3, '0')}.dcm`),
        corrupt(new Uint8Array(readFileSync(src)), i % 4, rand),
      );
      made++;
    }
    const alone = await loadPaths([series]);
    const { volumes, errors } = await loadPaths([dir], { workers: 2 });
    const accounted = volumes.reduce((n, v) => n + (v.metadata.sourceFileCount ?? 0), 0) + errors.length;
    expect(accounted).toBe(made + 5);
    for (const e of errors) {
      expect(e.file.startsWith(dir)).toBe(true);
      expect(e.reason.length, e.file).toBeGreaterThan(8);
      expect(e.reason, e.file).not.toMatch(/^\s*at |\n\s+at /); // no stack traces as reasons
    }
    const good = volumes.find(
      (v) => v.metadata.seriesInstanceUid === alone.volumes[0]!.metadata.seriesInstanceUid,
    );
    expect(good).toBeDefined();
    expect(good!.metadata.sourceFileCount).toBe(5);
    expect(good!.dimensions).toEqual(alone.volumes[0]!.dimensions);
    expect(Array.from(good!.scalars)).toEqual(Array.from(alone.volumes[0]!.scalars));
  });
});
