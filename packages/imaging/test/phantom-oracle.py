#!/usr/bin/python3
"""Independent reader for a phantom case written by writePhantomCase (used by phantom.test.ts).

Reads every file with pydicom (no NeuroPlan code), rebuilds each series' LPS geometry from
ImagePositionPatient / ImageOrientationPatient / PixelSpacing with numpy, and checks the images against
ground-truth.json. Prints one JSON object: {"checks": [{"group", "name", "ok", "detail"}], "stats": {...}}.

Usage: phantom-oracle.py <case folder>
"""
import glob
import json
import os
import re
import struct
import sys

import numpy as np
import pydicom
from scipy import ndimage
from scipy.spatial import cKDTree

ROOT = sys.argv[1]
GT = json.load(open(os.path.join(ROOT, 'ground-truth.json')))
CHECKS = []
STATS = {}
UID_RE = re.compile(r'^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$')
LONG_VRS = {b'OB', b'OW', b'OF', b'OD', b'OL', b'OV', b'SQ', b'UT', b'UN', b'UC', b'UR', b'SV', b'UV'}
EXPLICIT_LE = '1.2.840.10008.1.2.1'
SOP_CLASS = {'CT': '1.2.840.10008.5.1.4.1.1.2', 'MR': '1.2.840.10008.5.1.4.1.1.4'}


def check(group, name, ok, detail=''):
    CHECKS.append({'group': group, 'name': name, 'ok': bool(ok), 'detail': str(detail)})


def valid_uid(u):
    return isinstance(u, str) and len(u) <= 64 and UID_RE.match(u) is not None


def meta_group_ok(path):
    """Walks the raw file meta group: (0002,0000) must equal the byte length of the rest of group 2."""
    b = open(path, 'rb').read()
    if len(b) < 144 or b[128:132] != b'DICM':
        return False, 'no DICM prefix after a 128-byte preamble'
    group, elem = struct.unpack('<HH', b[132:136])
    if (group, elem) != (2, 0) or b[136:138] != b'UL':
        return False, 'first element is not (0002,0000) UL'
    declared = struct.unpack('<I', b[140:144])[0]
    off = 144
    while off + 8 <= len(b):
        group, elem = struct.unpack('<HH', b[off:off + 4])
        if group != 2:
            break
        vr = b[off + 4:off + 6]
        if vr in LONG_VRS:
            length = struct.unpack('<I', b[off + 8:off + 12])[0]
            off += 12 + length
        else:
            length = struct.unpack('<H', b[off + 6:off + 8])[0]
            off += 8 + length
    actual = off - 144
    return actual == declared, f'declared {declared}, actual {actual}'


def load_series(entry):
    """Returns (sorted datasets, volume [k][j][i] after rescale, ijk->LPS 4x4, k-order of instances)."""
    name = entry['dir']
    files = sorted(glob.glob(os.path.join(ROOT, name, '*.dcm')))
    g = 'series:' + name
    check(g, 'file count', len(files) == entry['dimensions'][2], f"{len(files)} files, expected {entry['dimensions'][2]}")
    dss = []
    for f in files:
        ds = pydicom.dcmread(f)  # no force: requires the preamble and DICM
        dss.append(ds)
        ok, detail = meta_group_ok(f)
        if not ok:
            check(g, 'meta group length ' + os.path.basename(f), False, detail)
    check(g, 'meta group lengths', True)
    ds0 = dss[0]
    same = lambda key: all(str(getattr(d, key)) == str(getattr(ds0, key)) for d in dss)
    for key in ['StudyInstanceUID', 'SeriesInstanceUID', 'FrameOfReferenceUID', 'Rows', 'Columns', 'PixelSpacing',
                'ImageOrientationPatient', 'Modality', 'SOPClassUID', 'PatientName', 'PatientID', 'BitsAllocated',
                'BitsStored', 'HighBit', 'PixelRepresentation', 'PhotometricInterpretation', 'SamplesPerPixel',
                'RescaleSlope', 'RescaleIntercept', 'SliceThickness', 'SpacingBetweenSlices']:
        check(g, 'same ' + key + ' in every file', same(key))
    check(g, 'transfer syntax', all(d.file_meta.TransferSyntaxUID == EXPLICIT_LE for d in dss))
    check(g, 'media storage SOP class = SOP class', all(d.file_meta.MediaStorageSOPClassUID == d.SOPClassUID for d in dss))
    check(g, 'media storage SOP instance = SOP instance',
          all(d.file_meta.MediaStorageSOPInstanceUID == d.SOPInstanceUID for d in dss))
    check(g, 'implementation class UID', all(valid_uid(d.file_meta.ImplementationClassUID) for d in dss))
    uids = [d.SOPInstanceUID for d in dss] + [ds0.StudyInstanceUID, ds0.SeriesInstanceUID, ds0.FrameOfReferenceUID]
    bad = [u for u in uids if not valid_uid(u)]
    check(g, 'UIDs valid (<= 64 chars, no leading zeros)', not bad, bad[:3])
    check(g, 'SOP instance UIDs unique', len(set(d.SOPInstanceUID for d in dss)) == len(dss))
    check(g, 'SOP class', ds0.SOPClassUID == SOP_CLASS[entry['modality']] == entry['sopClassUid'], ds0.SOPClassUID)
    check(g, 'modality', ds0.Modality == entry['modality'])
    check(g, 'series UID matches ground truth', ds0.SeriesInstanceUID == entry['seriesInstanceUid'])
    check(g, 'study UID matches ground truth', ds0.StudyInstanceUID == entry['studyInstanceUid'])
    check(g, 'frame of reference matches ground truth', ds0.FrameOfReferenceUID == entry['frameOfReferenceUid'])
    check(g, 'patient name synthetic', str(ds0.PatientName) == 'PHANTOM^NEUROPLAN', ds0.PatientName)
    check(g, 'pixel format', ds0.BitsAllocated == 16 and ds0.HighBit == ds0.BitsStored - 1 and ds0.PixelRepresentation == 0
          and ds0.PhotometricInterpretation == 'MONOCHROME2' and ds0.SamplesPerPixel == 1)
    numbers = sorted(int(d.InstanceNumber) for d in dss)
    check(g, 'instance numbers 1..n', numbers == list(range(1, len(dss) + 1)))

    iop = np.array(ds0.ImageOrientationPatient, float)
    r, c = iop[:3], iop[3:]
    n = np.cross(r, c)
    check(g, 'IOP orthonormal', abs(np.linalg.norm(r) - 1) < 1e-6 and abs(np.linalg.norm(c) - 1) < 1e-6 and abs(r @ c) < 1e-6,
          iop)
    row_sp, col_sp = (float(x) for x in ds0.PixelSpacing)
    check(g, 'pixel spacing matches ground truth',
          np.allclose([row_sp, col_sp], entry['pixelSpacingMm'], atol=1e-9), [row_sp, col_sp])
    by_pos = sorted(dss, key=lambda d: float(np.dot(n, np.array(d.ImagePositionPatient, float))))
    ipp = np.array([d.ImagePositionPatient for d in by_pos], float)
    proj = ipp @ n
    gaps = np.diff(proj)
    spacing = float(ds0.SpacingBetweenSlices)
    check(g, 'slices evenly spaced', np.all(np.abs(gaps - spacing) < 1e-4), f'gaps {gaps.min()}..{gaps.max()}, spacing {spacing}')
    check(g, 'slice thickness = spacing', abs(float(ds0.SliceThickness) - spacing) < 1e-9)
    inplane = (ipp - ipp[0]) - np.outer(proj - proj[0], n)
    check(g, 'IPPs on one line along the normal', np.abs(inplane).max() < 1e-4, np.abs(inplane).max())
    inst = [int(d.InstanceNumber) for d in by_pos]
    order = 'ascending' if inst == sorted(inst) else 'descending' if inst == sorted(inst, reverse=True) else 'mixed'
    check(g, 'instance order along the normal', order == entry['instanceOrder'], order)
    loc = np.array([float(d.SliceLocation) for d in by_pos])
    check(g, 'slice location = IPP . normal', np.abs(loc - proj).max() < 1e-4)
    m = np.eye(4)
    m[:3, 0] = r * col_sp
    m[:3, 1] = c * row_sp
    m[:3, 2] = n * spacing
    m[:3, 3] = ipp[0]
    check(g, 'geometry matches ground-truth volume', np.allclose(m, np.array(entry['volume']['ijkToLps']).reshape(4, 4), atol=1e-4),
          m.round(5).tolist())
    stored = np.stack([d.pixel_array for d in by_pos])
    check(g, 'stored values fit BitsStored', int(stored.max()) < (1 << int(ds0.BitsStored)), int(stored.max()))
    vol = stored.astype(np.float64) * float(ds0.RescaleSlope) + float(ds0.RescaleIntercept)
    return by_pos, vol, m


def lps_to_ijk(m, pts):
    pts = np.atleast_2d(np.asarray(pts, float))
    h = np.c_[pts, np.ones(len(pts))]
    return (np.linalg.inv(m) @ h.T).T[:, :3]


def ijk_to_lps(m, ijk):
    ijk = np.atleast_2d(np.asarray(ijk, float))
    return (m @ np.c_[ijk, np.ones(len(ijk))].T).T[:, :3]


def apply(t, pts):
    pts = np.atleast_2d(np.asarray(pts, float))
    return (t @ np.c_[pts, np.ones(len(pts))].T).T[:, :3]


def value_at(vol, ijk):
    """Nearest-voxel values; NaN outside. vol is indexed [k][j][i]."""
    idx = np.rint(ijk).astype(int)
    inside = np.all((idx >= 0) & (idx < np.array(vol.shape[::-1])), axis=1)
    out = np.full(len(idx), np.nan)
    out[inside] = vol[idx[inside, 2], idx[inside, 1], idx[inside, 0]]
    return out, idx, inside


def polyline_distance(q, pts, radii):
    """Distance from each q to the polyline and the radius interpolated at the closest point."""
    a, b = pts[:-1], pts[1:]
    ab = b - a
    len2 = np.maximum((ab * ab).sum(1), 1e-12)
    v = q[:, None, :] - a[None, :, :]
    t = np.clip((v * ab[None]).sum(2) / len2[None], 0, 1)
    d = np.linalg.norm(v - t[..., None] * ab[None], axis=2)
    best = d.argmin(1)
    rows = np.arange(len(q))
    r = radii[:-1][best] + t[rows, best] * (radii[1:][best] - radii[:-1][best])
    return d[rows, best], r


def main():
    series = {s['name']: s for s in GT['series']}
    # --- ground truth shape and transform ---
    g = 'ground-truth'
    for key in ['vessels', 'fiducialsLps', 'ctToMrLps', 'brainCenterLps', 'labels']:
        check(g, 'has ' + key, key in GT)
    t = np.array(GT['ctToMrLps'], float).reshape(4, 4)
    R = t[:3, :3]
    check(g, 'ctToMr rotation orthonormal', np.abs(R.T @ R - np.eye(3)).max() < 1e-12, np.abs(R.T @ R - np.eye(3)).max())
    check(g, 'ctToMr det = +1', abs(np.linalg.det(R) - 1) < 1e-12, np.linalg.det(R))
    check(g, 'ctToMr last row', np.allclose(t[3], [0, 0, 0, 1]))
    angles = np.degrees(np.arccos(np.clip((np.trace(R) - 1) / 2, -1, 1)))
    STATS['ctToMrAngleDeg'] = angles
    STATS['ctToMrShiftMm'] = float(np.linalg.norm(t[:3, 3]))
    check(g, 'ctToMr is a few degrees and some mm', 2 < angles < 15 and 5 < np.linalg.norm(t[:3, 3]) < 25,
          f'{angles} deg, {np.linalg.norm(t[:3, 3])} mm')
    t_inv = np.linalg.inv(t)
    check(g, 'mrToCt is the inverse', np.allclose(np.array(GT['mrToCtLps']).reshape(4, 4), t_inv, atol=1e-12))
    mr_pts = np.concatenate([np.array(v['pointsLps']) for v in GT['vesselsMrLps']])
    ct_pts = np.concatenate([np.array(v['pointsLps']) for v in GT['vessels']])
    check(g, 'vesselsMrLps = ctToMr . vessels', np.abs(apply(t, ct_pts) - mr_pts).max() < 1e-4)
    check(g, 'fiducialsMrLps = ctToMr . fiducials',
          np.abs(apply(t, GT['fiducialsLps']) - np.array(GT['fiducialsMrLps'])).max() < 1e-4)

    # --- every series ---
    loaded = {}
    for name in ['ct', 'mr-t1', 'angio']:
        loaded[name] = load_series(series[name])
    ct_ds, ct, ct_m = loaded['ct']
    t1_ds, t1, t1_m = loaded['mr-t1']
    an_ds, an, an_m = loaded['angio']

    g = 'cross-series'
    check(g, 'CT is axial with identity orientation', np.allclose(np.array(ct_ds[0].ImageOrientationPatient, float), [1, 0, 0, 0, 1, 0]))
    for name, dss in [('mr-t1', t1_ds), ('angio', an_ds)]:
        iop = np.array(dss[0].ImageOrientationPatient, float)
        check(g, name + ' is oblique (no axis-aligned direction)', np.abs(iop).max() < 0.9995, iop)
    check(g, 'MR series share a frame of reference', t1_ds[0].FrameOfReferenceUID == an_ds[0].FrameOfReferenceUID)
    check(g, 'CT frame differs from MR frame', ct_ds[0].FrameOfReferenceUID != t1_ds[0].FrameOfReferenceUID)
    check(g, 'one patient', len({d[0].PatientID for d in [ct_ds, t1_ds, an_ds]}) == 1)
    check(g, 'series UIDs distinct', len({d[0].SeriesInstanceUID for d in [ct_ds, t1_ds, an_ds]}) == 3)
    all_sop = [d.SOPInstanceUID for dss in [ct_ds, t1_ds, an_ds] for d in dss]
    check(g, 'SOP instance UIDs distinct across the case', len(set(all_sop)) == len(all_sop))
    check(g, 'MR matrices differ from CT', t1.shape[1:] != ct.shape[1:] and an.shape[1:] != ct.shape[1:])
    check(g, 'angio has non-square pixels',
          abs(float(an_ds[0].PixelSpacing[0]) - float(an_ds[0].PixelSpacing[1])) > 1e-3)

    # --- fiducials: bright in CT at their centres ---
    g = 'fiducials-ct'
    fid = np.array(GT['fiducialsLps'], float)
    radius = GT['fiducialRadiusMm']
    ijk = lps_to_ijk(ct_m, fid)
    vals, idx, inside = value_at(ct, ijk)
    check(g, 'fiducials inside the CT', inside.all())
    centre_dist = np.linalg.norm(ijk_to_lps(ct_m, idx) - fid, axis=1)
    check(g, 'nearest voxel centre lies inside each marker (test precondition)', np.all(centre_dist < radius), centre_dist)
    check(g, 'HU at each fiducial centre is bone-bright (> 1000)', np.all(vals > 1000), vals)
    neigh = [ct[max(k - 1, 0):k + 2, max(j - 1, 0):j + 2, max(i - 1, 0):i + 2].max() for i, j, k in idx]
    check(g, 'marker brighter than any bone (> 2000 HU) next to each centre', np.all(np.array(neigh) > 2000), neigh)
    STATS['fiducialHu'] = vals.tolist()

    # --- vessels: bright in the angiography along the centrelines ---
    g = 'vessels-angio'
    qualifying = 0
    failures = []
    total_points = 0
    voxel = np.array([float(an_ds[0].PixelSpacing[1]), float(an_ds[0].PixelSpacing[0]), float(an_ds[0].SpacingBetweenSlices)])
    for vi, v in enumerate(GT['vessels']):
        pts = np.array(v['pointsLps'], float)
        radii = np.array(v['radiiMm'], float)
        total_points += len(pts)
        ijk = lps_to_ijk(an_m, apply(t, pts))
        vals, idx, inside = value_at(an, ijk)
        if not inside.all():
            failures.append(f'vessel {vi}: {int((~inside).sum())} points outside the angio field')
            continue
        centres_ct = apply(t_inv, ijk_to_lps(an_m, idx))
        d, r = polyline_distance(centres_ct, pts, radii)
        ok_points = d <= r - 0.05
        qualifying += int(ok_points.sum())
        dark = ok_points & (vals < 800)
        if dark.any():
            failures.append(f'vessel {vi}: {int(dark.sum())} voxels inside the lumen below 800: {vals[dark][:5]}')
    STATS['angioQualifyingPoints'] = qualifying
    STATS['angioVesselPoints'] = total_points
    check(g, 'every nearest voxel inside a lumen is vessel-bright (>= 800)', not failures, failures[:5])
    check(g, 'enough centreline points tested (>= 15 %)', qualifying >= 0.15 * total_points, f'{qualifying}/{total_points}')
    # Conversely: every bright voxel lies on a vessel (tissue tops out near 500 in this series).
    bright = np.argwhere(an >= 900)[:, ::-1]  # (i, j, k)
    bright_ct = apply(t_inv, ijk_to_lps(an_m, bright))
    fid_tree = cKDTree(fid)
    near_fid = fid_tree.query(bright_ct)[0] < radius + np.linalg.norm(voxel)
    tree = cKDTree(ct_pts)
    all_r = np.concatenate([np.array(v['radiiMm']) for v in GT['vessels']])
    # A voxel can hold lumen only if the lumen reaches its footprint: distance to the axis minus the local
    # radius at most half the voxel diagonal (+0.3 mm for the 0.5 mm sampling of the centrelines). Several
    # neighbours are tried because the nearest axis point may belong to a thinner, crossing vessel.
    slack = 0.5 * np.linalg.norm(voxel) + 0.3
    dist, nearest = tree.query(bright_ct[~near_fid], k=64, distance_upper_bound=all_r.max() + slack)
    radius_at = np.append(all_r, 0.0)[nearest]  # index len(all_r) marks 'no neighbour' (dist = inf)
    stray = int(((dist - radius_at).min(axis=1) > slack).sum())
    STATS['angioBrightVoxels'] = int(len(bright))
    check(g, 'bright voxels exist', len(bright) > 100, len(bright))
    check(g, 'every bright voxel lies on a ground-truth vessel', stray == 0, f'{stray} of {len(bright)} off-vessel')

    # --- CT: non-contrast vessels are mildly dense ---
    g = 'vessels-ct'
    ct_voxel = np.linalg.norm([float(ct_ds[0].PixelSpacing[0]), float(ct_ds[0].PixelSpacing[1]), float(ct_ds[0].SpacingBetweenSlices)])
    hu = []
    for v in GT['vessels']:
        pts = np.array(v['pointsLps'], float)
        radii = np.array(v['radiiMm'], float)
        ijk = lps_to_ijk(ct_m, pts)
        vals, idx, inside = value_at(ct, ijk)
        d, r = polyline_distance(ijk_to_lps(ct_m, idx), pts, radii)
        deep = inside & (d <= r - ct_voxel / 2)
        hu.extend(vals[deep].tolist())
    STATS['ctVesselHuMean'] = float(np.mean(hu)) if hu else None
    check(g, 'vessel lumen voxels sampled', len(hu) >= 20, len(hu))
    check(g, 'mean vessel HU in 40..60 (non-contrast blood)', hu and 40 <= np.mean(hu) <= 60, np.mean(hu) if hu else None)

    # --- brain centre: white matter in both; centroid of the brain matches through ctToMr ---
    g = 'brain-centre'
    bc = np.array(GT['brainCenterLps'], float)
    bc_mr = apply(t, bc)[0]
    check(g, 'brainCenterMrLps = ctToMr . brainCenterLps', np.abs(bc_mr - GT['brainCenterMrLps']).max() < 1e-4)
    v_ct, _, _ = value_at(ct, lps_to_ijk(ct_m, bc))
    v_t1, _, _ = value_at(t1, lps_to_ijk(t1_m, bc_mr))
    STATS['brainCentreCtHu'] = float(v_ct[0])
    STATS['brainCentreT1'] = float(v_t1[0])
    check(g, 'CT at the brain centre is brain tissue (10..50 HU)', 10 <= v_ct[0] <= 50, v_ct[0])
    check(g, 'T1 at ctToMr . brainCenter is white matter (650..1000)', 650 <= v_t1[0] <= 1000, v_t1[0])

    def brain_centroid(vol, m, lo, hi):
        mask = (vol > lo) & (vol < hi)
        lab, count = ndimage.label(mask)
        sizes = ndimage.sum(mask, lab, range(1, count + 1))
        brain = ndimage.binary_fill_holes(lab == (1 + int(np.argmax(sizes))))
        kji = np.argwhere(brain)
        return ijk_to_lps(m, kji[:, ::-1]).mean(0)

    # The brain tissue is the brainOuter ellipsoid above its flat floor (the skull base), less the midline
    # CSF sheet (the falx, open to the surface so not filled as a hole): its centroid, by 0.5 mm grid
    # integration in the ellipsoid's own frame, is where the segmented brain's centroid must lie.
    def brain_truth_centroid():
        e = GT['anatomy']['shells']['brainOuter']
        axes = np.array(e['axesLps'], float).reshape(3, 3)
        sa = np.array(e['semiAxesMm'], float)
        grid = [np.arange(-a, a + 0.25, 0.5) for a in sa]
        x, y, z = np.meshgrid(*grid, indexing='ij')
        local = np.stack([x.ravel(), y.ravel(), z.ravel()], 1)
        keep = ((local / sa) ** 2).sum(1) <= 1
        if 'floorMm' in e:
            keep &= local[:, 2] >= -e['floorMm']
        pts = local[keep] @ axes.T + np.array(e['centerLps'], float)
        falx = GT['anatomy'].get('falx')
        if falx is not None:
            fa = np.array(falx['axesLps'], float).reshape(3, 3)
            fl = (pts - np.array(falx['centerLps'], float)) @ fa
            pts = pts[((fl / np.array(falx['semiAxesMm'], float)) ** 2).sum(1) > 1]
        return pts.mean(0)

    bt = brain_truth_centroid()
    bt_mr = apply(t, bt)[0]
    c_ct = brain_centroid(ct, ct_m, 15, 55)
    c_t1 = brain_centroid(t1, t1_m, 465, 930)
    STATS['brainTruthCentroidOffsetMm'] = float(np.linalg.norm(bt - bc))
    STATS['ctBrainCentroidErrorMm'] = float(np.linalg.norm(c_ct - bt))
    STATS['t1BrainCentroidErrorMm'] = float(np.linalg.norm(c_t1 - bt_mr))
    STATS['t1VsMappedCtCentroidMm'] = float(np.linalg.norm(c_t1 - apply(t, c_ct)[0]))
    check(g, 'CT brain centroid at the analytic brain centroid (< 1 mm)', np.linalg.norm(c_ct - bt) < 1.0, c_ct - bt)
    check(g, 'T1 brain centroid at ctToMr . analytic brain centroid (< 1.5 mm)', np.linalg.norm(c_t1 - bt_mr) < 1.5,
          c_t1 - bt_mr)
    check(g, 'T1 brain centroid = ctToMr . CT brain centroid (< 1.5 mm)',
          np.linalg.norm(c_t1 - apply(t, c_ct)[0]) < 1.5, c_t1 - apply(t, c_ct)[0])

    print(json.dumps({'checks': CHECKS, 'stats': STATS}, default=float))


main()
