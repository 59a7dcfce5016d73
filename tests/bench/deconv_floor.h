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
 *
 * Two floors from one text: included as it is, floor_* in double
 * precision throughout (the floor issue 13 set the goals against); with
 * FLOOR_SINGLE defined, floors_* with the n-point transforms, the inverse
 * and the IR in single precision as the analysis has them (ctx.h), the
 * window and bands still double, so that the analysis can be put beside a
 * floor of its own precision too.  FL() names, fl_real is the n-point
 * real type; the other fl_ macros are FFTW's functions of that precision,
 * all undefined again at the end of each inclusion.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/fft.h"

#ifdef FLOOR_SINGLE
#ifndef ST_BENCH_DECONV_FLOOR_SINGLE
#define ST_BENCH_DECONV_FLOOR_SINGLE
#define FL(x) floors_##x
#define fl_real float
#define fl_complex fftwf_complex
#define fl_plan fftwf_plan
#define fl_malloc fftwf_malloc
#define fl_free fftwf_free
#define fl_r2c fftwf_execute_dft_r2c
#define fl_c2r fftwf_execute_dft_c2r
#define fl_plan_r2c st_fft_plan_r2c_single_tuned
#define fl_plan_c2r st_fft_plan_c2r_single_tuned
#define fl_destroy st_fft_destroy_single
#define FLOOR_TEXT
#endif
#else
#ifndef ST_BENCH_DECONV_FLOOR_DOUBLE
#define ST_BENCH_DECONV_FLOOR_DOUBLE
#define FL(x) floor_##x
#define fl_real double
#define fl_complex fftw_complex
#define fl_plan fftw_plan
#define fl_malloc fftw_malloc
#define fl_free fftw_free
#define fl_r2c fftw_execute_dft_r2c
#define fl_c2r fftw_execute_dft_c2r
#define fl_plan_r2c st_fft_plan_r2c_tuned
#define fl_plan_c2r st_fft_plan_c2r_tuned
#define fl_destroy st_fft_destroy
#define FLOOR_TEXT
#endif
#endif

#ifdef FLOOR_TEXT
#undef FLOOR_TEXT

struct FL(ctx) {
	size_t n, m;          /* deconvolution and window FFT sizes */
	size_t pre, post;     /* window around the peak, samples */
	double rate;          /* Hz */
	fl_real *t;           /* n reals */
	fl_complex *f;        /* n/2+1 bins */
	fl_complex *inv;      /* n/2+1 bins: X* / (|X|^2 + eps) */
	double *wt;           /* m reals */
	fftw_complex *wf;     /* m/2+1 bins */
	fl_plan fwd, bwd;
	fftw_plan wfwd;
	size_t k0[ST_AN_NBANDS], k1[ST_AN_NBANDS]; /* band bins at m */
};

static void FL(free)(struct FL(ctx) *c)
{
	fl_destroy(c->fwd);
	fl_destroy(c->bwd);
	st_fft_destroy(c->wfwd);
	fl_free(c->t);
	fl_free(c->f);
	fl_free(c->inv);
	fftw_free(c->wt);
	fftw_free(c->wf);
}

/* The inverse X* / (|X|^2 + 1e-4 max |X|^2) / n of a stimulus of ns
 * frames, computed in double precision, into c->inv. */
static int FL(inverse)(struct FL(ctx) *c, const float *stim, size_t ns)
{
	size_t bins = c->n / 2 + 1;
	double *t = fftw_malloc(sizeof(double) * c->n), pmax = 0;
	fftw_complex *x = fftw_malloc(sizeof(fftw_complex) * bins);
	fftw_plan p = t && x ? st_fft_plan_r2c((int)c->n, t, x) : NULL;
	int ret = -1;

	if (!p)
		goto out_free;
	for (size_t i = 0; i < c->n; i++)
		t[i] = i < ns ? stim[i] : 0.0;
	fftw_execute_dft_r2c(p, t, x);
	for (size_t k = 0; k < bins; k++) {
		double q = x[k][0] * x[k][0] + x[k][1] * x[k][1];

		pmax = q > pmax ? q : pmax;
	}
	for (size_t k = 0; k < bins; k++) {
		double q = x[k][0] * x[k][0] + x[k][1] * x[k][1];
		double d = (q + 1e-4 * pmax) * (double)c->n;

		c->inv[k][0] = (fl_real)(x[k][0] / d);
		c->inv[k][1] = (fl_real)(-x[k][1] / d);
	}
	ret = 0;
out_free:
	st_fft_destroy(p);
	fftw_free(t);
	fftw_free(x);
	return ret;
}

/* Set up for a stimulus of ns frames and captures up to nc frames. */
static int FL(init)(struct FL(ctx) *c, const float *stim, size_t ns, size_t nc,
		    double rate, size_t pre, size_t post)
{
	size_t bins;

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
	c->t = fl_malloc(sizeof(fl_real) * c->n);
	c->f = fl_malloc(sizeof(fl_complex) * bins);
	c->inv = fl_malloc(sizeof(fl_complex) * bins);
	c->wt = fftw_malloc(sizeof(double) * c->m);
	c->wf = fftw_malloc(sizeof(fftw_complex) * (c->m / 2 + 1));
	if (!c->t || !c->f || !c->inv || !c->wt || !c->wf)
		return -1;
	c->fwd = fl_plan_r2c((int)c->n, c->t, c->f);
	c->bwd = fl_plan_c2r((int)c->n, c->f, c->t);
	c->wfwd = st_fft_plan_r2c_tuned((int)c->m, c->wt, c->wf);
	if (!c->fwd || !c->bwd || !c->wfwd || FL(inverse)(c, stim, ns))
		return -1;
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
static size_t FL(channel)(struct FL(ctx) *c, const float *x, size_t n, size_t stride,
			  double db[ST_AN_NBANDS])
{
	size_t bins = c->n / 2 + 1, best = 0;
	fl_real bestv = -1;
	long start;

	for (size_t i = 0; i < n; i++)
		c->t[i] = x[i * stride];
	memset(c->t + n, 0, sizeof(fl_real) * (c->n - n));
	fl_r2c(c->fwd, c->t, c->f);
	for (size_t k = 0; k < bins; k++) {
		fl_real re = c->f[k][0] * c->inv[k][0] - c->f[k][1] * c->inv[k][1];
		fl_real im = c->f[k][0] * c->inv[k][1] + c->f[k][1] * c->inv[k][0];

		c->f[k][0] = re;
		c->f[k][1] = im;
	}
	fl_c2r(c->bwd, c->f, c->t);
	for (size_t i = 0; i < n; i++) {
		fl_real v = c->t[i] < 0 ? -c->t[i] : c->t[i];

		if (v > bestv) {
			bestv = v;
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

/* Every channel of an interleaved capture of nch channels, n frames. */
static void FL(all)(struct FL(ctx) *c, const float *x, size_t n, size_t nch)
{
	double db[ST_AN_NBANDS];

	for (size_t ch = 0; ch < nch; ch++)
		FL(channel)(c, x + ch, n, nch, db);
}

/* The names this inclusion defined, gone again. */
#undef FL
#undef fl_real
#undef fl_complex
#undef fl_plan
#undef fl_malloc
#undef fl_free
#undef fl_r2c
#undef fl_c2r
#undef fl_plan_r2c
#undef fl_plan_c2r
#undef fl_destroy
#endif
