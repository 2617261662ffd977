/** Child process of the imaging benchmark: loads one folder and reports time and memory as JSON. */
import { loadPaths } from '@neuroplan/imaging/node';

const dir = process.argv[2];
if (!dir) throw new Error('usage: imaging-load.ts <dir>');
const baselineRssBytes = process.memoryUsage().rss;
const t0 = performance.now();
const { volumes, errors } = await loadPaths([dir]);
const seconds = (performance.now() - t0) / 1000;
const v = volumes[0];
if (!v || volumes.length !== 1 || errors.length)
  throw new Error(`expected one volume, got ${volumes.length} and ${errors.length} errors`);
console.log(
  JSON.stringify({
    seconds,
    baselineRssBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    voxelBytes: v.scalars.byteLength,
    dimensions: v.dimensions,
    checksum: checksum(v.scalars),
  }),
);

function checksum(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum;
}
