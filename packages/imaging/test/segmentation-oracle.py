#!/usr/bin/python3
"""Independent ground truth for segmentation.test.ts (pydicom + numpy + scipy, no NeuroPlan code).

Reads a phantom series with pydicom, rebuilds its voxel-centre LPS positions from ImagePositionPatient /
ImageOrientationPatient / PixelSpacing (k ordered along the slice normal, i along IOP[0:3], j along
IOP[3:6]: the NeuroPlan Volume convention), rasterises the analytic anatomy of ground-truth.json at
those centres and compares it with a mask NeuroPlan wrote (uint8, i fastest).

Usage:
  segmentation-oracle.py vessels <case> <series> <mask.raw> <centerlines.json>
  segmentation-oracle.py shell   <case> <series> <mask.raw> <outer> <inner|->   (ellipsoid shells, CT frame)
  segmentation-oracle.py ventricles <case> <series> <mask.raw>
  segmentation-oracle.py nifti <image.nii.gz> <reference-labels.nii.gz> <mask.raw>
Prints one JSON object.
"""
import glob
import json
import os
import sys

import numpy as np
import pydicom
from scipy.spatial import cKDTree


def load_grid(case, series):
    files = sorted(glob.glob(os.path.join(case, series, '*.dcm')))
    dss = [pydicom.dcmread(f, stop_before_pixels=True) for f in files]
    iop = np.array([float(x) for x in dss[0].ImageOrientationPatient])
    row, col = iop[:3], iop[3:]
    normal = np.cross(row, col)
    ipps = np.array([[float(x) for x in d.ImagePositionPatient] for d in dss])
    order = np.argsort(ipps @ normal)
    ipps = ipps[order]
    ps = [float(x) for x in dss[0].PixelSpacing]  # [between rows, between columns]
    ni, nj, nk = int(dss[0].Columns), int(dss[0].Rows), len(dss)
    dk = np.diff(ipps @ normal)
    sk = float(np.mean(dk)) if nk > 1 else 1.0
    m = np.eye(4)
    m[:3, 0] = row * ps[1]
    m[:3, 1] = col * ps[0]
    m[:3, 2] = normal * sk
    m[:3, 3] = ipps[0]
    return (ni, nj, nk), m, ipps, row * ps[1], col * ps[0]


def centres(dims, ipps, di, dj):
    """LPS centre of every voxel, shape (nk, nj, ni, 3), from each slice's own IPP."""
    ni, nj, nk = dims
    ii = np.arange(ni)[None, :, None] * di[None, None, :]
    jj = np.arange(nj)[:, None, None] * dj[None, None, :]
    plane = ii + jj  # (nj, ni, 3)
    return ipps[:, None, None, :] + plane[None]


def read_mask(path, dims):
    ni, nj, nk = dims
    a = np.fromfile(path, dtype=np.uint8)
    assert a.size == ni * nj * nk, f'{path}: {a.size} voxels, expected {ni * nj * nk}'
    return a.reshape(nk, nj, ni) > 0


def dice(a, b):
    s = a.sum() + b.sum()
    return float(2 * (a & b).sum() / s) if s else 1.0


def quadric(e):
    r = np.array(e['axesLps']).reshape(3, 3)
    return r @ np.diag(1 / np.array(e['semiAxesMm']) ** 2) @ r.T


def inside(e, pts):
    d = pts - np.array(e['centerLps'])
    q = quadric(e)
    out = np.einsum('...i,ij,...j->...', d, q, d) <= 1
    if 'floorMm' in e:  # flat floor: own z axis (third column of axesLps) at least -floorMm
        z_axis = np.array(e['axesLps'], float).reshape(3, 3)[:, 2]
        out &= d @ z_axis >= -e['floorMm']
    return out


def to_ct(gt, series, pts):
    entry = next(s for s in gt['series'] if s['dir'] == series)
    if entry['frame'] == 'ct':
        return pts
    m = np.array(gt['mrToCtLps']).reshape(4, 4)
    return pts @ m[:3, :3].T + m[:3, 3]


def vessels(case, series, mask_path, cl_path):
    gt = json.load(open(os.path.join(case, 'ground-truth.json')))
    dims, m, ipps, di, dj = load_grid(case, series)
    ni, nj, nk = dims
    truth = np.zeros((nk, nj, ni), bool)
    minv = np.linalg.inv(m)
    entry = next(s for s in gt['series'] if s['dir'] == series)
    pts_key = 'vesselsMrLps' if entry['frame'] == 'mr' else 'vessels'
    gt_points, gt_radii = [], []
    for vi, v in enumerate(gt['vessels']):
        p = np.array(gt[pts_key][vi]['pointsLps'])
        r = np.array(v['radiiMm'])
        gt_points.append(p)
        gt_radii.append(r)
        for s in range(len(p) - 1):
            a, b, ra, rb = p[s], p[s + 1], r[s], r[s + 1]
            reach = max(ra, rb) + 1e-9
            lo = np.minimum(a, b) - reach
            hi = np.maximum(a, b) + reach
            corners = np.array([[x, y, z, 1] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
            ijk = (minv @ corners.T).T[:, :3]
            i0, j0, k0 = np.maximum(np.floor(ijk.min(0)).astype(int), 0)
            i1, j1, k1 = np.minimum(np.ceil(ijk.max(0)).astype(int), [ni - 1, nj - 1, nk - 1])
            if i0 > i1 or j0 > j1 or k0 > k1:
                continue
            c = ipps[k0:k1 + 1, None, None, :] + (np.arange(j0, j1 + 1)[:, None, None] * dj)[None] + (np.arange(i0, i1 + 1)[None, :, None] * di)[None]
            ab = b - a
            t = np.clip(((c - a) @ ab) / max(ab @ ab, 1e-12), 0, 1)
            d = np.linalg.norm(c - a - t[..., None] * ab, axis=-1)
            truth[k0:k1 + 1, j0:j1 + 1, i0:i1 + 1] |= d <= ra + t * (rb - ra)
    ours = read_mask(mask_path, dims)
    out = {'ijkToLps': m.flatten().tolist(), 'dice': dice(ours, truth), 'truthVoxels': int(truth.sum()),
           'ourVoxels': int(ours.sum())}
    # Centreline recall: ground-truth points within max(1 voxel, radius) of an extracted point.
    branches = json.load(open(cl_path))
    ext = np.array([q for b in branches for q in b['pointsLps']]).reshape(-1, 3)
    ext_r = np.array([q for b in branches for q in b['radiiMm']])
    voxel = float(max(np.linalg.norm(di), np.linalg.norm(dj), np.linalg.norm(m[:3, 2])))
    P = np.concatenate(gt_points)
    R = np.concatenate(gt_radii)
    # Only points inside the field of view (with a one-voxel margin) can be found.
    ijk = (minv[:3, :3] @ P.T).T + minv[:3, 3]
    fov = np.all((ijk >= 1) & (ijk <= np.array([ni, nj, nk]) - 2), axis=1)
    sel = fov & (R >= 0.5)
    tree = cKDTree(ext)
    dist, idx = tree.query(P[sel])
    hit = dist <= np.maximum(voxel, R[sel])
    err = ext_r[idx[hit]] - R[sel][hit]
    # Precision: extracted points near some ground-truth centreline point.
    gtree = cKDTree(P)
    d2, i2 = gtree.query(ext)
    prec = float(np.mean(d2 <= np.maximum(voxel, R[i2])))
    out.update({'recall': float(hit.mean()), 'points': int(sel.sum()), 'voxelMm': voxel, 'precision': prec,
                'radiusErrorMedianAbs': float(np.median(np.abs(err))), 'radiusErrorMean': float(err.mean()),
                'recallByRadius': {f'{lo}-{hi}': float(hit[(R[sel] >= lo) & (R[sel] < hi)].mean())
                                   for lo, hi in ((0.5, 1.0), (1.0, 1.5), (1.5, 3.0))
                                   if ((R[sel] >= lo) & (R[sel] < hi)).any()}})
    return out


def shell(case, series, mask_path, outer, inner):
    gt = json.load(open(os.path.join(case, 'ground-truth.json')))
    dims, m, ipps, di, dj = load_grid(case, series)
    pts = to_ct(gt, series, centres(dims, ipps, di, dj))
    sh = gt['anatomy']['shells']
    truth = inside(sh[outer], pts)
    if inner != '-':
        truth &= ~inside(sh[inner], pts)
    ours = read_mask(mask_path, dims)
    return {'ijkToLps': m.flatten().tolist(), 'dice': dice(ours, truth), 'truthVoxels': int(truth.sum()),
            'ourVoxels': int(ours.sum())}


def ventricles(case, series, mask_path):
    gt = json.load(open(os.path.join(case, 'ground-truth.json')))
    dims, m, ipps, di, dj = load_grid(case, series)
    pts = to_ct(gt, series, centres(dims, ipps, di, dj))
    truth = np.zeros(pts.shape[:3], bool)
    for e in gt['anatomy']['ventricles']:
        truth |= inside(e, pts)
    ours = read_mask(mask_path, dims)
    return {'ijkToLps': m.flatten().tolist(), 'dice': dice(ours, truth), 'truthVoxels': int(truth.sum()),
            'ourVoxels': int(ours.sum())}


def nifti(image, reference, mask_path):
    import nibabel as nib
    ref = np.asarray(nib.load(reference).dataobj) > 0  # (x, y, z) = NIfTI i, j, k
    ni, nj, nk = ref.shape
    ours = np.fromfile(mask_path, dtype=np.uint8).reshape(nk, nj, ni).transpose(2, 1, 0) > 0
    img = np.asarray(nib.load(image).dataobj).astype(float)
    return {'dice': dice(ours, ref), 'truthVoxels': int(ref.sum()), 'ourVoxels': int(ours.sum()),
            'meanInsideOurs': float(img[ours].mean()) if ours.any() else None,
            'labels': sorted(int(x) for x in np.unique(np.asarray(nib.load(reference).dataobj)))}


mode = sys.argv[1]
if mode == 'vessels':
    print(json.dumps(vessels(*sys.argv[2:6])))
elif mode == 'shell':
    print(json.dumps(shell(*sys.argv[2:7])))
elif mode == 'ventricles':
    print(json.dumps(ventricles(*sys.argv[2:5])))
elif mode == 'nifti':
    print(json.dumps(nifti(*sys.argv[2:5])))
else:
    sys.exit(f'unknown mode {mode}')
