"""Peer for the surfaces benchmark: VTK C++ vtkFlyingEdges3D (Debian python3-vtk9) on a raw volume.

  vtk_flying_edges.py <raw> <dtype> <ni> <nj> <nk> <level> <repeats>

The voxels are read and wrapped as vtkImageData first (not timed, like our side, which times only the
extraction); then Update() runs `repeats` times on a fresh filter. Normals and gradients are off, as on
our side and vtk.js's. VTK uses its default SMP backend and thread count. Prints JSON: seconds per run,
points and triangles of the last run, backend and threads.
"""
import json
import sys
import time

import numpy as np
import vtk
from vtkmodules.util import numpy_support as ns

raw, dtype, ni, nj, nk, level, repeats = sys.argv[1:8]
ni, nj, nk, repeats = int(ni), int(nj), int(nk), int(repeats)
data = np.fromfile(raw, dtype=np.dtype(dtype).newbyteorder('<'))
assert data.size == ni * nj * nk, 'raw size does not match the dimensions'
img = vtk.vtkImageData()
img.SetDimensions(ni, nj, nk)
img.GetPointData().SetScalars(ns.numpy_to_vtk(data, deep=0))
seconds = []
out = None
for _ in range(repeats):
    fe = vtk.vtkFlyingEdges3D()
    fe.SetInputData(img)
    fe.SetValue(0, float(level))
    fe.ComputeNormalsOff()
    fe.ComputeGradientsOff()
    fe.ComputeScalarsOff()
    t0 = time.perf_counter()
    fe.Update()
    seconds.append(time.perf_counter() - t0)
    out = fe.GetOutput()
print(
    json.dumps(
        {
            'seconds': seconds,
            'points': out.GetNumberOfPoints(),
            'triangles': out.GetNumberOfPolys(),
            'backend': vtk.vtkSMPTools.GetBackend(),
            'threads': vtk.vtkSMPTools.GetEstimatedNumberOfThreads(),
        }
    )
)
