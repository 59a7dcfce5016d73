/*
 * stimband.c - what a stimulus is: the band it covers and, for an
 * exponential sweep, its sweep constant L (the group delay
 * tau(f) = a + L ln f fitted by weighted least squares, no phase
 * unwrapping).  Any other stimulus gets the band where its smoothed
 * spectrum stays near a power-law fit.  Used by st_an_ctx_create (ctx.c).
 */
#include "analysis/ctx.h"
#include "analysis/internal.h"

#include <math.h>
#include <stdlib.h>

int an_linfit(const double *x, const double *y, const double *w, size_t n,
	      double *a, double *b)
{
	double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, d;

	for (size_t i = 0; i < n; i++) {
		sw += w[i];
		sx += w[i] * x[i];
		sy += w[i] * y[i];
		sxx += w[i] * x[i] * x[i];
		sxy += w[i] * x[i] * y[i];
	}
	d = sw * sxx - sx * sx;
	if (!(sw > 0) || !(fabs(d) > 1e-300 * sw * sw))
		return -1;
	*b = (sw * sxy - sx * sy) / d;
	*a = (sy - *b * sx) / sw;
	return 0;
}

/* Fit the stimulus's group delay tau(f) = a + L ln f (exponential sweep).
 * X is the stimulus spectrum; xt the spectrum of n * x[n]; t0, t1
 * bound the stimulus's active part (s).  The first pass uses every strong
 * bin, later passes only the bins half an octave inside the band the
 * previous pass found (the sweep's ends ripple) and near the line.
 * Returns 0 and sets *l, *a when the fit is good. */
int an_fit_sweep(const struct st_an_ctx *c, const fftw_complex *x, const fftw_complex *xt,
		 double fixed_l, double t0, double t1, double *l, double *a)
{
	size_t bins = c->n / 2 + 1, cnt = 0;
	double *fx = NULL, *fy = NULL, *fw = NULL, pmax = 0, df = c->rate / (double)c->n;
	double fa = 0, fb = 0, rms = 0, sw = 0, dur, lo = 0, hi = c->rate;
	int ret = -1;

	fx = malloc(sizeof(double) * bins);
	fy = malloc(sizeof(double) * bins);
	fw = malloc(sizeof(double) * bins);
	if (!fx || !fy || !fw)
		goto out_free;
	for (size_t k = 1; k < bins; k++)
		if (an_cabs2(x[k]) * (double)k > pmax)
			pmax = an_cabs2(x[k]) * (double)k;
	for (int pass = 0; pass < 3; pass++) {
		cnt = 0;
		for (size_t k = 2; k < bins; k++) {
			double p = an_cabs2(x[k]), f = (double)k * df, tau, lf;

			if (f > 0.49 * c->rate || p * (double)k < 0.01 * pmax || f < lo || f > hi)
				continue;
			/* tau = Re(Xt conj(X)) / |X|^2 / rate */
			tau = (xt[k][0] * x[k][0] + xt[k][1] * x[k][1]) / p / c->rate;
			lf = log(f);
			if (pass > 0 && fabs(tau - (fa + fb * lf)) > 3 * rms + 0.002)
				continue;
			fx[cnt] = lf;
			fy[cnt] = tau;
			fw[cnt] = 1.0 / f;
			cnt++;
		}
		if (cnt < 16)
			goto out_free;
		if (fixed_l > 0) {
			double s = 0, w = 0;

			for (size_t i = 0; i < cnt; i++) {
				s += fw[i] * (fy[i] - fixed_l * fx[i]);
				w += fw[i];
			}
			fb = fixed_l;
			fa = s / w;
		} else if (an_linfit(fx, fy, fw, cnt, &fa, &fb)) {
			goto out_free;
		}
		rms = 0;
		sw = 0;
		for (size_t i = 0; i < cnt; i++) {
			double r = fy[i] - (fa + fb * fx[i]);

			rms += fw[i] * r * r;
			sw += fw[i];
		}
		rms = sqrt(rms / sw);
		if (!(fb > 0))
			goto out_free;
		lo = exp((t0 - fa) / fb) * M_SQRT2;
		hi = exp((t1 - fa) / fb) / M_SQRT2;
		if (!(hi > lo * 2))
			break;
	}
	dur = (double)c->stim_len / c->rate;
	if (fb > 0 && rms < 0.01 * dur + 0.002) {
		*l = fb;
		*a = fa;
		ret = 0;
	}
out_free:
	free(fx);
	free(fy);
	free(fw);
	return ret;
}

/* Band of a stimulus that is not an exponential sweep.  The 1/6-octave
 * smoothed |X|^2 on a 1/12-octave grid is fitted with a power law (so white
 * and pink stimuli both come out flat), refitted on the points within 6 dB
 * of the fit; the band is the run of points within 10 dB of the fit around
 * the strongest one. */
void an_spectral_band(const struct st_an_ctx *c, const double *cum, double *f1, double *f2)
{
	size_t bins = c->n / 2 + 1;
	double df = c->rate / (double)c->n, best = 0, lx[400], ly[400], w[400], res[400];
	double a = 0, b = 0, fx[400], fy[400], fw[400];
	int ng = 0, ib = 0, lo, hi, cnt;

	for (double f = 10.0; f < 0.49 * c->rate && ng < 400; f *= pow(2.0, 1.0 / 12)) {
		size_t k0 = (size_t)(f * pow(2.0, -1.0 / 12) / df), k1 = (size_t)(f * pow(2.0, 1.0 / 12) / df) + 1;
		double v;

		if (k1 >= bins)
			k1 = bins - 1;
		if (k0 < 1)
			k0 = 1;
		v = k1 > k0 ? (cum[k1] - cum[k0]) / (double)(k1 - k0) : 0;
		lx[ng] = log10(f);
		ly[ng] = an_db10(v);
		w[ng] = 1;
		if (v > best) {
			best = v;
			ib = ng;
		}
		ng++;
	}
	*f1 = 20;
	*f2 = 0.49 * c->rate;
	if (ng < 4)
		return;
	for (int it = 0; it < 4; it++) {
		cnt = 0;
		for (int i = 0; i < ng; i++) {
			int keep = it == 0 ? ly[i] >= an_db10(best) - 10 : res[i] >= -6;

			if (!keep)
				continue;
			fx[cnt] = lx[i];
			fy[cnt] = ly[i];
			fw[cnt] = w[i];
			cnt++;
		}
		if (cnt < 3 || an_linfit(fx, fy, fw, (size_t)cnt, &a, &b))
			return;
		for (int i = 0; i < ng; i++)
			res[i] = ly[i] - (a + b * lx[i]);
	}
	lo = hi = ib;
	while (lo > 0 && res[lo - 1] >= -10)
		lo--;
	while (hi < ng - 1 && res[hi + 1] >= -10)
		hi++;
	*f1 = pow(10, lx[lo]);
	*f2 = pow(10, lx[hi]);
}
