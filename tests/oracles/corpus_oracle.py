#!/usr/bin/python3
"""Independent oracle for `neuroplan inspect` over a folder of DICOM files it has never seen (pydicom's
own test corpus): which files form which volumes, their geometry, and their value statistics, computed
with pydicom 2.3 + numpy only (no NeuroPlan code).

usage: corpus_oracle.py ROOT FILE...   (FILE: every file the folder walk reads; names are reported
                                        relative to ROOT)
prints {"volumes": [...], "dropped": [file...], "skipped": [{"file", "reason"}]}

Each volume: seriesInstanceUid (null without one), files (the files whose planes it holds),
dimensions, spacingMm, originLps, directionLps (row-major, columns = the i, j, k axes in LPS),
stats {min, max, mean} of the rescaled voxels, or null with statsSkipped saying why (pixel data pydicom
cannot decode without plugins: only native, deflated and RLE transfer syntaxes are decoded here).

The grouping follows NeuroPlan's documented rules (README "loader decisions", src/dicom/series.ts
header comment), restated here from the DICOM standard's attributes, not from its code:
  * images: PixelData, Rows, Columns, a valid NumberOfFrames, one sample per pixel (colour is refused);
  * a file's planes: single-frame IPP/IOP/PixelSpacing; enhanced objects per frame from the Per-frame
    Functional Groups (the first NumberOfFrames items) falling back to the Shared ones; RT Dose at
    IPP + normal * GridFrameOffsetVector[f] (the first NumberOfFrames values; absolute z when the first
    value is not 0), DoseGridScaling folded into the slope;
  * a series (StudyInstanceUID, SeriesInstanceUID) splits by stack (EchoNumbers; enhanced: StackID and
    the non-spatial, non-temporal dimension index values), matrix, orientation (1e-4) and pixel spacing;
  * planes are sorted along row x column; planes within 1e-3 mm of one another are duplicates: the first
    in (InstanceNumber, path, frame) order is kept; a stack splits where a gap exceeds 5 median gaps
    (two planes: 5 slice thicknesses);
  * k spacing: (last - first) / (N - 1); a single plane: its SliceThickness, else 1 mm;
  * a series without any plane geometry gives one volume only when it is a single file: its first frame
    at origin 0, identity direction, 1 mm voxels (the documented convention for unplaced images).
Anything outside these rules (4D time points, separate acquisitions at one position, mosaics, uneven or
sheared stacks) raises, so the test fails loudly rather than comparing against a guess.
"""
import json
import os
import sys
import warnings

import numpy as np
import pydicom

warnings.simplefilter('ignore')  # pydicom warns about the corpus's deliberate oddities

DECODABLE = {
    '1.2.840.10008.1.2',  # implicit VR little endian
    '1.2.840.10008.1.2.1',  # explicit VR little endian
    '1.2.840.10008.1.2.2',  # explicit VR big endian
    '1.2.840.10008.1.2.1.99',  # deflated explicit VR little endian
    '1.2.840.10008.1.2.5',  # RLE lossless (pydicom's numpy RLE handler)
}
SPATIAL = {0x00209057, 0x00200032, 0x00209056}  # InStackPositionNumber, IPP, StackID
TEMPORAL = {0x00209128, 0x00209153, 0x00189072}


class Unmodelled(Exception):
    pass


def unit(v):
    v = np.asarray(v, float)
    return v / np.linalg.norm(v)


def floats(value):
    return [float(x) for x in (value if isinstance(value, (list, pydicom.multival.MultiValue)) else [value])]


def plane(ipp, iop, spacing, thickness):
    if ipp is None or iop is None or spacing is None:
        return None
    iop = floats(iop)
    row, col = unit(iop[:3]), unit(iop[3:])
    return {
        'ipp': np.array(floats(ipp)),
        'row': row,
        'col': col,
        'spacing': floats(spacing),  # [between rows, between columns]
        'thickness': float(thickness) if thickness not in (None, '') and float(thickness) > 0 else None,
    }


def item0(ds, keyword):
    seq = getattr(ds, keyword, None) if ds is not None else None
    return seq[0] if seq else None


def frames_of(ds):
    """[(plane or None, slope, intercept, stack key, temporal index or None)] per frame."""
    n = int(ds.get('NumberOfFrames', 1) or 1)
    if n < 1:
        raise ValueError(f'NumberOfFrames {n}')
    slope = float(ds.get('RescaleSlope', 1) or 1)
    intercept = float(ds.get('RescaleIntercept', 0) or 0)
    if 'MOSAIC' in [str(x).upper() for x in ds.get('ImageType', [])]:
        raise Unmodelled('mosaic')
    if str(ds.get('Modality', '')).upper() == 'RTDOSE':
        p = plane(ds.get('ImagePositionPatient'), ds.get('ImageOrientationPatient'), ds.get('PixelSpacing'),
                  ds.get('SliceThickness'))
        offsets = floats(ds.GridFrameOffsetVector)[:n] if 'GridFrameOffsetVector' in ds else [0.0]
        scale = float(ds.get('DoseGridScaling', 1)) * (0.01 if str(ds.get('DoseUnits', '')).upper() == 'CGY' else 1)
        normal = unit(np.cross(p['row'], p['col']))
        out = []
        for o in offsets:
            q = dict(p)
            q['ipp'] = p['ipp'] + o * normal if offsets[0] == 0 else np.array([p['ipp'][0], p['ipp'][1], o])
            out.append((q, slope * scale, intercept, '', None))
        return out
    shared = item0(ds, 'SharedFunctionalGroupsSequence')
    per_frame = list(ds.get('PerFrameFunctionalGroupsSequence', []))
    if shared is not None or per_frame:
        if per_frame and len(per_frame) < n:
            raise ValueError('fewer per-frame items than frames')
        pointers = [int(d.DimensionIndexPointer) for d in ds.get('DimensionIndexSequence', [])]
        out = []
        for f in range(n):
            own = per_frame[f] if per_frame else None

            def macro(keyword):
                return item0(own, keyword) or item0(shared, keyword)

            pos, ori, meas, pv = (macro(k) for k in ('PlanePositionSequence', 'PlaneOrientationSequence',
                                                    'PixelMeasuresSequence', 'PixelValueTransformationSequence'))
            p = plane(pos and pos.get('ImagePositionPatient'), ori and ori.get('ImageOrientationPatient'),
                      meas and meas.get('PixelSpacing'), meas and meas.get('SliceThickness'))
            s, i = (float(pv.RescaleSlope), float(pv.RescaleIntercept)) if pv is not None else (slope, intercept)
            content = item0(own, 'FrameContentSequence')
            key, temporal = [], None
            if content is not None:
                if 'StackID' in content:
                    key.append(f'stack {content.StackID}')
                if 'TemporalPositionIndex' in content:
                    temporal = int(content.TemporalPositionIndex)
                values = content.get('DimensionIndexValues')
                values = [] if values is None else floats(values)
                for d, v in enumerate(values):
                    ptr = pointers[d] if d < len(pointers) else None
                    if ptr in SPATIAL:
                        continue
                    if ptr in TEMPORAL:
                        temporal = v if temporal is None else temporal
                        continue
                    key.append(f'{ptr}={v}')
            out.append((p, s, i, ' '.join(key), temporal))
        return out
    if n > 1:
        return [(None, slope, intercept, '', f) for f in range(n)]
    p = plane(ds.get('ImagePositionPatient'), ds.get('ImageOrientationPatient'), ds.get('PixelSpacing'),
              ds.get('SliceThickness'))
    temporal = ds.get('TemporalPositionIdentifier')
    echo = ds.get('EchoNumbers')
    return [(p, slope, intercept, f'echo {int(echo)}' if echo not in (None, '') else '',
             int(temporal) if temporal not in (None, '') else None)]


def read(root, files):
    planes, skipped = [], []
    for path in files:
        rel = os.path.relpath(path, root)
        try:
            ds = pydicom.dcmread(path, force=True)
            if 'PixelData' not in ds or 'FloatPixelData' in ds:
                raise ValueError('no pixel data')
            if ds.get('Rows') in (None, '') or ds.get('Columns') in (None, ''):
                raise ValueError('no image size')
            if int(ds.get('SamplesPerPixel', 1)) != 1:
                raise ValueError('colour')
            frames = frames_of(ds)
        except Unmodelled:
            raise
        except Exception as e:  # not an image for this oracle
            skipped.append({'file': rel, 'reason': f'{type(e).__name__}: {e}'})
            continue
        instance = ds.get('InstanceNumber')
        order = (int(instance) if instance not in (None, '') else 2**63, path)
        series = ds.get('SeriesInstanceUID') or None
        for f, (p, s, i, key, t) in enumerate(frames):
            planes.append({'path': path, 'file': rel, 'ds': ds, 'frame': f, 'plane': p, 'slope': s,
                           'intercept': i, 'stack': key, 'temporal': t, 'order': order + (f,),
                           'series': (str(ds.get('StudyInstanceUID', '')), str(series) if series else '\0' + path),
                           'seriesUid': str(series) if series else None,
                           'acquisition': ds.get('AcquisitionNumber'),
                           'matrix': (int(ds.Rows), int(ds.Columns))})
    return planes, skipped


def same_plane_group(a, b):
    pa, pb = a['plane'], b['plane']
    return (a['stack'] == b['stack'] and a['matrix'] == b['matrix']
            and np.all(np.abs(pa['row'] - pb['row']) <= 1e-4) and np.all(np.abs(pa['col'] - pb['col']) <= 1e-4)
            and all(abs(x - y) <= 1e-4 * max(1, x) for x, y in zip(pa['spacing'], pb['spacing'])))


def split_at_gaps(stack):
    if len(stack) < 2:
        return [stack]
    gaps = [b['pos'] - a['pos'] for a, b in zip(stack, stack[1:])]
    dominant = sorted(gaps)[(len(gaps) - 1) // 2] if len(stack) > 2 else stack[0]['plane']['thickness']
    if dominant is None:
        return [stack]
    runs = [[stack[0]]]
    for gap, s in zip(gaps, stack[1:]):
        if gap > 5 * dominant:
            runs.append([])
        runs[-1].append(s)
    return runs if len(runs) == 1 else [r for run in runs for r in split_at_gaps(run)]


def stats_of(kept):
    values = []
    for s in kept:
        ds = s['ds']
        ts = str(ds.file_meta.TransferSyntaxUID) if 'TransferSyntaxUID' in getattr(ds, 'file_meta', {}) else None
        if ts not in DECODABLE:
            return None, f'transfer syntax {ts} needs a pydicom plugin'
        try:
            arr = ds.pixel_array
        except Exception as e:
            return None, f'pydicom cannot decode {s["file"]}: {e}'
        if int(ds.get('NumberOfFrames', 1) or 1) > 1:
            arr = arr[s['frame']]
        values.append(arr.astype(np.float64) * s['slope'] + s['intercept'])
    v = np.stack(values)
    return {'min': float(v.min()), 'max': float(v.max()), 'mean': float(v.mean())}, None


def volume(series_uid, kept, origin, direction, spacing, placed_files):
    rows, cols = kept[0]['matrix']
    stats, why = stats_of(kept)
    return {'seriesInstanceUid': series_uid, 'files': sorted(placed_files),
            'dimensions': [cols, rows, len(kept)], 'spacingMm': [float(x) for x in spacing],
            'originLps': [float(x) for x in origin], 'directionLps': [float(x) for x in direction.reshape(-1)],
            'stats': stats, 'statsSkipped': why}


def plan(planes):
    volumes, dropped = [], set()
    by_series = {}
    for p in sorted(planes, key=lambda p: (p['series'], p['order'])):
        by_series.setdefault(p['series'], []).append(p)
    for members in by_series.values():
        placed = [p for p in members if p['plane'] is not None]
        unplaced = [p for p in members if p['plane'] is None]
        if not placed:
            if len({p['path'] for p in unplaced}) == 1:
                first = unplaced[0]
                volumes.append(volume(first['seriesUid'], [first], [0, 0, 0], np.eye(3), [1, 1, 1], [first['file']]))
            continue
        groups = []
        for p in placed:
            home = next((g for g in groups if same_plane_group(g[0], p)), None)
            (home.append(p) if home else groups.append([p]))
        for group in groups:
            g0 = group[0]['plane']
            normal = unit(np.cross(g0['row'], g0['col']))
            for p in group:
                p['pos'] = float(p['plane']['ipp'] @ normal)
            group.sort(key=lambda p: p['pos'])  # stable: ties keep the (InstanceNumber, path) order
            clusters = []
            for p in group:
                if clusters and p['pos'] - clusters[-1][0]['pos'] <= 1e-3:
                    clusters[-1].append(p)
                else:
                    clusters.append([p])
            for c in clusters:
                if len(c) > 1:
                    temporal = [p['temporal'] for p in c]
                    if None not in temporal and len(set(temporal)) == len(c):
                        raise Unmodelled('time points at one position')
                    acq = [p['acquisition'] for p in c]
                    if None not in acq and len(set(map(str, acq))) == len(c):
                        raise Unmodelled('acquisitions at one position')
            stack = [c[0] for c in clusters]
            dropped |= {p['file'] for c in clusters for p in c[1:]}
            for run in split_at_gaps(stack):
                pos = [p['pos'] for p in run]
                if len(run) > 1:
                    gaps = np.diff(pos)
                    even = (pos[-1] - pos[0]) / (len(run) - 1)
                    dom = sorted(gaps)[(len(gaps) - 1) // 2]
                    tol = max(0.01 * dom, min(0.01, 0.25 * dom)) + 1e-6
                    if np.any(np.abs(gaps - even) > tol):
                        raise Unmodelled('uneven slice spacing')
                    dk = even
                else:
                    dk = run[0]['plane']['thickness'] or 1.0
                r0 = run[0]['plane']
                for p in run:
                    d = p['plane']['ipp'] - r0['ipp']
                    if np.hypot(d @ r0['row'], d @ r0['col']) > 0.01:
                        raise Unmodelled('sheared stack')
                direction = np.column_stack([r0['row'], r0['col'], normal])
                volumes.append(volume(run[0]['seriesUid'], run, r0['ipp'], direction,
                                      [r0['spacing'][1], r0['spacing'][0], dk], {p['file'] for p in run}))
    used = {f for v in volumes for f in v['files']}
    return volumes, sorted(dropped - used)  # files none of whose planes made it into a volume


def main():
    root, files = sys.argv[1], sys.argv[2:]
    planes, skipped = read(root, files)
    volumes, dropped = plan(planes)
    json.dump({'volumes': volumes, 'dropped': dropped, 'skipped': skipped}, sys.stdout)


if __name__ == '__main__':
    main()
