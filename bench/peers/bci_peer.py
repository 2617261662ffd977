"""Peer for `npm run bench -- bci`: the same spike-band steps in scipy/numpy on the same data.

Reads raw little-endian float32, time-major (samples × channels), runs iirnotch + butter band-pass as one SOS
cascade (scipy.signal.sosfilt, causal, along time), σ = median(|x|)/0.6745 per channel per noise block (every SUB-th sample, as ours), and
counts negative threshold crossings at −k·σ. Prints JSON {seconds, crossings} (seconds: processing only).
Usage: bci_peer.py FILE CHANNELS RATE K BLOCK_S LINE_HZ SUB
"""
import json
import sys
import time

import numpy as np
from scipy import signal

path, C, fs, k, block_s, line = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
sub = int(sys.argv[7])
x = np.fromfile(path, dtype="<f4").reshape(-1, C)
b, a = signal.iirnotch(line, 30, fs=fs)
sos = np.vstack([np.concatenate([b, a])[None, :], signal.butter(2, [300, 6000], "bandpass", output="sos", fs=fs)])

t0 = time.perf_counter()
y = signal.sosfilt(sos, x, axis=0)
B = int(round(block_s * fs))
crossings = 0
for s in range(0, y.shape[0], B):
    blk = y[s : s + B]
    sigma = np.median(np.abs(blk[::sub]), axis=0) / 0.6744897501960817
    below = blk < -k * sigma
    crossings += int(np.count_nonzero(below[1:] & ~below[:-1]))
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "crossings": crossings}))
