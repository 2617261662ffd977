#!/usr/bin/python3
"""scipy/numpy oracle for segmentation-basics.test.ts (no NeuroPlan code).

Reads a JSON request on stdin, prints a JSON answer:
  {"op": "morphology", "dims": [ni,nj,nk], "spacing": [si,sj,sk], "mask": "<path uint8, i fastest>", "radius": r, "out": "<prefix>"}
     writes <prefix>.dilate.raw and <prefix>.erode.raw: voxels within r mm of the mask
     (scipy.ndimage.distance_transform_edt with sampling) / mask voxels farther than r from background.
  {"op": "components", ... "mask": path} -> sorted component sizes for 6- and 26-connectivity (scipy.ndimage.label)
  {"op": "eigen", "matrices": [[a,b,c,d,e,f], ...]} -> numpy.linalg.eigvalsh of [[a,d,e],[d,b,f],[e,f,c]]
  {"op": "otsu", "values": [...], "bins": n} -> brute-force Otsu threshold(s) over an n-bin histogram, 2 and 3 classes
"""
import json
import sys

import numpy as np
from scipy import ndimage

req = json.load(sys.stdin)
op = req['op']
if op in ('morphology', 'components'):
    ni, nj, nk = req['dims']
    m = np.fromfile(req['mask'], dtype=np.uint8).reshape(nk, nj, ni) > 0
    si, sj, sk = req['spacing']
    samp = (sk, sj, si)
if op == 'morphology':
    r = req['radius']
    d_out = ndimage.distance_transform_edt(~m, sampling=samp)
    d_in = ndimage.distance_transform_edt(m, sampling=samp)
    (d_out <= r).astype(np.uint8).tofile(req['out'] + '.dilate.raw')
    (m & (d_in > r)).astype(np.uint8).tofile(req['out'] + '.erode.raw')
    print(json.dumps({'ok': True}))
elif op == 'components':
    s6 = ndimage.generate_binary_structure(3, 1)
    s26 = ndimage.generate_binary_structure(3, 3)
    out = {}
    for name, st in (('6', s6), ('26', s26)):
        lab, n = ndimage.label(m, structure=st)
        sizes = np.bincount(lab.ravel())[1:]
        out[name] = sorted(int(x) for x in sizes)
    print(json.dumps(out))
elif op == 'eigen':
    res = []
    for a, b, c, d, e, f in req['matrices']:
        w = np.linalg.eigvalsh(np.array([[a, d, e], [d, b, f], [e, f, c]], float))
        res.append(sorted(w.tolist(), key=abs))
    print(json.dumps(res))
elif op == 'otsu':
    v = np.array(req['values'], float)
    bins = req['bins']
    lo, hi = v.min(), v.max()
    w = (hi - lo) / bins
    idx = np.minimum(bins - 1, np.floor((v - lo) / w).astype(int))
    h = np.bincount(idx, minlength=bins).astype(float)
    c = lo + (np.arange(bins) + 0.5) * w
    mu = (h * c).sum() / h.sum()

    def between(cuts):
        edges = [0] + list(cuts) + [bins]
        s = 0.0
        for a, b in zip(edges[:-1], edges[1:]):
            n = h[a:b].sum()
            if n > 0:
                m = (h[a:b] * c[a:b]).sum() / n
                s += n * (m - mu) ** 2
        return s

    best2 = max(range(1, bins), key=lambda t: between([t]))
    best3 = max(((a, b) for a in range(1, bins - 1) for b in range(a + 1, bins)), key=lambda t: between(t))
    print(json.dumps({'two': [lo + best2 * w], 'three': [lo + best3[0] * w, lo + best3[1] * w]}))
