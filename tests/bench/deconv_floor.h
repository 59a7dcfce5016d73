/*
 * deconv_floor.h - the FFTW floor of the analysis bench (bench_analysis.c):
 * the least a swept-sine deconvolution of the same capture can cost with
 * FFTW, single-threaded.  Per channel: one n-point r2c of the capture, the
 * complex multiply by a precomputed inverse, one n-point c2r, the peak of
 * |IR| over the capture, one window of the IR (pre + post samples around
 * the peak) through an m-point r2c, and the energy mean of the 31
 * 1/3-octave bands.  Same n, m and window as the analysis context, plans
 * made once through the station's planner (fft.h's tuned plans: the same
 * FFTW_MEASURE wisdom when the station has it), buffers reused.  It
 * has no regularisation design, no noise window, no harmonics, no
 * alignment: it is a floor, not an analysis.  Header-only, static functions.
 */
#ifndef ST_BENCH_DECONV_FLOOR_H
#define ST_BENCH_DECONV_FLOOR_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/fft.h"

struct floor_ctx {
	size_t n, m;          /* deconvolution and window FFT sizes */
	size_t pre, post;     /* window around the peak, samples */
	double rate;          /* Hz */
	double *t;            /* n reals */
	fftw_complex *f;      /* n/2+1 bins */
	fftw_complex *inv;    /* n/2+1 bins: X* / (|X|^2 + eps) */
	double *wt;           /* m reals */
	fftw_complex *wf;     /* m/2+1 bins */
	fftw_plan fwd, bwd, wfwd;
	size_t k0[ST_AN_NBANDS], k1[ST_AN_NBANDS]; /* band bins at m */
};

static void floor_free(struct floor_ctx *c)
{
	st_fft_destroy(c->fwd);
	st_fft_destroy(c->bwd);
	st_fft_destroy(c->wfwd);
	fftw_free(c->t);
	fftw_free(c->f);
	fftw_free(c->inv);
	fftw_free(c->wt);
	fftw_free(c->wf);
}

/* Set up for a stimulus of ns frames and captures up to nc frames. */
static int floor_init(struct floor_ctx *c, const float *stim, size_t ns, size_t nc,
		      double rate, size_t pre, size_t post)
{
	size_t bins;
	double pmax = 0;

	memset(c, 0, sizeof(*c));
	c->n = st_fft_good_size(ns + nc);
	while (c->n & 1)
		c->n = st_fft_good_size(c->n + 1);
	c->rate = rate;
	c->pre = pre;
	c->post = post;
	/* The analysis's window size (ctx.c): the smallest multiple of 60
	 * >= 4 windows with no prime factor above 7. */
	c->m = (4 * (pre + post) + 59) / 60 * 60;
	while (st_fft_good_size(c->m) != c->m)
		c->m += 60;
	bins = c->n / 2 + 1;
	c->t = fftw_malloc(sizeof(double) * c->n);
	c->f = fftw_malloc(sizeof(fftw_complex) * bins);
	c->inv = fftw_malloc(sizeof(fftw_complex) * bins);
	c->wt = fftw_malloc(sizeof(double) * c->m);
	c->wf = fftw_malloc(sizeof(fftw_complex) * (c->m / 2 + 1));
	if (!c->t || !c->f || !c->inv || !c->wt || !c->wf)
		return -1;
	c->fwd = st_fft_plan_r2c_tuned((int)c->n, c->t, c->f);
	c->bwd = st_fft_plan_c2r_tuned((int)c->n, c->f, c->t);
	c->wfwd = st_fft_plan_r2c_tuned((int)c->m, c->wt, c->wf);
	if (!c->fwd || !c->bwd || !c->wfwd)
		return -1;
	for (size_t i = 0; i < c->n; i++)
		c->t[i] = i < ns ? stim[i] : 0.0;
	fftw_execute_dft_r2c(c->fwd, c->t, c->inv);
	for (size_t k = 0; k < bins; k++) {
		double p = c->inv[k][0] * c->inv[k][0] + c->inv[k][1] * c->inv[k][1];

		pmax = p > pmax ? p : pmax;
	}
	for (size_t k = 0; k < bins; k++) {
		double p = c->inv[k][0] * c->inv[k][0] + c->inv[k][1] * c->inv[k][1];
		double d = (p + 1e-4 * pmax) * (double)c->n;

		c->inv[k][0] /= d;
		c->inv[k][1] = -c->inv[k][1] / d;
	}
	for (int b = 0; b < ST_AN_NBANDS; b++) {
		double df = rate / (double)c->m;

		c->k0[b] = (size_t)ceil(st_an_band_lo(b) / df);
		c->k1[b] = (size_t)floor(st_an_band_hi(b) / df);
		if (c->k1[b] > c->m / 2)
			c->k1[b] = c->m / 2;
	}
	return 0;
}

/* One channel (x[i * stride], i < n); band levels (dB) into db, returns
 * the peak index. */
static size_t floor_channel(struct floor_ctx *c, const float *x, size_t n, size_t stride,
			    double db[ST_AN_NBANDS])
{
	size_t bins = c->n / 2 + 1, best = 0;
	double bestv = -1;
	long start;

	for (size_t i = 0; i < n; i++)
		c->t[i] = x[i * stride];
	memset(c->t + n, 0, sizeof(double) * (c->n - n));
	fftw_execute_dft_r2c(c->fwd, c->t, c->f);
	for (size_t k = 0; k < bins; k++) {
		double re = c->f[k][0] * c->inv[k][0] - c->f[k][1] * c->inv[k][1];
		double im = c->f[k][0] * c->inv[k][1] + c->f[k][1] * c->inv[k][0];

		c->f[k][0] = re;
		c->f[k][1] = im;
	}
	fftw_execute_dft_c2r(c->bwd, c->f, c->t);
	for (size_t i = 0; i < n; i++) {
		if (fabs(c->t[i]) > bestv) {
			bestv = fabs(c->t[i]);
			best = i;
		}
	}
	start = (long)best - (long)c->pre;
	for (size_t k = 0; k < c->m; k++) {
		long i = start + (long)k;

		c->wt[k] = k < c->pre + c->post && i >= 0 ? c->t[i] : 0.0;
	}
	fftw_execute_dft_r2c(c->wfwd, c->wt, c->wf);
	for (int b = 0; b < ST_AN_NBANDS; b++) {
		double s = 0;

		for (size_t k = c->k0[b]; k <= c->k1[b]; k++)
			s += c->wf[k][0] * c->wf[k][0] + c->wf[k][1] * c->wf[k][1];
		db[b] = c->k1[b] >= c->k0[b] ? 10 * log10(s / (double)(c->k1[b] - c->k0[b] + 1) + 1e-300)
					     : -300;
	}
	return best;
}

#endif
