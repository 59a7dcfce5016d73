/*
 * ctx.h - the deconvolution context shared by ctx.c (set-up), stimband.c
 * (what the stimulus is), response.c (one channel's response, and
 * channels on several threads) and align.c (microphone alignment).  Not
 * part of the public API (analysis.h); only station/analysis/ includes it.
 *
 * The n-point deconvolution (capture spectrum, inverse, IR) is single
 * precision: a capture is 32-bit float to begin with, FFTW's single
 * precision rounds at about 1e-7 of the signal (-140 dB), and at sweep
 * sizes it is memory that the transforms wait for, half as much of it.
 * What the stimulus is, its inverse, the IR windows, bands, harmonics and
 * alignment are double precision.
 *
 * A context holds what every capture of one stimulus shares, read-only
 * once made: the regularised inverse, the matched weighting, the band bin
 * ranges, the FFTW plans (new-array execute, so any workspace's buffers
 * may be passed).  Scratch buffers live in workspaces (struct an_work):
 * work[0] serves st_an_response and st_an_align; st_an_responses lends one
 * workspace to each thread.
 */
#ifndef ST_AN_CTX_H
#define ST_AN_CTX_H

#include <stddef.h>

#include "analysis/analysis.h"
#include "analysis/fft.h"

#define AN_MAX_THREADS 8      /* workspaces per context */
#define AN_MAX_CHANNELS 32    /* channels st_an_responses splits to planar */
#define AN_EPS_IN 1e-4        /* regularisation in band, re smoothed |X|^2 */
#define AN_EPS_OUT 1e3        /* regularisation outside, re max |X|^2 */
#define AN_GUARD_S 0.010      /* gap between the IR and the noise window */
#define AN_LATENCY_ALLOW_S 0.02 /* latency budgeted for in st_an_ctx_tail */

/* Scratch of one thread's deconvolution (fftw_malloc'd, the single
 * precision ones fftwf_malloc'd). */
struct an_work {
	float *tbuf;          /* n reals: capture in, IR out (unnormalised) */
	fftwf_complex *fbuf;  /* n/2+1 bins: capture spectrum, then Y Xinv */
	double *dbuf;         /* n/dec reals: the weighted IR at every dec-th
	                       * sample (coarse peak search) */
	fftw_complex *dspec;  /* n/dec/2+1 bins: its aliased spectrum */
	double *wt;           /* m reals: a windowed IR, zero-padded */
	size_t wt_dirty;      /* wt[wt_dirty..m) is known to be zero (r2c
	                       * leaves its input alone), so a window need
	                       * only clear up to here */
	double *lt;           /* m reals: the weighted IR near the peak */
	fftw_complex *wf;     /* m/2+1 bins: spectrum of the linear window */
	fftw_complex *wf2;    /* m/2+1 bins: noise / harmonic / scratch spectrum */
};

struct st_an_ctx {
	double rate;          /* sample rate, Hz */
	double f1, f2;        /* stimulus band used, Hz */
	double sweep_l;       /* exponential-sweep constant L, s; NAN if not one */
	double sweep_a;       /* the sweep passes f at time sweep_a + L ln f, s */
	double t_end;         /* end of the stimulus's active part, s */
	size_t stim_len;      /* stimulus frames */
	size_t max_capture;   /* longest capture accepted, frames */
	size_t n;             /* deconvolution FFT size */
	size_t dec;           /* decimation of the coarse peak search (n % dec == 0) */
	size_t m;             /* IR-window FFT size (>= 4 windows, divisible by
	                       * 60 so that harmonic k's bins k j are bins j of
	                       * an m/k-point FFT) */
	size_t pre, post;     /* IR window before / after the peak, samples */
	size_t guard;         /* gap between IR window and noise window, samples */
	float *wgt;           /* n/2+1: smoothed |X|^2 / its maximum, the matched
	                       * weighting that finds the IR peak in noise */
	double *wgt_m;        /* m/2+1: the same at the m-point window's bins */
	fftwf_complex *inv;   /* n/2+1 bins: regularised inverse of the stimulus,
	                       * scaled by 1/n (made in double precision) */
	int band_ok[ST_AN_NBANDS];       /* band measured (inside the stimulus) */
	size_t band_k0[ST_AN_NBANDS];    /* its bins at m, first .. */
	size_t band_k1[ST_AN_NBANDS];    /* .. last */
	double band_tx[ST_AN_NBANDS];    /* when the stimulus has swept past
	                                  * the band's top (or ended), s */
	size_t hlen[ST_AN_MAX_HARMONIC + 1]; /* harmonic k's window, samples
	                                      * (0 = not measured); [0] and
	                                      * [1]: the linear window */
	double *rise;         /* pre/2: half-Hann rise at a window's start */
	double *fall[ST_AN_MAX_HARMONIC + 1]; /* hlen[k]/10: half-Hann fall at
	                                       * the end of a window of hlen[k] */
	fftwf_plan fwd;       /* n-point r2c, single precision */
	fftwf_plan bwd;       /* n-point c2r, single precision */
	fftw_plan dbwd;       /* n/dec-point c2r (coarse weighted IR) */
	fftw_plan wfwd;       /* m-point r2c */
	fftw_plan wbwd;       /* m-point c2r (weighted IR near the peak) */
	fftw_plan hfwd[ST_AN_MAX_HARMONIC + 1]; /* m/k-point r2c, k = 2..5 */
	float *planar;        /* planar_ch * max_capture: an interleaved capture
	                       * split into channels (st_an_responses), or NULL */
	size_t planar_ch;
	int nwork;            /* workspaces made (work[0] always) */
	struct an_work *work[AN_MAX_THREADS];
};

/* Weighted least squares y = a + b x; 0, or -1 when degenerate. */
int an_linfit(const double *x, const double *y, const double *w, size_t n,
	      double *a, double *b);
/* Fit the stimulus's group delay tau(f) = a + L ln f (stimband.c).  x is
 * the stimulus spectrum, xt the spectrum of n * x[n]. */
int an_fit_sweep(const struct st_an_ctx *c, const fftw_complex *x, const fftw_complex *xt,
		 double fixed_l, double t0, double t1, double *l, double *a);
/* Band of a stimulus that is not an exponential sweep (stimband.c); cum
 * is the running sum of |X|^2. */
void an_spectral_band(const struct st_an_ctx *c, const double *cum, double *f1, double *f2);
/* Make workspace i (ctx.c); ST_OK or ST_ERR_MEM. */
int an_work_get(struct st_an_ctx *c, int i, struct an_work **out);
/* One item of an_parallel: ST_OK, or an error with err set. */
typedef int (*an_item_fn)(const struct st_an_ctx *c, struct an_work *w, size_t i, void *arg,
			  char *err);
/* fn for items 0 .. n-1, shared out among `threads` threads (1 = this
 * thread only; at most AN_MAX_THREADS), each with its own workspace and
 * taking the next untaken item when it is free; after an error no item is
 * started, and the error of the lowest item that failed is returned with
 * its message in err (ctx.c). */
int an_parallel(struct st_an_ctx *c, size_t n, int threads, an_item_fn fn, void *arg, char *err);
/* |z|^2 */
static inline double an_cabs2(const fftw_complex z)
{
	return z[0] * z[0] + z[1] * z[1];
}

#endif
