"""Peer for the distance-map benchmark: scipy.ndimage.distance_transform_edt on the same mask.

Usage: scipy_edt.py MASK.u8 NI,NJ,NK SI,SJ,SK KIND REPEATS OUT.f64
The mask file is raw uint8, i fastest (Fortran order for shape (ni, nj, nk)); sampling is the spacing
in the same axis order. KIND: toForeground = edt(~mask), toBackground = edt(mask), signed = their
difference. Each repeat is timed on its own (imports and file reading excluded, like ours); the last
result is written as little-endian float64, i fastest, so the caller can compare voxel by voxel.
Prints JSON: {"seconds": [...], "scipy": version}.
"""
import json
import sys
import time

import numpy as np
import scipy
from scipy.ndimage import distance_transform_edt

mask_path, dims_arg, spacing_arg, kind, repeats, out_path = sys.argv[1:7]
dims = [int(x) for x in dims_arg.split(",")]
spacing = [float(x) for x in spacing_arg.split(",")]
mask = np.fromfile(mask_path, dtype=np.uint8).reshape(dims, order="F").astype(bool)

seconds = []
result = None
for _ in range(int(repeats)):
    t0 = time.perf_counter()
    if kind == "toForeground":
        result = distance_transform_edt(~mask, sampling=spacing)
    elif kind == "toBackground":
        result = distance_transform_edt(mask, sampling=spacing)
    elif kind == "signed":
        result = distance_transform_edt(~mask, sampling=spacing) - distance_transform_edt(mask, sampling=spacing)
    else:
        raise SystemExit(f"unknown kind {kind}")
    seconds.append(time.perf_counter() - t0)
np.asarray(result, dtype="<f8").ravel(order="F").tofile(out_path)
print(json.dumps({"seconds": seconds, "scipy": scipy.__version__}))
