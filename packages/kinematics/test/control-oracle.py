"""Oracle for control.test.ts: the closed-loop step response of the insertion axis, computed analytically.

Independent of our TypeScript: it recomputes the equivalent mass and the PID gains from the documented parameters
and the documented design rule (poles at -w, w = 2*pi*bandwidthHz: Kd = 3 m w, Kp = 3 m w^2, Ki = m w^3 with
m = modelMassScale * (carriage mass + J (2 pi / lead)^2)), then builds the sampled-data loop:
  plant       X/F = 1 / (m_true s^2 + b s), discretised exactly with a zero-order hold (scipy cont2discrete)
  controller  the documented discrete law  u_k = Kp e_k + Ki Ts sum(e_0..e_k) + Kd D_k,
              D_k = a D_{k-1} + (1 - a)(e_k - e_{k-1}) / Ts,  a = exp(-2 pi fd Ts)
and returns the closed-loop step response (scipy dstep) at samples 0..n-1. The continuous loop's response
(scipy step, no sampling) is returned too, for the test to check the sampling effect stays small.
Input (argv[1]): JSON {plant:{...}, controller:{...}, stepUm, n}. Output: JSON {discrete:[...], continuous:[...]}.
"""
import json
import sys

import numpy as np
from scipy import signal

cfg = json.loads(sys.argv[1])
p = cfg["plant"]
c = cfg["controller"]
n = int(cfg["n"])
k = 2 * np.pi / p["screwLeadM"]
m_true = p["carriageMassKg"] + p["rotorInertiaKgM2"] * k * k
m_hat = c["modelMassScale"] * m_true
b = p["viscousFrictionNsPerM"]
w = 2 * np.pi * c["bandwidthHz"]
kd, kp, ki = 3 * m_hat * w, 3 * m_hat * w**2, m_hat * w**3
Ts = 1.0 / c["rateHz"]
wd = 2 * np.pi * c["derivativeFilterHz"]
a = np.exp(-wd * Ts)

# Plant, ZOH-exact.
gz_num, gz_den, _ = signal.cont2discrete(([1.0], [m_true, b, 0.0]), Ts, method="zoh")
gz_num = np.trim_zeros(np.atleast_1d(np.squeeze(gz_num)), "f")
gz_den = np.atleast_1d(np.squeeze(gz_den))
# Controller in z: Kp + Ki Ts z/(z-1) + Kd (1-a)/Ts (z-1)/(z-a), over the common denominator (z-1)(z-a).
den_c = np.polymul([1, -1], [1, -a])
num_c = np.polyadd(
    np.polyadd(kp * den_c, ki * Ts * np.polymul([1, 0], [1, -a])),
    kd * (1 - a) / Ts * np.polymul([1, -1], [1, -1]),
)
L_num = np.polymul(num_c, gz_num)
L_den = np.polymul(den_c, gz_den)
T_den = np.polyadd(L_den, L_num)
_, (yd,) = signal.dstep((L_num, T_den, Ts), n=n)

# Continuous loop for reference: C(s) = Kp + Ki/s + Kd s wd/(s + wd).
c_num = np.polyadd(np.polymul([kp, ki], [1, wd]), [kd * wd, 0, 0])
c_den = np.polymul([1, 0], [1, wd])
Lc_num = c_num
Lc_den = np.polymul(c_den, [m_true, b, 0])
_, yc = signal.step(signal.lti(Lc_num, np.polyadd(Lc_den, Lc_num)), T=np.arange(n) * Ts)

s = cfg["stepUm"]
print(json.dumps({"discrete": (s * yd[:, 0]).tolist(), "continuous": (s * yc).tolist()}))
