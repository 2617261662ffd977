"""Peer for the imaging benchmark: pydicom + numpy load of one DICOM series into a single array.

What a careful Python user writes: read every file, sort by position along the slice normal,
stack pixel arrays, apply the modality LUT. Prints JSON with the seconds spent (interpreter start and
imports excluded, like ours) and a checksum of the rescaled voxels to prove both did the same work.
"""
import json
import os
import sys
import time

import numpy as np
import pydicom

folder = sys.argv[1]
t0 = time.perf_counter()
files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".dcm"))
datasets = [pydicom.dcmread(f) for f in files]
iop = np.array(datasets[0].ImageOrientationPatient, dtype=float)
normal = np.cross(iop[:3], iop[3:])
datasets.sort(key=lambda d: float(np.dot(normal, np.array(d.ImagePositionPatient, dtype=float))))
stored = np.stack([d.pixel_array for d in datasets])
slope = float(getattr(datasets[0], "RescaleSlope", 1))
intercept = float(getattr(datasets[0], "RescaleIntercept", 0))
volume = (stored.astype(np.int32) * int(slope) + int(intercept)).astype(np.int16)
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "shape": list(volume.shape), "checksum": int(volume.sum(dtype=np.int64))}))
