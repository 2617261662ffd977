#!/usr/bin/python3
"""Orocos KDL oracle for forward kinematics and the Jacobian of a URDF chain.

Independent of our TypeScript: the URDF is read with xml.etree, the chain is built the way ROS's
kdl_parser builds it (per joint a KDL Segment named after the child link, whose Joint rotates about /
slides along the joint axis expressed in the parent frame, RotAxis/TransAxis at the origin's position,
and whose tip frame is the joint's <origin> from KDL's own Rotation.RPY; fixed joints are Joint.Fixed),
and KDL's solvers do the work: ChainFkSolverPos_recursive and ChainJntToJacSolver.

Usage: kdl-oracle.py <file.urdf> <base_link> <tip_link>   with stdin JSON {"q": [[q1..qn], ...]}
(joint values in URDF units: rad, and metres for prismatic joints) and optional "frames": k.
Prints JSON {"joints": [names], "fk": [[x, y, z (m), R00..R22 (row-major), qx, qy, qz, qw]],
"jac": [[6*n numbers row-major: vx, vy, vz in m per unit, then wx, wy, wz]],
"frames": [[per moving joint: x, y, z (m), R00..R22]] for the first k configurations} where a joint's frame
is the tip frame of its segment (ChainFkSolverPos_recursive up to that segment).
"""
import json
import math
import sys
import xml.etree.ElementTree as ET

import PyKDL as kdl


def floats(text, n, default):
    if text is None:
        return default
    v = [float(s) for s in text.split()]
    assert len(v) == n, text
    return v


def build_chain(path, base, tip):
    robot = ET.parse(path).getroot()
    by_child = {}
    for j in robot.findall('joint'):
        by_child[j.find('child').get('link')] = j
    path_joints = []
    link = tip
    while link != base:
        j = by_child[link]
        path_joints.append(j)
        link = j.find('parent').get('link')
    path_joints.reverse()
    chain = kdl.Chain()
    names = []
    for j in path_joints:
        o = j.find('origin')
        xyz = floats(o.get('xyz') if o is not None else None, 3, [0.0, 0.0, 0.0])
        rpy = floats(o.get('rpy') if o is not None else None, 3, [0.0, 0.0, 0.0])
        frame = kdl.Frame(kdl.Rotation.RPY(*rpy), kdl.Vector(*xyz))
        jtype = j.get('type')
        if jtype == 'fixed':
            joint = kdl.Joint(j.get('name'), kdl.Joint.Fixed)
        else:
            a = floats(j.find('axis').get('xyz'), 3, None)
            norm = math.sqrt(sum(c * c for c in a))
            axis = frame.M * kdl.Vector(*(c / norm for c in a))
            kind = {'revolute': kdl.Joint.RotAxis, 'continuous': kdl.Joint.RotAxis,
                    'prismatic': kdl.Joint.TransAxis}[jtype]
            joint = kdl.Joint(j.get('name'), frame.p, axis, kind)
            names.append(j.get('name'))
        chain.addSegment(kdl.Segment(j.find('child').get('link'), joint, frame))
    return chain, names


def main():
    chain, names = build_chain(sys.argv[1], sys.argv[2], sys.argv[3])
    n = chain.getNrOfJoints()
    assert n == len(names)
    fk = kdl.ChainFkSolverPos_recursive(chain)
    jac_solver = kdl.ChainJntToJacSolver(chain)
    request = json.load(sys.stdin)
    moving_segments = [k for k in range(chain.getNrOfSegments())
                       if chain.getSegment(k).getJoint().getType() != kdl.Joint.Fixed]
    out_fk, out_jac, out_frames = [], [], []
    for index, q in enumerate(request['q']):
        assert len(q) == n
        qa = kdl.JntArray(n)
        for i, v in enumerate(q):
            qa[i] = v
        f = kdl.Frame()
        assert fk.JntToCart(qa, f) >= 0
        jac = kdl.Jacobian(n)
        assert jac_solver.JntToJac(qa, jac) >= 0
        out_fk.append([f.p[0], f.p[1], f.p[2]] + [f.M[r, c] for r in range(3) for c in range(3)]
                      + list(f.M.GetQuaternion()))
        out_jac.append([jac[r, c] for r in range(6) for c in range(n)])
        if index < request.get('frames', 0):
            frames = []
            for k in moving_segments:
                fk.JntToCart(qa, f, k + 1)
                frames.append([f.p[0], f.p[1], f.p[2]] + [f.M[r, c] for r in range(3) for c in range(3)])
            out_frames.append(frames)
    json.dump({'joints': names, 'fk': out_fk, 'jac': out_jac, 'frames': out_frames}, sys.stdout)


if __name__ == '__main__':
    main()
