#!/usr/bin/python3
"""deconv_numpy.py - the numpy twin of deconv_floor.h, run by bench_analysis
in the same benchmark: the same swept-sine deconvolution of the same
capture (per channel rfft at n, multiply by the precomputed inverse, irfft,
peak of |IR|, one window rfft at m, 31 band means).  Arguments:
STIM.f32 CAP.f32 CHANNELS N M PRE POST RATE RUNS; prints the median wall
time of RUNS runs in ms (inverse set-up not timed, like the C floor)."""
import sys
import time

import numpy as np


def main():
    stim_f, cap_f = sys.argv[1], sys.argv[2]
    ch, n, m, pre, post = (int(v) for v in sys.argv[3:8])
    rate, runs = float(sys.argv[8]), int(sys.argv[9])
    stim = np.fromfile(stim_f, dtype=np.float32).astype(np.float64)
    cap = np.fromfile(cap_f, dtype=np.float32).reshape(-1, ch)
    x = np.fft.rfft(stim, n)
    p = (x * x.conj()).real
    inv = x.conj() / (p + 1e-4 * p.max())
    nb = np.arange(31)
    fc = 1000.0 * 10.0 ** ((nb - 17) / 10.0)
    df = rate / m
    k0 = np.ceil(fc * 10 ** -0.05 / df).astype(int)
    k1 = np.minimum(np.floor(fc * 10 ** 0.05 / df).astype(int), m // 2)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for c in range(ch):
            xc = cap[:, c].astype(np.float64)
            ir = np.fft.irfft(np.fft.rfft(xc, n) * inv, n)
            best = int(np.argmax(np.abs(ir[:len(xc)])))
            w = ir[max(best - pre, 0):best + post]
            wf = np.fft.rfft(w, m)
            pw = (wf * wf.conj()).real
            cs = np.concatenate(([0.0], np.cumsum(pw)))
            ok = k1 >= k0
            db = np.full(31, -300.0)
            db[ok] = 10 * np.log10((cs[k1[ok] + 1] - cs[k0[ok]]) / (k1[ok] - k0[ok] + 1) + 1e-300)
        times.append(time.perf_counter() - t0)
    times.sort()
    print("%.3f" % (times[len(times) // 2] * 1e3))


main()
