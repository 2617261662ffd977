import { loadPaths } from '@neuroplan/imaging/node';
const t0 = performance.now();
let hdrEnd = 0, firstPix = 0;
const r = await loadPaths(['/tmp/ph512/ct'], { workers: Number(process.env.W ?? 2), onProgress: (p) => {
  if (p.phase === 'headers' && p.done === p.total) hdrEnd = performance.now();
  if (p.phase === 'pixels' && !firstPix) firstPix = performance.now();
}});
const t1 = performance.now();
console.log({ headers: (hdrEnd - t0)/1000, toFirstPixel: (firstPix - hdrEnd)/1000, total: (t1 - t0)/1000 , mem: process.resourceUsage().maxRSS/1024});
