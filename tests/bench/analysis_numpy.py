#!/usr/bin/python3
"""analysis_numpy.py - the numpy twin of the whole analysis, run by
bench_analysis in the same benchmark on the same capture: per channel what
st_an_response does (station/analysis/response.c) and per microphone what
st_an_align does (align.c), written as numpy is written - whole-array
operations, numpy.fft (double precision: numpy 1.24 has no other) - with the
same steps and sizes:

  per channel: the capture's finiteness and clipping; rfft at n, times the
  inverse; the matched-weighted spectrum aliased to n/dec bins and its
  inverse FFT (the coarse peak); irfft at n (the IR); the linear window
  (tapered) through an m-point rfft; the full-rate peak on the weighted
  window (m-point irfft), moved and refined again when more than 2 dec
  away; H at 1 kHz; 31 band means; the noise window and its bands; the
  harmonic windows k = 2..5 at m/k points and THD per band;
  per microphone against channel 0: the cross spectrum of the kept window
  spectra (single precision, as the C keeps them) rotated by the windows'
  offset, the weighted phase fit three times around the peak-to-peak delay.

The inverse, weighting, tapers and band tables are made once, untimed (as
the C context).  Arguments: STIM.f32 CAP.f32 CHANNELS N M PRE POST RATE
RUNS DEC L F1 F2 (L, F1, F2: the C context's sweep constant and band).
Prints the median wall time of RUNS runs in ms, then the mean delay of the
microphones (us) and channel 0's 1 kHz band level (dB) of the last run, for
bench_analysis to check against its own."""
import math
import sys
import time

import numpy as np

NB = 31


def band_edges(rate, m, f1, f2):
    """Bins k0..k1 at m of each 1/3-octave band inside f1..f2 (>= 40 % of
    it in log frequency), as ctx.c's band_tables."""
    fc = 1000.0 * 10.0 ** ((np.arange(NB) - 17) / 10.0)
    lo, hi = fc * 10 ** -0.05, fc * 10 ** 0.05
    olo, ohi = np.maximum(lo, f1), np.minimum(hi, f2)
    ok = (ohi > olo) & (np.log(np.maximum(ohi, 1e-9) / np.maximum(olo, 1e-9)) >= 0.4 * np.log(hi / lo))
    df = rate / m
    k0 = np.ceil(olo / df).astype(int)
    k1 = np.minimum(np.floor(ohi / df).astype(int), m // 2)
    ok &= k1 >= k0
    return ok, k0, k1


class Ctx:
    def __init__(self, stim, a):
        self.n, self.m, self.pre, self.post = a["n"], a["m"], a["pre"], a["post"]
        self.rate, self.dec, self.L, self.f1, self.f2 = a["rate"], a["dec"], a["L"], a["f1"], a["f2"]
        n, m, rate = self.n, self.m, self.rate
        x = np.fft.rfft(stim.astype(np.float64), n)
        p = (x * x.conj()).real
        k = np.arange(len(p))
        k0 = (k * 0.890898718).astype(int)
        k1 = np.minimum((k * 1.122462048).astype(int) + 1, len(p))
        cum = np.concatenate(([0.0], np.cumsum(p)))
        sm = (cum[k1] - cum[k0]) / (k1 - k0)
        f = k * rate / n
        eps = np.where((f >= self.f1 / 2) & (f <= self.f2 * 2 ** (1 / 3)), 1e-4 * sm, 1e3 * sm.max())
        self.inv = x.conj() / (p + eps)   # numpy.fft.irfft divides by n itself
        self.inv[0] = 0
        self.wgt = sm / sm.max()
        self.wgt_m = np.interp(np.arange(m // 2 + 1) * n / m, k, self.wgt)
        self.guard = round(0.010 * rate)
        peak = np.abs(stim).max()
        self.t_end = np.nonzero(np.abs(stim) >= 1e-3 * peak)[0][-1]
        self.wlen = self.pre + self.post
        self.hlen = {0: self.wlen, 1: self.wlen}
        for h in range(2, 6):
            room = self.L * math.log(h / (h - 1)) * 0.9 * rate - 2.0 * self.pre
            post = min(self.post, int(max(room, 0)))
            self.hlen[h] = 0 if post < 0.002 * rate else self.pre + post
        r = self.pre // 2
        self.rise = 0.5 - 0.5 * np.cos(np.pi * (np.arange(r) + 0.5) / r)
        self.taper = {}
        for h, ln in self.hlen.items():
            if ln:
                fall = ln // 10
                t = np.ones(ln)
                t[:r] = self.rise
                t[ln - fall:] = 0.5 - 0.5 * np.cos(np.pi * (ln - np.arange(ln - fall, ln) - 0.5) / fall)
                self.taper[h] = t
        self.ok, self.k0, self.k1 = band_edges(rate, m, self.f1, self.f2)
        self.nd = n // self.dec

    def window(self, ir, start, h, size):
        idx = (start + np.arange(self.hlen[h])) % self.n
        seg = ir[idx] * self.taper[h]
        return seg, np.fft.rfft(seg, size)

    def band_means(self, spec, step=1):
        p = (spec * spec.conj()).real
        cs = np.concatenate(([0.0], np.cumsum(p[::step])))
        lim = (len(p) - 1) // step
        k0, k1 = np.minimum(self.k0, lim), np.minimum(self.k1, lim)
        return (cs[k1 + 1] - cs[k0]) / np.maximum(k1 - k0 + 1, 1)

    def refine(self, wf, p0, rng):
        lt = np.fft.irfft(wf * self.wgt_m, self.m)
        r = min(rng, self.pre - 1)
        seg = np.abs(lt[self.pre - r:self.pre + r + 1])
        best = self.pre - r + int(np.argmax(seg))
        y1 = lt[best]
        s = -1.0 if y1 < 0 else 1.0
        y0, y2 = lt[best - 1] * s, lt[best + 1] * s
        d = y0 - 2 * abs(y1) + y2
        delta = 0.5 * (y0 - y2) / d if d < 0 else 0.0
        if abs(delta) > 0.5:
            delta = 0.0
        return p0 + best - self.pre, delta

    def response(self, xc):
        n, dec, nd = self.n, self.dec, self.nd
        if not np.isfinite(xc).all():
            raise ValueError("capture not finite")
        clipped = int(np.count_nonzero(np.abs(xc) >= 0.999))
        b = np.fft.rfft(xc.astype(np.float64), n) * self.inv
        bw = b * self.wgt
        full = np.concatenate((bw, bw[-2:0:-1].conj()))
        dw = np.fft.ifft(full.reshape(dec, nd).sum(axis=0)).real * dec
        ir = np.fft.irfft(b, n)
        lo, hi = -(-(n - self.pre) // dec), -(-len(xc) // dec)
        cand = np.concatenate((np.arange(lo, nd), np.arange(0, min(hi, nd))))
        q = int(cand[np.argmax(np.abs(dw[cand]))]) * dec
        p0 = q - n if q > n // 2 else q
        wt, wf = self.window(ir, p0 - self.pre, 0, self.m)
        p, delta = self.refine(wf, p0, self.pre // 2)
        if abs(p - p0) > 2 * dec:
            p0 = p
            wt, wf = self.window(ir, p0 - self.pre, 0, self.m)
            p, delta = self.refine(wf, p0, dec)
        w1 = 2 * np.pi * 1000.0 / self.rate
        h1k = np.sum(wt[:self.wlen] * np.exp(-1j * w1 * (np.arange(self.wlen) + p0 - self.pre)))
        den = self.band_means(wf)
        band_db = np.where(self.ok, 10 * np.log10(den + 1e-300), np.nan)
        ns = max(p + self.post + self.guard, len(xc) - self.t_end - self.wlen - 1)
        _, wn = self.window(ir, ns, 0, self.m)
        snr = band_db - 10 * np.log10(self.band_means(wn) + 1e-300)
        num = np.zeros(NB)
        for h in range(2, 6):
            if not self.hlen[h]:
                continue
            hk = p - round(self.L * math.log(h) * self.rate)
            _, wh = self.window(ir, hk - self.pre, h, self.m // h)
            num += np.where(h * self.k1 <= self.m // 2, self.band_means(wh), 0.0)
        thd = 100 * np.sqrt(num / np.maximum(den, 1e-300))
        return {"latency": (p + delta) / self.rate, "zero": self.pre - p0, "clipped": clipped,
                "spec": wf.astype(np.complex64), "h1k": h1k, "band_db": band_db, "snr": snr, "thd": thd}

    def align(self, ref, ch):
        m, rate = self.m, self.rate
        k = np.arange(m // 2 + 1)
        shift = ref["zero"] - ch["zero"]
        hc, hr = ch["spec"].astype(np.complex128), ref["spec"].astype(np.complex128)
        g = hc * hr.conj() * np.exp(-2j * np.pi * k * shift / m)
        df = rate / m
        f_lo, f_hi = max(100.0, self.f1 * 1.2), min(8000.0, self.f2 / 1.2)
        sel = np.arange(int(math.ceil(f_lo / df)), int(math.floor(f_hi / df)) + 1)
        g2 = (g[sel] * g[sel].conj()).real
        sel = sel[g2 >= 1e-8 * g2.max()]
        om = 2 * np.pi * sel * df
        pr, pc = (hr[sel] * hr[sel].conj()).real, (hc[sel] * hc[sel].conj()).real
        wgt = pr * pc / (pr + pc)
        tau = ch["latency"] - ref["latency"]
        a = 0.0
        for _ in range(3):
            ph = np.unwrap(np.angle(g[sel] * np.exp(1j * om * tau)))
            b, a = np.polyfit(om, ph, 1, w=np.sqrt(wgt))
            tau -= b
        return tau, (-1 if math.cos(a) < 0 else 1)


def main():
    stim_f, cap_f = sys.argv[1], sys.argv[2]
    ch, n, m, pre, post = (int(v) for v in sys.argv[3:8])
    rate, runs, dec = float(sys.argv[8]), int(sys.argv[9]), int(sys.argv[10])
    a = {"n": n, "m": m, "pre": pre, "post": post, "rate": rate, "dec": dec,
         "L": float(sys.argv[11]), "f1": float(sys.argv[12]), "f2": float(sys.argv[13])}
    stim = np.fromfile(stim_f, dtype=np.float32)
    cap = np.fromfile(cap_f, dtype=np.float32).reshape(-1, ch)
    ctx = Ctx(stim, a)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        res = [ctx.response(cap[:, c]) for c in range(ch)]
        al = [ctx.align(res[0], res[c]) for c in range(1, ch)]
        times.append(time.perf_counter() - t0)
    times.sort()
    print("%.3f %.4f %.3f" % (times[len(times) // 2] * 1e3, np.mean([t for t, _ in al]) * 1e6,
                              res[0]["band_db"][17]))


main()
