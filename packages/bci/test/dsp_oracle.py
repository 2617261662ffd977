"""Oracle for dsp.test.ts: scipy.signal's butter/sosfilt/sosfilt_zi/sosfiltfilt/iirnotch on given cases.

Reads JSON {cases: [{order, cutoff, type, fs}], notches: [{f, q, fs}], signal: [...]} on stdin and writes the
scipy results as JSON on stdout. Run by the test with /usr/bin/python3 (Debian python3-scipy).
"""
import json
import sys

import numpy as np
from scipy import signal

req = json.load(sys.stdin)
x = np.asarray(req["signal"], dtype=np.float64)
out = {"scipy": __import__("scipy").__version__, "cases": [], "notches": []}
for c in req["cases"]:
    sos = signal.butter(c["order"], c["cutoff"], btype=c["type"], output="sos", fs=c["fs"])
    out["cases"].append(
        {
            "sos": sos.ravel().tolist(),
            "zi": signal.sosfilt_zi(sos).ravel().tolist(),
            "y": signal.sosfilt(sos, x).tolist(),
            "yy": signal.sosfiltfilt(sos, x).tolist(),
        }
    )
for n in req["notches"]:
    b, a = signal.iirnotch(n["f"], n["q"], fs=n["fs"])
    sos = np.concatenate([b, a])[None, :]
    out["notches"].append({"sos": sos.ravel().tolist(), "yy": signal.sosfiltfilt(sos, x).tolist()})
json.dump(out, sys.stdout)
