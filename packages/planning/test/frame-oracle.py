#!/usr/bin/python3
"""Oracle for packages/planning/test/frame.test.ts (numpy + scipy only; independent of NeuroPlan's code).

Reads one JSON request on stdin, writes one JSON answer on stdout. Requests ("op"):

  synth   {rods: {plate: [[bottom/top of rod 1], [diag start, diag end], [rod 3 ends]]} (frame mm),
           frameToLps: 16 (row-major), planesSz: [LPS S of each axial image plane], noiseMm, seed}
      Intersects every rod (a segment in frame space, mapped to LPS by frameToLps) with every axial plane
      S = const, and returns {images: [{plate, dots: [A, B, C]}]} in LPS, A on rod 1, B on the diagonal,
      C on rod 3. With noiseMm > 0, adds N(0, noiseMm²) to the in-plane (L, P) coordinates of each dot
      (numpy default_rng(seed)).
  fit     {images (as above), diagonals: {plate: [start, end]} (frame mm)}
      Brown's N-localizer formula, t = |AB| / |AC|, frame point = start + t (end − start), then the
      least-squares rigid fit frame → LPS by SVD (Arun, Huang & Blostein 1987, with Umeyama's
      determinant correction). Returns {frameToLps: 16, freMm, residualsMm, pairs: [{frameXyz, imageLps}]}.
  fitpairs {pairs: [{frameXyz, imageLps}]}
      The same SVD fit on given pairs. Returns {frameToLps: 16, freMm, residualsMm}.
  arc     {frameToLps: 16, zeroSide: 'left'|'right', settings: [{x, y, z, ring, arc, length}]}
      For each Leksell setting, target = (x, y, z); the direction towards the entry is the arc direction
      at ring 90° (s·cos(arc), 0, −sin(arc)), s = +1 for a left zero side, rotated about the frame's X axis
      by (90° − ring) with scipy's Rotation; entry = target + length · direction. Both mapped to LPS.
      Returns {trajectories: [{entryLps, targetLps}]}.
"""
import json
import sys

import numpy as np
from scipy.spatial.transform import Rotation


def mat(m16):
    return np.array(m16, dtype=float).reshape(4, 4)


def apply(m, p):
    return (m @ np.append(np.asarray(p, dtype=float), 1.0))[:3]


def synth(req):
    m = mat(req["frameToLps"])
    rng = np.random.default_rng(req.get("seed", 0))
    noise = float(req.get("noiseMm", 0.0))
    images = []
    for s in req["planesSz"]:
        for plate, rods in req["rods"].items():
            dots = []
            for a, b in rods:
                pa, pb = apply(m, a), apply(m, b)
                t = (s - pa[2]) / (pb[2] - pa[2])
                if not 0.0 <= t <= 1.0:
                    raise SystemExit(f"plane S={s} misses a rod of the {plate} plate (t={t})")
                p = pa + t * (pb - pa)
                if noise > 0:
                    p[:2] += rng.normal(0.0, noise, 2)
                dots.append(p.tolist())
            images.append({"plate": plate, "dots": dots})
    return {"images": images}


def svd_fit(x, y):
    cx, cy = x.mean(axis=0), y.mean(axis=0)
    u, _, vt = np.linalg.svd((x - cx).T @ (y - cy))
    d = np.diag([1.0, 1.0, np.sign(np.linalg.det(vt.T @ u.T))])
    r = vt.T @ d @ u.T
    t = cy - r @ cx
    m = np.eye(4)
    m[:3, :3], m[:3, 3] = r, t
    res = np.linalg.norm((x @ r.T + t) - y, axis=1)
    return {"frameToLps": m.reshape(-1).tolist(), "freMm": float(np.sqrt(np.mean(res**2))), "residualsMm": res.tolist()}


def fitpairs(req):
    x = np.array([p["frameXyz"] for p in req["pairs"]], dtype=float)
    y = np.array([p["imageLps"] for p in req["pairs"]], dtype=float)
    return svd_fit(x, y)


def fit(req):
    frame, image = [], []
    for entry in req["images"]:
        a, b, c = (np.asarray(d, dtype=float) for d in entry["dots"])
        t = np.linalg.norm(b - a) / np.linalg.norm(c - a)
        start, end = (np.asarray(p, dtype=float) for p in req["diagonals"][entry["plate"]])
        frame.append(start + t * (end - start))
        image.append(b)
    x, y = np.array(frame), np.array(image)
    out = svd_fit(x, y)
    out["pairs"] = [{"frameXyz": f.tolist(), "imageLps": i.tolist()} for f, i in zip(x, y)]
    return out


def arc(req):
    m = mat(req["frameToLps"])
    s = 1.0 if req.get("zeroSide", "left") == "left" else -1.0
    out = []
    for st in req["settings"]:
        b = np.radians(st["arc"])
        d0 = np.array([s * np.cos(b), 0.0, -np.sin(b)])
        d = Rotation.from_euler("x", 90.0 - st["ring"], degrees=True).apply(d0)
        target = np.array([st["x"], st["y"], st["z"]], dtype=float)
        entry = target + st["length"] * d
        out.append({"entryLps": apply(m, entry).tolist(), "targetLps": apply(m, target).tolist()})
    return {"trajectories": out}


def main():
    req = json.load(sys.stdin)
    ops = {"synth": synth, "fit": fit, "fitpairs": fitpairs, "arc": arc}
    json.dump(ops[req["op"]](req), sys.stdout)


if __name__ == "__main__":
    main()
