#!/usr/bin/python3
"""Peer for `npm run bench -- kinematics` (and an FK oracle for the IK tests): Orocos KDL (Debian python3-pykdl).

Usage: kdl_ik.py <job.json> <out.json>

job.json: {
  "urdf": path, "base": "base_link", "tip": "needle_tip",
  "fk":      [[q URDF units], ...]                         optional: tool poses of these configurations
  "targets": [[r00..r22 (row-major), x, y, z (mm)], ...]   tool poses in the base frame
  "seeds":   [[q URDF units (rad, m)], ...]                 start configuration per target (for "solve")
  "solve": bool,                                           run ChainIkSolverPos_NR_JL on every target
  "maxiter": int, "eps": float,                            NR_JL settings (eps: per twist component, m / rad)
  "check":   [[q URDF units], ...]                         optional: someone else's solutions to verify
  "positionToleranceMm": float, "orientationToleranceRad": float
}
out.json: {"poses": [[r00..r22, x, y, z (mm)]] (for "fk"), "lower"/"upper": limits (URDF units), "seconds": time spent in the solves only, "solved": [{ok, q, positionErrorMm, orientationErrorRad}],
           "checked": [{positionErrorMm, orientationErrorRad, withinLimits, ok}]}

The KDL chain is built from the URDF the way kdl_parser does it (each joint: origin frame, axis rotated into the
parent frame, segment tip = joint origin; fixed joints become Joint.Fixed segments), with xml.etree:
no kdl_parser package is available on Debian without ROS.
"""
import json
import math
import sys
import time
import xml.etree.ElementTree as ET

import PyKDL as K


def floats(text, default):
    return [float(v) for v in text.split()] if text else default


def build_chain(urdf_path, base, tip):
    root = ET.parse(urdf_path).getroot()
    by_child = {j.find('child').get('link'): j for j in root.findall('joint')}
    path = []
    link = tip
    while link != base:
        if link not in by_child:
            raise SystemExit(f'{urdf_path}: no joint chain from {base} to {tip}')
        j = by_child[link]
        path.append(j)
        link = j.find('parent').get('link')
    path.reverse()
    chain = K.Chain()
    lower, upper, types = [], [], []
    for j in path:
        o = j.find('origin')
        xyz = floats(o.get('xyz') if o is not None else None, [0.0, 0.0, 0.0])
        rpy = floats(o.get('rpy') if o is not None else None, [0.0, 0.0, 0.0])
        frame = K.Frame(K.Rotation.RPY(*rpy), K.Vector(*xyz))
        jtype = j.get('type')
        name = j.get('name')
        child = j.find('child').get('link')
        if jtype == 'fixed':
            chain.addSegment(K.Segment(child, K.Joint(name, K.Joint.Fixed), frame))
            continue
        a = j.find('axis')
        axis = K.Vector(*floats(a.get('xyz') if a is not None else None, [1.0, 0.0, 0.0]))
        axis_parent = frame.M * axis
        kind = K.Joint.TransAxis if jtype == 'prismatic' else K.Joint.RotAxis
        chain.addSegment(K.Segment(child, K.Joint(name, frame.p, axis_parent, kind), frame))
        lim = j.find('limit')
        if jtype == 'continuous' or lim is None:
            lower.append(-1e9)
            upper.append(1e9)
        else:
            lower.append(float(lim.get('lower', '0')))
            upper.append(float(lim.get('upper', '0')))
        types.append(jtype)
    return chain, lower, upper, types


def frame_of(t):
    r = t[:9]
    return K.Frame(K.Rotation(*r), K.Vector(t[9] / 1000.0, t[10] / 1000.0, t[11] / 1000.0))


def errors(fk, n, q, target):
    arr = K.JntArray(n)
    for i, v in enumerate(q):
        arr[i] = v
    f = K.Frame()
    fk.JntToCart(arr, f)
    dp = (f.p - target.p).Norm() * 1000.0
    # Angle of the relative rotation, atan2(sin, cos) from its skew part and trace: exact for small angles
    # (acos of the trace alone loses half the digits there).
    r = target.M.Inverse() * f.M
    s = 0.5 * math.sqrt((r[2, 1] - r[1, 2]) ** 2 + (r[0, 2] - r[2, 0]) ** 2 + (r[1, 0] - r[0, 1]) ** 2)
    c = 0.5 * (r[0, 0] + r[1, 1] + r[2, 2] - 1.0)
    return dp, math.atan2(s, c)


def main():
    job = json.load(open(sys.argv[1]))
    chain, lower, upper, _ = build_chain(job['urdf'], job.get('base', 'base_link'), job.get('tip', 'needle_tip'))
    n = chain.getNrOfJoints()
    fk = K.ChainFkSolverPos_recursive(chain)
    targets = [frame_of(t) for t in job.get('targets', [])]
    ptol = job.get('positionToleranceMm', 1e-4)
    otol = job.get('orientationToleranceRad', 1e-6)
    out = {'joints': n, 'lower': lower, 'upper': upper, 'seconds': 0.0, 'solved': [], 'checked': [], 'poses': []}
    for q in job.get('fk', []):
        arr = K.JntArray(n)
        for i, v in enumerate(q):
            arr[i] = v
        f = K.Frame()
        fk.JntToCart(arr, f)
        out['poses'].append([f.M[i, j] for i in range(3) for j in range(3)] + [f.p[i] * 1000.0 for i in range(3)])

    def within(q):
        return all(lower[i] - 1e-12 <= q[i] <= upper[i] + 1e-12 for i in range(n))

    if job.get('solve'):
        qmin, qmax = K.JntArray(n), K.JntArray(n)
        for i in range(n):
            qmin[i], qmax[i] = lower[i], upper[i]
        vel = K.ChainIkSolverVel_pinv(chain)
        ik = K.ChainIkSolverPos_NR_JL(chain, qmin, qmax, fk, vel, int(job.get('maxiter', 100)),
                                      float(job.get('eps', 1e-8)))
        seeds = []
        for s in job['seeds']:
            a = K.JntArray(n)
            for i, v in enumerate(s):
                a[i] = v
            seeds.append(a)
        results = [K.JntArray(n) for _ in targets]
        codes = [0] * len(targets)
        t0 = time.perf_counter()
        for k, target in enumerate(targets):
            codes[k] = ik.CartToJnt(seeds[k], target, results[k])
        out['seconds'] = time.perf_counter() - t0
        for k, target in enumerate(targets):
            q = [results[k][i] for i in range(n)]
            dp, da = errors(fk, n, q, target)
            ok = codes[k] >= 0 and dp < ptol and da < otol and within(q)
            out['solved'].append({'ok': ok, 'code': codes[k], 'q': q, 'positionErrorMm': dp,
                                  'orientationErrorRad': da})
    for k, q in enumerate(job.get('check', [])):
        dp, da = errors(fk, n, q, targets[k])
        lim = within(q)
        out['checked'].append({'positionErrorMm': dp, 'orientationErrorRad': da, 'withinLimits': lim,
                               'ok': dp < ptol and da < otol and lim})
    json.dump(out, open(sys.argv[2], 'w'))


if __name__ == '__main__':
    main()
