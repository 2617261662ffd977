#!/usr/bin/python3
"""Independent check of planned trajectories against the phantom's ANALYTIC vessels (numpy only).

usage: vessel-clearance-oracle.py ground-truth.json trajectories.json
trajectories.json: [{"entryLps":[3], "targetLps":[3], "radiusMm": r}, ...]
prints: [{"clearanceMm": c, "depthMm": d, "vessel": name}, ...]

Each trajectory is sampled every 0.02 mm; at each sample the distance to every vessel segment (consecutive
centreline points, radius interpolated linearly along the segment at the closest point) gives the distance
to that tube's wall; the clearance is the smallest wall distance minus the electrode radius.
"""
import json
import sys

import numpy as np

gt = json.load(open(sys.argv[1]))
trajs = json.load(open(sys.argv[2]))

a_list, b_list, ra_list, rb_list, names = [], [], [], [], []
for v in gt["vessels"]:
    p = np.asarray(v["pointsLps"], dtype=float)
    r = np.asarray(v["radiiMm"], dtype=float)
    if len(p) < 2:
        continue
    a_list.append(p[:-1]); b_list.append(p[1:]); ra_list.append(r[:-1]); rb_list.append(r[1:])
    names += [v["name"]] * (len(p) - 1)
A = np.concatenate(a_list); B = np.concatenate(b_list)
RA = np.concatenate(ra_list); RB = np.concatenate(rb_list)
AB = B - A
L2 = np.maximum((AB * AB).sum(1), 1e-12)

out = []
for t in trajs:
    e = np.asarray(t["entryLps"], dtype=float); g = np.asarray(t["targetLps"], dtype=float)
    length = np.linalg.norm(g - e)
    n = int(np.ceil(length / 0.02)) + 1
    s = np.linspace(0.0, 1.0, n)
    pts = e[None, :] + s[:, None] * (g - e)[None, :]
    best = (np.inf, 0.0, "")
    for c in range(0, n, 256):
        P = pts[c:c + 256]
        AP = P[:, None, :] - A[None, :, :]
        u = np.clip((AP * AB[None]).sum(2) / L2[None], 0.0, 1.0)
        closest = A[None] + u[..., None] * AB[None]
        d = np.linalg.norm(P[:, None, :] - closest, axis=2) - (RA[None] + u * (RB - RA)[None])
        i, j = np.unravel_index(np.argmin(d), d.shape)
        if d[i, j] < best[0]:
            best = (float(d[i, j]), float(s[c + i] * length), names[j])
    out.append({"clearanceMm": best[0] - float(t["radiusMm"]), "depthMm": best[1], "vessel": best[2]})
print(json.dumps(out))
