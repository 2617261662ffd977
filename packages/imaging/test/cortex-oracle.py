#!/usr/bin/env python3
"""Oracle for cortex.test.ts (numpy, scipy, nibabel; nothing from NeuroPlan).

  cortex-oracle.py ellipsoid <ground-truth.json> <shell>
      volume 4/3·π·abc and surface area of the phantom's analytic ellipsoid `shell` (anatomy.shells), the
      area by a midpoint-rule integral of |∂r/∂θ × ∂r/∂φ| over a 4000 × 8000 (θ, φ) grid (error < 1e-6
      relative) and by Knud Thomsen's formula (p = 1.6075, ≤ 1.1 % error) as a cross-check.
  cortex-oracle.py tissue <ground-truth.json>
      volume of the phantom's brain tissue as the T1 shows it: the `brainOuter` shell cut by its flat
      floor (anatomy.shells.brainOuter.floorMm along its own third axis) minus the midline falx (CSF),
      counted on a 0.5 mm grid (relative error well under 0.5 %).
  cortex-oracle.py nifti <t1.nii.gz> <skullstrip-mask.nii.gz> <threshold>
      brain-tissue volume: voxels with mask > 0 AND T1 ≥ threshold, the largest 6-connected component,
      cavities filled (scipy.ndimage.binary_fill_holes), times the voxel volume from the header zooms.
Prints one JSON object.
"""
import json
import sys

import numpy as np


def ellipsoid(gt_path, shell):
    with open(gt_path) as f:
        gt = json.load(f)
    a, b, c = gt['anatomy']['shells'][shell]['semiAxesMm']
    volume = 4.0 / 3.0 * np.pi * a * b * c
    n_t, n_p = 4000, 8000
    t = (np.arange(n_t) + 0.5) * np.pi / n_t
    p = (np.arange(n_p) + 0.5) * 2 * np.pi / n_p
    T, P = np.meshgrid(t, p, indexing='ij')
    st, ct, sp, cp = np.sin(T), np.cos(T), np.sin(P), np.cos(P)
    # r = (a sinθ cosφ, b sinθ sinφ, c cosθ); |r_θ × r_φ| written out:
    dA = st * np.sqrt((b * c * st * cp) ** 2 + (a * c * st * sp) ** 2 + (a * b * ct) ** 2)
    area = dA.sum() * (np.pi / n_t) * (2 * np.pi / n_p)
    q = 1.6075
    thomsen = 4 * np.pi * (((a * b) ** q + (a * c) ** q + (b * c) ** q) / 3) ** (1 / q)
    return {'semiAxesMm': [a, b, c], 'volumeMm3': volume, 'areaMm2': area, 'areaThomsenMm2': thomsen}


def nifti(image, mask_path, threshold):
    import nibabel as nib
    from scipy import ndimage

    img = nib.load(image)
    t1 = np.asarray(img.dataobj, dtype=np.float64)
    mask = np.asarray(nib.load(mask_path).dataobj) > 0
    tissue = mask & (t1 >= threshold)
    lab, n = ndimage.label(tissue)  # default structure: 6-connectivity
    sizes = np.bincount(lab.ravel())
    sizes[0] = 0
    largest = lab == int(np.argmax(sizes))
    filled = ndimage.binary_fill_holes(largest)
    voxel = float(np.prod(img.header.get_zooms()[:3]))
    return {
        'voxelMm3': voxel,
        'tissueVoxels': int(tissue.sum()),
        'components': int(n),
        'largestVoxels': int(largest.sum()),
        'filledVoxels': int(filled.sum()),
        'volumeMm3': float(filled.sum()) * voxel,
    }


def _inside(e, pts):
    axes = np.array(e['axesLps'], float).reshape(3, 3)
    q = axes @ np.diag(1.0 / np.array(e['semiAxesMm'], float) ** 2) @ axes.T
    d = pts - np.array(e['centerLps'], float)
    out = np.einsum('...i,ij,...j->...', d, q, d) <= 1
    if 'floorMm' in e:
        out &= d @ axes[:, 2] >= -e['floorMm']
    return out


def tissue(gt_path):
    with open(gt_path) as f:
        gt = json.load(f)
    brain, falx = gt['anatomy']['shells']['brainOuter'], gt['anatomy']['falx']
    h = 0.5
    r = max(brain['semiAxesMm']) + 2
    axis = np.arange(-r, r, h) + h / 2
    y, z = np.meshgrid(axis, axis, indexing='ij')
    count = 0
    for x in axis:
        pts = np.stack([np.full_like(y, x), y, z], -1) + np.array(brain['centerLps'], float)
        count += int((_inside(brain, pts) & ~_inside(falx, pts)).sum())
    return {'volumeMm3': count * h**3}


if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'ellipsoid':
        out = ellipsoid(sys.argv[2], sys.argv[3])
    elif cmd == 'tissue':
        out = tissue(sys.argv[2])
    elif cmd == 'nifti':
        out = nifti(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        raise SystemExit(f'unknown command {cmd}')
    print(json.dumps(out))
