/**
 * The task tests' mask, built the same way in Node and in the browser test page: a ball and a slab on
 * an anisotropic, rotated grid (so geometry must be carried over, not rebuilt).
 */
import { createVolume, type Volume } from '../src/volume.ts';

export function taskMask(n: number, shared = false): Volume {
  const scalars = shared ? new Uint8Array(new SharedArrayBuffer(n * n * n)) : new Uint8Array(n * n * n);
  for (let k = 0; k < n; k++)
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++) {
        const ball = (i - n / 2) ** 2 + (j - n / 3) ** 2 + (k - n / 2) ** 2 < (n / 4) ** 2;
        const slab = k > (3 * n) / 4 && i < n / 3;
        if (ball || slab) scalars[i + j * n + k * n * n] = 1;
      }
  return createVolume({
    id: `mask${n}`,
    modality: 'SEG',
    dimensions: [n, n, n],
    spacingMm: [0.9, 1.1, 1.5],
    originLps: [-10, 20, 5],
    directionLps: [0, 1, 0, -1, 0, 0, 0, 0, 1],
    scalars,
    metadata: { source: 'derived', frameOfReferenceUid: '1.2.3' },
  });
}
