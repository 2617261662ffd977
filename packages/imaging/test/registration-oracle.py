#!/usr/bin/python3
"""Oracle for the registration tests and benchmark (numpy, scipy, nibabel; independent of NeuroPlan's code).

  registration-oracle.py move <in.nii.gz> <out.nii.gz> <seed> [mask.nii.gz]
      Draws a seeded random rigid transform T (rotations up to 10 degrees about each axis, translations up
      to 15 mm, about the image centre), writes a copy of <in> moved by it: out(p) = in(T p) for every LPS
      point p, on the same grid, trilinear (scipy.ndimage.affine_transform, order 1, zeros outside).
      So T maps a point of the moved copy (the moving image) to the same anatomy in <in> (the fixed
      image): T is the true movingToFixedLps. Prints JSON {movingToFixedLps (16, row-major), pointsLps}
      where pointsLps are the 8 corners of the bounding box of mask > 0 (or of the whole grid), in the
      FIXED image's LPS space, for target registration errors.
"""
import json
import sys

import nibabel as nib
import numpy as np
from scipy.ndimage import affine_transform

RAS_TO_LPS = np.diag([-1.0, -1.0, 1.0, 1.0])


def rotation(ax, ay, az):
    cx, sx, cy, sy, cz, sz = np.cos(ax), np.sin(ax), np.cos(ay), np.sin(ay), np.cos(az), np.sin(az)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ rx @ ry


def move(src, dst, seed, mask=None):
    img = nib.load(src)
    data = np.asarray(img.dataobj, dtype=np.float64)
    ijk_to_lps = RAS_TO_LPS @ img.affine
    rng = np.random.default_rng(seed)
    angles = np.radians(rng.uniform(-10, 10, 3))
    shift = rng.uniform(-15, 15, 3)
    centre = ijk_to_lps @ np.append((np.array(data.shape[:3]) - 1) / 2, 1)
    t = np.eye(4)
    t[:3, :3] = rotation(*angles)
    t[:3, 3] = centre[:3] - t[:3, :3] @ centre[:3] + shift
    # out[v] = in[A^-1 T A v]: index of the fixed voxel that the moved copy's voxel v shows.
    m = np.linalg.inv(ijk_to_lps) @ t @ ijk_to_lps
    moved = affine_transform(data, m[:3, :3], offset=m[:3, 3], order=1, mode='constant', cval=0.0)
    nib.save(nib.Nifti1Image(moved.astype(np.float32), img.affine), dst)
    box = np.asarray(nib.load(mask).dataobj) > 0 if mask else np.ones(data.shape[:3], bool)
    idx = np.argwhere(box)
    lo, hi = idx.min(0), idx.max(0)
    corners = [
        (ijk_to_lps @ np.array([i, j, k, 1.0]))[:3].tolist()
        for i in (lo[0], hi[0]) for j in (lo[1], hi[1]) for k in (lo[2], hi[2])
    ]
    print(json.dumps({'movingToFixedLps': t.reshape(-1).tolist(), 'pointsLps': corners}))


if __name__ == '__main__':
    if len(sys.argv) in (5, 6) and sys.argv[1] == 'move':
        move(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] if len(sys.argv) == 6 else None)
    else:
        sys.exit(__doc__)
