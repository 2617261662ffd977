"""Oracle for risk.test.ts: the risk model of packages/planning/src/risk/riskModel.ts computed with numpy and
scipy.ndimage.map_coordinates (order=1: trilinear) on the same maps, independently of our TypeScript.

stdin: JSON {dims:[ni,nj,nk], spacing, origin:[x,y,z], values:[... ni*nj*nk*4, channel fastest ...],
             trajectories:[[ex,ey,ez,tx,ty,tz], ...], radius, step,
             required:{vessel,ventricle,sulcus}, falloff:{...}, weight:{...}}
stdout: JSON list, one {score, vessel:{clearance,depth}, ventricle:{...}, sulcus:{...}, riskiestDepth,
        riskiestRisk, clearances:{vessel:[...],...}} per trajectory.
Points off the grid are clamped onto it (the maps' documented rule) before interpolation.
"""
import json
import math
import sys

import numpy as np
from scipy.ndimage import map_coordinates

STRUCTURES = ["vessel", "ventricle", "sulcus"]
CHANNEL = {"vessel": 0, "ventricle": 1, "sulcus": 2, "brain": 3}


def structure_risk(excess, falloff):
    r = (1.0 - excess / falloff) ** 2
    r = np.where(excess >= falloff, 0.0, r)
    return np.where(excess <= 0, 1.0, r)


def main():
    q = json.load(sys.stdin)
    ni, nj, nk = q["dims"]
    # values[v*4 + c] with v = i + j*ni + k*ni*nj  ->  array [k, j, i, c]
    vol = np.asarray(q["values"], dtype=np.float32).astype(np.float64).reshape(nk, nj, ni, 4)
    origin = np.asarray(q["origin"], dtype=np.float64)
    out = []
    for seg in q["trajectories"]:
        e = np.asarray(seg[:3], dtype=np.float64)
        t = np.asarray(seg[3:], dtype=np.float64)
        length = float(np.linalg.norm(t - e))
        n = math.ceil(length / q["step"] - 1e-9) + 1
        f = np.arange(n) / (n - 1)
        pts = e[None, :] + f[:, None] * (t - e)[None, :]
        ijk = (pts - origin[None, :]) / q["spacing"]
        for a, m in enumerate([ni, nj, nk]):
            ijk[:, a] = np.clip(ijk[:, a], 0, m - 1)
        coords = np.stack([ijk[:, 2], ijk[:, 1], ijk[:, 0]])  # k, j, i
        depth = length * f
        res = {"clearances": {}}
        score = 0.0
        combined = np.zeros(n)
        for s in STRUCTURES:
            vals = map_coordinates(vol[..., CHANNEL[s]], coords, order=1, mode="nearest")
            clearance = vals - q["radius"]
            i = int(np.argmin(clearance))  # first minimum
            res[s] = {"clearance": float(clearance[i]), "depth": float(depth[i])}
            res["clearances"][s] = clearance.tolist()
            w = q["weight"][s]
            if w == 0:
                continue
            r = structure_risk(clearance - q["required"][s], q["falloff"][s])
            score += w * (0.5 * r.max() + 0.5 * r.mean())
            combined += w * r
        i = int(np.argmax(combined))
        res["score"] = float(score)
        res["riskiestDepth"] = float(depth[i])
        res["riskiestRisk"] = float(combined[i])
        out.append(res)
    json.dump(out, sys.stdout)


main()
