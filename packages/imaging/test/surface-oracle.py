#!/usr/bin/env python3
"""Oracle for surface.test.ts: VTK C++ (Debian python3-vtk9) iso-surfaces, measured with numpy.

  surface-oracle.py raw  <spec.json>     voxels from a raw little-endian file (spec: raw, dtype, dims,
                                          ijkToLps 4x4 row-major, level, optional label, optional pad)
  surface-oracle.py nifti <file> <level> [pad] [label=V]  (label: iso `level` of the indicator == V)
                                        voxels and geometry read by nibabel (LPS = diag(-1,-1,1)·affine)
  surface-oracle.py files <stl> <obj> <ply>  reads mesh files back with vtkSTLReader/vtkOBJReader/vtkPLYReader

vtkFlyingEdges3D runs in index space (origin 0, spacing 1); its points are then mapped through the
volume's full ijk->LPS matrix here, so direction matrices are honoured independently of NeuroPlan.
Prints one JSON object: points, triangles, areaMm2, volumeMm3 (|divergence-theorem sum|), centroidLps
(area-weighted triangle centroids), boundaryEdges (edges used by one triangle).
"""
import json
import sys

import numpy as np
import vtk
from vtkmodules.util import numpy_support as ns


def measure(points, tris):
    a, b, c = points[tris[:, 0]], points[tris[:, 1]], points[tris[:, 2]]
    cr = np.cross(b - a, c - a)
    areas = 0.5 * np.linalg.norm(cr, axis=1)
    o = points[0] if len(points) else np.zeros(3)
    vol = np.einsum('ij,ij->i', a - o, np.cross(b - o, c - o)).sum() / 6.0
    centroid = ((a + b + c) / 3.0 * areas[:, None]).sum(axis=0) / max(areas.sum(), 1e-300)
    edges = np.sort(np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]]), axis=1)
    _, counts = np.unique(edges, axis=0, return_counts=True)
    return {
        'points': int(len(points)),
        'triangles': int(len(tris)),
        'areaMm2': float(areas.sum()),
        'volumeMm3': float(abs(vol)),
        'centroidLps': [float(x) for x in centroid],
        'boundaryEdges': int((counts == 1).sum()),
    }


def polydata_arrays(pd):
    points = ns.vtk_to_numpy(pd.GetPoints().GetData()).astype(np.float64) if pd.GetNumberOfPoints() else np.zeros((0, 3))
    polys = ns.vtk_to_numpy(pd.GetPolys().GetData()).reshape(-1, 4) if pd.GetNumberOfPolys() else np.zeros((0, 4), int)
    assert (polys[:, 0] == 3).all(), 'non-triangle cell'
    return points, polys[:, 1:].astype(np.int64)


def flying_edges(arr_ijk, level, ijk_to_lps):
    """arr_ijk: numpy array indexed [i, j, k]."""
    img = vtk.vtkImageData()
    img.SetDimensions(*arr_ijk.shape)
    img.GetPointData().SetScalars(ns.numpy_to_vtk(np.ascontiguousarray(arr_ijk.ravel(order='F')), deep=1))
    fe = vtk.vtkFlyingEdges3D()
    fe.SetInputData(img)
    fe.SetValue(0, level)
    fe.ComputeNormalsOff()
    fe.ComputeGradientsOff()
    fe.Update()
    points, tris = polydata_arrays(fe.GetOutput())
    m = np.asarray(ijk_to_lps, dtype=np.float64).reshape(4, 4)
    lps = points @ m[:3, :3].T + m[:3, 3]
    return measure(lps, tris)


def raw(spec_path):
    spec = json.load(open(spec_path))
    ni, nj, nk = spec['dims']
    data = np.fromfile(spec['raw'], dtype=np.dtype(spec['dtype']).newbyteorder('<')).astype(np.float64)
    arr = data.reshape(nk, nj, ni).transpose(2, 1, 0)  # -> [i, j, k]
    level = spec['level']
    if spec.get('label') is not None:
        arr = (arr == spec['label']).astype(np.float64)
    m = np.asarray(spec['ijkToLps'], dtype=np.float64).reshape(4, 4)
    if spec.get('pad'):
        arr = np.pad(arr, 1, constant_values=-1e30)  # t = (level - s0) / (-1e30 - s0) ~ 0: caps on the edge voxels
        shift = np.eye(4)
        shift[:3, 3] = -1
        m = m @ shift
    return flying_edges(arr, level, m)


def nifti(path, level, pad=False, label=None):
    import nibabel as nib

    img = nib.load(path)
    arr = np.asarray(img.dataobj, dtype=np.float64)
    if arr.ndim > 3:
        arr = arr[..., 0]
    if label is not None:
        arr = (arr == label).astype(np.float64)
    lps = np.diag([-1.0, -1.0, 1.0, 1.0]) @ img.affine
    if pad:
        arr = np.pad(arr, 1, constant_values=-1e30)
        shift = np.eye(4)
        shift[:3, 3] = -1
        lps = lps @ shift
    return flying_edges(arr, float(level), lps)


def files(stl, obj, ply):
    out = {}
    for name, reader, path in (
        ('stl', vtk.vtkSTLReader(), stl),
        ('obj', vtk.vtkOBJReader(), obj),
        ('ply', vtk.vtkPLYReader(), ply),
    ):
        reader.SetFileName(path)
        if name == 'stl':
            reader.ScalarTagsOff()
            reader.MergingOff()  # STL stores corners per triangle: count them as written
        reader.Update()
        points, tris = polydata_arrays(reader.GetOutput())
        out[name] = measure(points, tris)
    with open(stl, 'rb') as f:
        out['stlHeader'] = f.read(80).decode('ascii').rstrip()
    return out


if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'raw':
        result = raw(sys.argv[2])
    elif cmd == 'nifti':
        extra = sys.argv[4:]
        label = next((float(a[6:]) for a in extra if a.startswith('label=')), None)
        result = nifti(sys.argv[2], sys.argv[3], 'pad' in extra, label)
    elif cmd == 'files':
        result = files(*sys.argv[2:5])
    else:
        raise SystemExit(f'unknown command {cmd}')
    print(json.dumps(result))
