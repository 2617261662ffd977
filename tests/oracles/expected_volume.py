"""Independent oracle for `neuroplan inspect`: geometry and value statistics of a DICOM series or a
NIfTI file, computed with pydicom / nibabel / numpy only (no NeuroPlan code).

usage: expected_volume.py dicom FILE...   (one series, any order)
       expected_volume.py nifti FILE [TIME_INDEX]
prints {"dimensions","spacingMm","originLps","directionLps" (row-major, columns = i,j,k axes),"min","max","mean"}
"""
import json
import sys

import numpy as np


def dicom(files):
    import pydicom

    ds = [pydicom.dcmread(f) for f in files]
    iop = np.array(ds[0].ImageOrientationPatient, dtype=float)
    # ImageOrientationPatient holds unit vectors written as rounded decimal strings: renormalise.
    row, col = iop[:3] / np.linalg.norm(iop[:3]), iop[3:] / np.linalg.norm(iop[3:])
    normal = np.cross(row, col)
    normal /= np.linalg.norm(normal)
    ds.sort(key=lambda d: float(np.dot(normal, np.array(d.ImagePositionPatient, dtype=float))))
    pos = [np.array(d.ImagePositionPatient, dtype=float) for d in ds]
    dr, dc = (float(x) for x in ds[0].PixelSpacing)  # between rows, between columns
    if len(ds) > 1:
        # Evenly spaced series: the grid runs through the first and the last slice, so the spacing is
        # their distance along the normal over N-1 (positions are decimal strings, rounded per slice).
        dk = float(np.dot(normal, pos[-1] - pos[0])) / (len(ds) - 1)
    else:
        dk = float(getattr(ds[0], "SpacingBetweenSlices", getattr(ds[0], "SliceThickness", 1.0)))
    direction = np.column_stack([row, col, normal])
    vals = np.stack(
        [d.pixel_array.astype(np.float64) * float(getattr(d, "RescaleSlope", 1)) + float(getattr(d, "RescaleIntercept", 0)) for d in ds]
    )
    return {
        "seriesInstanceUid": str(ds[0].SeriesInstanceUID),
        "dimensions": [int(ds[0].Columns), int(ds[0].Rows), len(ds)],
        "spacingMm": [dc, dr, dk],
        "originLps": pos[0].tolist(),
        "directionLps": direction.reshape(-1).tolist(),
        "min": float(vals.min()),
        "max": float(vals.max()),
        "mean": float(vals.mean()),
    }


def nifti(path, time_index=0):
    import nibabel as nib

    img = nib.load(path)
    affine = np.diag([-1.0, -1.0, 1.0, 1.0]) @ img.affine  # RAS -> LPS
    m = affine[:3, :3]
    spacing = np.linalg.norm(m, axis=0)
    data = np.asanyarray(img.dataobj).astype(np.float64)
    if data.ndim > 3:
        data = data[..., time_index]
    return {
        "dimensions": [int(x) for x in data.shape[:3]],
        "spacingMm": spacing.tolist(),
        "originLps": affine[:3, 3].tolist(),
        "directionLps": (m / spacing).reshape(-1).tolist(),
        "min": float(data.min()),
        "max": float(data.max()),
        "mean": float(data.mean()),
    }


kind = sys.argv[1]
print(json.dumps(dicom(sys.argv[2:]) if kind == "dicom" else nifti(sys.argv[2], *map(int, sys.argv[3:4]))))
