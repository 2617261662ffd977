"""Independent oracle for packages/kinematics/src/registration (numpy + scipy, no code shared with ours).

Reads JSON on stdin: {"fiducials": [{"imageLps": [3], "robotMm": [3]}...], "targets": [[3]...],
"fleMm": float, "confidences": [float...]} and prints JSON with:
- imageToRobot: the least-squares rigid transform by Arun/Umeyama SVD (det fixed to +1), row-major 4x4;
- residualsMm, freMm;
- rmsDistanceFromAxisMm: f_k from numpy.linalg.eigh of the fiducials' scatter matrix (largest spread first),
  computed as the RMS of each fiducial's explicit point-to-line distance;
- treRmsMm: Fitzpatrick, West & Maurer 1998 eq. 46 at each target, with explicit point-to-line distances;
- treCovarianceMm2: the TRE covariance at each target, sigma^2 * J J^T with J the finite-difference Jacobian
  of the SVD fit's target position with respect to the robot fiducial positions (sigma^2 = FLE^2 / 3),
  rotated into image LPS axes;
- treRadiusMm: for each target and each confidence p, the radius R with P(|e| <= R) = p for e ~ N(0, C),
  by nested Gauss-Legendre quadrature of the Gaussian over the ball (conditioning on two coordinates)
  and scipy's brentq;
- leaveOneOutMm: distance of each fiducial from where the SVD fit of the others puts it (N >= 4);
- radiusFactors: sqrt(chi2.ppf(p, 3) / 3) for each confidence p (scipy.stats).
"""
import json
import sys

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr
from scipy.stats import chi2, norm


def fit(src, dst):
    cs, cd = src.mean(0), dst.mean(0)
    h = (src - cs).T @ (dst - cd)
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(vt.T @ u.T))
    r = vt.T @ np.diag([1.0, 1.0, d]) @ u.T
    return r, cd - r @ cs


def line_distance(p, c, e):
    v = p - c
    return np.linalg.norm(v - np.dot(v, e) * e)


GL_T, GL_W = np.polynomial.legendre.leggauss(200)
GL_T, GL_W = GL_T * np.pi / 2, GL_W * np.pi / 2  # nodes on [-pi/2, pi/2]


def gaussian_ball_cdf(lam, x):
    """P(lam_a z_a^2 + lam_b z_b^2 + lam_c z_c^2 <= x), z ~ N(0, I), by nested quadrature: condition on
    z_a = a sin s, then on z_b = b sin t, leaving a normal interval probability; the substitutions make
    both integrands smooth, so Gauss-Legendre on 200 x 200 nodes is accurate to ~1e-10."""
    la, lb, lc = lam
    a = np.sqrt(x / la)
    za = a * np.sin(GL_T)
    y = x - la * za**2  # what is left for the (b, c) plane, one per outer node
    b = np.sqrt(np.maximum(y, 0) / lb)
    zb = b[:, None] * np.sin(GL_T)[None, :]
    rest = np.sqrt(np.maximum(y[:, None] - lb * zb**2, 0) / lc)
    plane = ((norm.pdf(zb) * (2 * ndtr(rest) - 1) * b[:, None] * np.cos(GL_T)[None, :]) * GL_W).sum(1)
    return float((norm.pdf(za) * plane * a * np.cos(GL_T) * GL_W).sum())


def radius(cov, p):
    lam = np.linalg.eigvalsh(cov)[::-1]
    top = lam[0]
    return np.sqrt(brentq(lambda x: gaussian_ball_cdf(lam, x) - p, 1e-12 * top, 100 * top, xtol=1e-13 * top))


def main():
    data = json.load(sys.stdin)
    img = np.array([f["imageLps"] for f in data["fiducials"]], float)
    rob = np.array([f["robotMm"] for f in data["fiducials"]], float)
    n = len(img)
    r, t = fit(img, rob)
    m = np.eye(4)
    m[:3, :3], m[:3, 3] = r, t
    res = np.linalg.norm(img @ r.T + t - rob, axis=1)
    c = img.mean(0)
    w, v = np.linalg.eigh((img - c).T @ (img - c))
    axes = [v[:, k] for k in np.argsort(-w)]
    f = [np.sqrt(np.mean([line_distance(p, c, e) ** 2 for p in img])) for e in axes]
    fle = data["fleMm"]
    tre = []
    for q in np.array(data.get("targets", []), float).reshape(-1, 3):
        s = sum(line_distance(q, c, e) ** 2 / fk**2 for e, fk in zip(axes, f))
        tre.append(float(np.sqrt(fle**2 / n * (1 + s / 3))))
    conf = data.get("confidences", [])
    cov, rad = [], []
    eps = 1e-5
    for q in np.array(data.get("targets", []), float).reshape(-1, 3):
        jac = np.zeros((3, 3 * n))
        for k in range(3 * n):
            d = np.zeros(3 * n)
            d[k] = eps
            rp, tp = fit(img, rob + d.reshape(n, 3))
            rm, tm = fit(img, rob - d.reshape(n, 3))
            jac[:, k] = ((rp @ q + tp) - (rm @ q + tm)) / (2 * eps)
        c = fle**2 / 3 * jac @ jac.T  # in robot axes
        c = r.T @ c @ r  # in image LPS axes, as ours reports it
        cov.append(c.flatten().tolist())
        rad.append([float(radius(c, p)) for p in conf])
    loo = []
    if n >= 4:
        for i in range(n):
            keep = [j for j in range(n) if j != i]
            ri, ti = fit(img[keep], rob[keep])
            loo.append(float(np.linalg.norm(ri @ img[i] + ti - rob[i])))
    json.dump(
        {
            "imageToRobot": m.flatten().tolist(),
            "residualsMm": res.tolist(),
            "freMm": float(np.sqrt(np.mean(res**2))),
            "rmsDistanceFromAxisMm": [float(x) for x in f],
            "treRmsMm": tre,
            "leaveOneOutMm": loo,
            "treCovarianceMm2": cov,
            "treRadiusMm": rad,
            "radiusFactors": [float(np.sqrt(chi2.ppf(p, 3) / 3)) for p in data.get("confidences", [])],
        },
        sys.stdout,
    )


main()
