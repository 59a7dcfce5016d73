/*
 * deconv.c - swept-sine deconvolution and what is computed from the
 * impulse response: 1/3-octave response, noise floor and SNR, harmonic
 * distortion, latency, microphone alignment and ANC attenuation.
 *
 * A context holds the FFTW plans (made once, FFTW_ESTIMATE, through fft.h)
 * and the regularised inverse of the stimulus
 *     Xinv = X* / (|X|^2 + eps(f)),
 * eps = 1e-4 of the 1/3-octave-smoothed |X|^2 inside the stimulus band,
 * 1e3 of its maximum outside, cross-faded (log) over 1/6 octave beyond
 * each edge.  A capture's impulse response is IFFT(Y Xinv); with an FFT
 * size of at least stimulus + capture the k-th harmonic IR of an
 * exponential sweep lands L ln k before the linear one (at the end of the
 * circular buffer), clear of it.
 */
#include "analysis/analysis.h"
#include "analysis/fft.h"
#include "analysis/internal.h"
#include "core/st.h"

#include <complex.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define EPS_IN 1e-4         /* regularisation in band, re smoothed |X|^2 */
#define EPS_OUT 1e3         /* regularisation outside, re max |X|^2 */
#define GUARD_S 0.010       /* gap between the IR and the noise window */
#define LATENCY_ALLOW_S 0.02/* latency budgeted for in st_an_ctx_tail */

struct st_an_ctx {
	double rate;          /* sample rate, Hz */
	double f1, f2;        /* stimulus band used, Hz */
	double sweep_l;       /* exponential-sweep constant L, s; NAN if not one */
	double sweep_a;       /* the sweep passes f at time sweep_a + L ln f, s */
	double t_end;         /* end of the stimulus's active part, s */
	size_t stim_len;      /* stimulus frames */
	size_t max_capture;   /* longest capture accepted, frames */
	size_t n;             /* deconvolution FFT size */
	size_t m;             /* IR-window FFT size (power of two >= 4 windows) */
	size_t pre, post;     /* IR window before / after the peak, samples */
	size_t guard;         /* gap between IR window and noise window, samples */
	double *tbuf;         /* n reals (fftw_malloc): capture in, IR out */
	fftw_complex *fbuf;   /* n/2+1 bins: capture spectrum */
	fftw_complex *fbuf2;  /* n/2+1 bins: the same, weighted for the peak search */
	double *wgt;          /* n/2+1: smoothed |X|^2 / its maximum, the matched
	                       * weighting that finds the IR peak in noise */
	fftw_complex *inv;    /* n/2+1 bins: regularised inverse of the stimulus */
	double *wt;           /* m reals: a windowed IR, zero-padded */
	fftw_complex *wf;     /* m/2+1 bins: spectrum of wt */
	fftw_complex *wf2;    /* m/2+1 bins: a second window spectrum */
	fftw_plan fwd;        /* n-point r2c on tbuf -> fbuf */
	fftw_plan bwd;        /* n-point c2r on fbuf -> tbuf */
	fftw_plan wfwd;       /* m-point r2c on wt -> wf */
	fftw_complex *ref_f;  /* m/2+1 bins: spectrum of the response ref_id's
	                       * windowed IR at offset 0 (st_an_align) */
	unsigned long ref_id; /* whose spectrum ref_f is; 0 = none */
};

/* Response ids (st_an_response.id); 0 is never given out. */
static atomic_ulong next_response_id = 1;

void st_an_config_default(struct st_an_config *c, double rate)
{
	memset(c, 0, sizeof(*c));
	c->rate = rate;
}

static double cabs2(const fftw_complex z)
{
	return z[0] * z[0] + z[1] * z[1];
}

/* Weighted least squares y = a + b x. */
static int linfit(const double *x, const double *y, const double *w, size_t n,
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
 * X is the stimulus spectrum; fbuf holds the spectrum of n * x[n]; t0, t1
 * bound the stimulus's active part (s).  The first pass uses every strong
 * bin, later passes only the bins half an octave inside the band the
 * previous pass found (the sweep's ends ripple) and near the line.
 * Returns 0 and sets *l, *a when the fit is good. */
static int fit_sweep(struct st_an_ctx *c, const fftw_complex *x, double fixed_l,
		     double t0, double t1, double *l, double *a)
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
		if (cabs2(x[k]) * (double)k > pmax)
			pmax = cabs2(x[k]) * (double)k;
	for (int pass = 0; pass < 3; pass++) {
		cnt = 0;
		for (size_t k = 2; k < bins; k++) {
			double p = cabs2(x[k]), f = (double)k * df, tau, lf;

			if (f > 0.49 * c->rate || p * (double)k < 0.01 * pmax || f < lo || f > hi)
				continue;
			/* tau = Re(Xt conj(X)) / |X|^2 / rate */
			tau = (c->fbuf[k][0] * x[k][0] + c->fbuf[k][1] * x[k][1]) / p / c->rate;
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
		} else if (linfit(fx, fy, fw, cnt, &fa, &fb)) {
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
static void spectral_band(struct st_an_ctx *c, const double *cum, double *f1, double *f2)
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
		if (cnt < 3 || linfit(fx, fy, fw, (size_t)cnt, &a, &b))
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

static void ctx_free_bufs(struct st_an_ctx *c)
{
	st_fft_destroy(c->fwd);
	st_fft_destroy(c->bwd);
	st_fft_destroy(c->wfwd);
	fftw_free(c->tbuf);
	fftw_free(c->fbuf);
	fftw_free(c->fbuf2);
	free(c->wgt);
	fftw_free(c->inv);
	fftw_free(c->wt);
	fftw_free(c->wf);
	fftw_free(c->wf2);
	fftw_free(c->ref_f);
}

void st_an_ctx_free(struct st_an_ctx *c)
{
	if (!c)
		return;
	ctx_free_bufs(c);
	free(c);
}

/* Band-edge taper below f1, as a minimum-phase filter (so its ringing
 * follows the IR peak instead of preceding it): 1 above f1, raised cosine
 * in log frequency down to f1/2, -120 dB below.  Computed by folding the
 * real cepstrum of log|B|; the result goes into dst (n/2+1 bins).  Uses
 * tbuf and fbuf. */
static void lo_taper_minphase(struct st_an_ctx *c, fftw_complex *dst)
{
	size_t bins = c->n / 2 + 1, half = c->n / 2;
	double df = c->rate / (double)c->n, floor_ln = log(1e-6);

	for (size_t k = 0; k < bins; k++) {
		double f = (double)k * df, lb;

		if (f >= c->f1)
			lb = 0;
		else if (f <= c->f1 / 2)
			lb = floor_ln;
		else
			lb = fmax(floor_ln, log(0.5 + 0.5 * cos(M_PI * log2(c->f1 / f))));
		c->fbuf[k][0] = lb;
		c->fbuf[k][1] = 0;
	}
	fftw_execute_dft_c2r(c->bwd, c->fbuf, c->tbuf);
	for (size_t i = 0; i < c->n; i++) {
		double v = c->tbuf[i] / (double)c->n;

		if (i == 0 || i == half)
			c->tbuf[i] = v;
		else if (i < half)
			c->tbuf[i] = 2 * v;
		else
			c->tbuf[i] = 0;
	}
	fftw_execute_dft_r2c(c->fwd, c->tbuf, c->fbuf);
	for (size_t k = 0; k < bins; k++) {
		double complex z = cexp(c->fbuf[k][0] + I * c->fbuf[k][1]);

		dst[k][0] = creal(z);
		dst[k][1] = cimag(z);
	}
}

/* inv = Blo(f) Bhi(f) X* / (|X|^2 + eps(f)), X in inv on entry, cum the
 * running sum of |X|^2.  Blo: minimum-phase taper below f1; Bhi: zero-phase
 * raised cosine (log f) from f2 to f2 * 2^(1/3).  eps: 1e-4 of the
 * 1/6-octave-smoothed |X|^2 in and near the band, cross-faded (log, 1/6
 * octave) to 1e3 of its maximum below f1/2 and above f2 * 2^(1/3). */
static int make_inverse(struct st_an_ctx *c, const double *cum)
{
	size_t bins = c->n / 2 + 1;
	double df = c->rate / (double)c->n, smax = 0, *sm;
	fftw_complex *blo;
	double elo = c->f1 / 2, ehi = c->f2 * pow(2.0, 1.0 / 3);

	sm = malloc(sizeof(double) * bins);
	blo = fftw_malloc(sizeof(fftw_complex) * bins);
	if (!sm || !blo) {
		free(sm);
		fftw_free(blo);
		return ST_ERR_MEM;
	}
	for (size_t k = 0; k < bins; k++) {
		size_t k0 = (size_t)((double)k * 0.890898718), k1 = (size_t)((double)k * 1.122462048) + 1;

		if (k1 > bins)
			k1 = bins;
		sm[k] = (cum[k1] - cum[k0]) / (double)(k1 - k0);
		if (sm[k] > smax)
			smax = sm[k];
	}
	lo_taper_minphase(c, blo);
	for (size_t k = 0; k < bins; k++) {
		double f = (double)k * df, p = cabs2(c->inv[k]), eps, r, bhi, den;
		double ein = EPS_IN * sm[k] + 1e-12 * smax, eout = EPS_OUT * smax;
		double complex v;

		if (k == 0) {
			c->inv[k][0] = c->inv[k][1] = 0;
			continue;
		}
		if (f < elo) {
			r = log2(elo / f) * 6;
			eps = r >= 1 ? eout : exp((1 - r) * log(ein) + r * log(eout));
		} else if (f > ehi) {
			r = log2(f / ehi) * 6;
			eps = r >= 1 ? eout : exp((1 - r) * log(ein) + r * log(eout));
		} else {
			eps = ein;
		}
		if (f <= c->f2)
			bhi = 1;
		else if (f >= ehi)
			bhi = 0;
		else
			bhi = 0.5 + 0.5 * cos(M_PI * 3 * log2(f / c->f2));
		den = p + eps;
		if (!(den > 0)) {
			c->inv[k][0] = c->inv[k][1] = 0;
			continue;
		}
		v = (blo[k][0] + I * blo[k][1]) * bhi * (c->inv[k][0] - I * c->inv[k][1]) / den;
		c->inv[k][0] = creal(v);
		c->inv[k][1] = cimag(v);
	}
	for (size_t k = 0; k < bins; k++)
		c->wgt[k] = smax > 0 ? sm[k] / smax : 0;
	free(sm);
	fftw_free(blo);
	return ST_OK;
}

int st_an_ctx_create(struct st_an_ctx **out, const float *stim, size_t n,
		     const struct st_an_config *cfg, char *err)
{
	struct st_an_ctx *c;
	size_t bins, first = n, last = 0, wlen;
	double peak = 0, *cum = NULL, pre_s, post_s, df;
	int ret;

	*out = NULL;
	if (!cfg || !(cfg->rate >= 1000 && cfg->rate <= 768000))
		return st_fail(err, ST_ERR_ARG, "analysis: sample rate %g Hz outside 1000..768000",
			       cfg ? cfg->rate : 0.0);
	ret = an_check_samples(stim, n, 1, "stimulus", err);
	if (ret)
		return ret;
	if ((double)n < 0.05 * cfg->rate)
		return st_fail(err, ST_ERR_ARG, "stimulus: %zu frames is shorter than 50 ms", n);
	if ((double)n > 600.0 * cfg->rate)
		return st_fail(err, ST_ERR_ARG, "stimulus: %zu frames is longer than 600 s", n);
	for (size_t i = 0; i < n; i++)
		if (fabs(stim[i]) > peak)
			peak = fabs(stim[i]);
	if (!(peak > 1e-7))
		return st_fail(err, ST_ERR_ARG, "stimulus: silent");
	for (size_t i = 0; i < n; i++) {
		if (fabs(stim[i]) >= 1e-3 * peak) {
			if (first == n)
				first = i;
			last = i;
		}
	}
	if (cfg->f1 < 0 || cfg->f2 < 0 || (cfg->f1 > 0 && cfg->f2 > 0 && cfg->f1 >= cfg->f2) ||
	    cfg->f2 > cfg->rate / 2)
		return st_fail(err, ST_ERR_ARG, "analysis: bad stimulus band %g..%g Hz", cfg->f1, cfg->f2);

	c = calloc(1, sizeof(*c));
	if (!c)
		return st_fail(err, ST_ERR_MEM, "analysis: out of memory");
	c->rate = cfg->rate;
	c->stim_len = n;
	c->t_end = (double)last / c->rate;
	c->max_capture = cfg->max_capture ? cfg->max_capture : n + (size_t)c->rate;
	if ((double)c->max_capture > 1200.0 * c->rate) {
		ret = st_fail(err, ST_ERR_ARG, "analysis: max capture %zu frames too long", c->max_capture);
		goto out_free;
	}
	c->n = st_fft_good_size(n + c->max_capture);
	while (c->n && (c->n & 1))
		c->n = st_fft_good_size(c->n + 1);
	if (!c->n) {
		ret = st_fail(err, ST_ERR_ARG, "analysis: capture too long");
		goto out_free;
	}
	bins = c->n / 2 + 1;
	df = c->rate / (double)c->n;
	c->tbuf = fftw_malloc(sizeof(double) * c->n);
	c->fbuf = fftw_malloc(sizeof(fftw_complex) * bins);
	c->fbuf2 = fftw_malloc(sizeof(fftw_complex) * bins);
	c->wgt = malloc(sizeof(double) * bins);
	c->inv = fftw_malloc(sizeof(fftw_complex) * bins);
	cum = malloc(sizeof(double) * (bins + 1));
	if (!c->tbuf || !c->fbuf || !c->fbuf2 || !c->wgt || !c->inv || !cum) {
		ret = st_fail(err, ST_ERR_MEM, "analysis: out of memory for %zu-point FFT", c->n);
		goto out_free;
	}
	c->fwd = st_fft_plan_r2c((int)c->n, c->tbuf, c->fbuf);
	c->bwd = st_fft_plan_c2r((int)c->n, c->fbuf, c->tbuf);
	if (!c->fwd || !c->bwd) {
		ret = st_fail(err, ST_ERR_MEM, "analysis: FFTW plan of %zu points failed", c->n);
		goto out_free;
	}

	/* X into inv (temporarily), spectrum of n*x[n] into fbuf. */
	for (size_t i = 0; i < c->n; i++)
		c->tbuf[i] = i < n ? stim[i] : 0.0;
	fftw_execute_dft_r2c(c->fwd, c->tbuf, c->inv);
	for (size_t i = 0; i < c->n; i++)
		c->tbuf[i] = i < n ? (double)i * stim[i] : 0.0;
	fftw_execute_dft_r2c(c->fwd, c->tbuf, c->fbuf);
	cum[0] = 0;
	for (size_t k = 0; k < bins; k++)
		cum[k + 1] = cum[k] + cabs2(c->inv[k]);

	c->sweep_l = NAN;
	c->sweep_a = NAN;
	if (cfg->sweep_l >= 0) {
		double l, a;

		if (!fit_sweep(c, c->inv, cfg->sweep_l, (double)first / c->rate, c->t_end, &l, &a)) {
			c->sweep_l = l;
			c->sweep_a = a;
		}
	}
	if (isfinite(c->sweep_l)) {
		c->f1 = exp(((double)first / c->rate - c->sweep_a) / c->sweep_l);
		c->f2 = exp((c->t_end - c->sweep_a) / c->sweep_l);
	} else {
		spectral_band(c, cum, &c->f1, &c->f2);
	}
	if (cfg->f1 > 0)
		c->f1 = cfg->f1;
	if (cfg->f2 > 0)
		c->f2 = cfg->f2;
	if (c->f2 > 0.4999 * c->rate)
		c->f2 = 0.4999 * c->rate;
	if (c->f1 < 2 * df)
		c->f1 = 2 * df;
	if (!(c->f1 < c->f2)) {
		ret = st_fail(err, ST_ERR_ARG, "stimulus: no usable band (%.1f..%.1f Hz)", c->f1, c->f2);
		goto out_free;
	}

	/* Regularised inverse (see the top of the file). */
	ret = make_inverse(c, cum);
	if (ret) {
		st_seterr(err, "analysis: out of memory");
		goto out_free;
	}

	/* IR windows. */
	pre_s = cfg->ir_pre_s > 0 ? cfg->ir_pre_s : 0.005;
	post_s = cfg->ir_post_s > 0 ? cfg->ir_post_s : 0.2;
	if (isfinite(c->sweep_l) && pre_s > 0.4 * c->sweep_l * log(2.0))
		pre_s = 0.4 * c->sweep_l * log(2.0);
	c->pre = (size_t)llround(pre_s * c->rate);
	c->post = (size_t)llround(post_s * c->rate);
	if (c->pre < 4)
		c->pre = 4;
	if (c->post < 16)
		c->post = 16;
	c->guard = (size_t)llround(GUARD_S * c->rate);
	wlen = c->pre + c->post;
	if (wlen * 3 > c->n) {
		ret = st_fail(err, ST_ERR_ARG, "analysis: IR window %.3f s too long for the stimulus",
			      (double)wlen / c->rate);
		goto out_free;
	}
	c->m = an_pow2_at_least(4 * wlen);
	c->wt = fftw_malloc(sizeof(double) * c->m);
	c->wf = fftw_malloc(sizeof(fftw_complex) * (c->m / 2 + 1));
	c->wf2 = fftw_malloc(sizeof(fftw_complex) * (c->m / 2 + 1));
	c->ref_f = fftw_malloc(sizeof(fftw_complex) * (c->m / 2 + 1));
	if (!c->wt || !c->wf || !c->wf2 || !c->ref_f) {
		ret = st_fail(err, ST_ERR_MEM, "analysis: out of memory");
		goto out_free;
	}
	c->wfwd = st_fft_plan_r2c((int)c->m, c->wt, c->wf);
	if (!c->wfwd) {
		ret = st_fail(err, ST_ERR_MEM, "analysis: FFTW plan of %zu points failed", c->m);
		goto out_free;
	}
	free(cum);
	*out = c;
	return ST_OK;
out_free:
	free(cum);
	st_an_ctx_free(c);
	return ret;
}

double st_an_ctx_f1(const struct st_an_ctx *c) { return c->f1; }
double st_an_ctx_f2(const struct st_an_ctx *c) { return c->f2; }
double st_an_ctx_sweep_l(const struct st_an_ctx *c) { return c->sweep_l; }
size_t st_an_ctx_stimulus_frames(const struct st_an_ctx *c) { return c->stim_len; }

size_t st_an_ctx_tail(const struct st_an_ctx *c)
{
	return (size_t)llround(LATENCY_ALLOW_S * c->rate) + c->post + c->guard +
	       (c->pre + c->post) + (c->stim_len - (size_t)llround(c->t_end * c->rate));
}

/* Taper of a window of len samples with `pre` before the peak: half-Hann
 * rise over the first pre/2, half-Hann fall over the last 10 %. */
static double taper(size_t k, size_t len, size_t pre)
{
	size_t rise = pre / 2, fall = len / 10;

	if (rise && k < rise)
		return 0.5 - 0.5 * cos(M_PI * ((double)k + 0.5) / (double)rise);
	if (fall && k >= len - fall)
		return 0.5 - 0.5 * cos(M_PI * ((double)(len - k) - 0.5) / (double)fall);
	return 1.0;
}

/* Copy the circular IR in tbuf (unnormalised: n times the IR) from signed
 * index start, len samples, tapered and scaled by 1/n, into wt
 * (zero-padded) and transform into dst. */
static void window_fft(struct st_an_ctx *c, long start, size_t len, fftw_complex *dst)
{
	long nn = (long)c->n;
	size_t idx = (size_t)((start % nn + nn) % nn), rise = c->pre / 2, fall = len / 10;
	double scale = 1.0 / (double)c->n;

	for (size_t k = 0; k < len; k++) {
		double v = c->tbuf[idx] * scale;

		if ((rise && k < rise) || (fall && k >= len - fall))
			v *= taper(k, len, c->pre);
		c->wt[k] = v;
		if (++idx == c->n)
			idx = 0;
	}
	memset(c->wt + len, 0, sizeof(double) * (c->m - len));
	fftw_execute_dft_r2c(c->wfwd, c->wt, dst);
}

/* Bins of band b inside the stimulus band (at least half the band, in
 * log frequency); 0 if the band is not measured. */
static int stim_band_bins(const struct st_an_ctx *c, int b, size_t *k0, size_t *k1)
{
	double lo = st_an_band_lo(b), hi = st_an_band_hi(b);
	double olo = lo > c->f1 ? lo : c->f1, ohi = hi < c->f2 ? hi : c->f2;

	if (!(ohi > olo) || log(ohi / olo) < 0.4 * log(hi / lo))
		return 0;
	return an_band_bins(olo, ohi, c->m, c->rate, k0, k1);
}

static double band_mean(const fftw_complex *s, size_t k0, size_t k1)
{
	double sum = 0;

	for (size_t k = k0; k <= k1; k++)
		sum += cabs2(s[k]);
	return sum / (double)(k1 - k0 + 1);
}

void st_an_response_free(struct st_an_response *r)
{
	if (!r)
		return;
	free(r->ir);
	r->ir = NULL;
	r->ir_len = 0;
}

int st_an_response(struct st_an_ctx *c, const float *x, size_t n, size_t stride,
		   struct st_an_response *out, char *err)
{
	size_t bins, wlen, best = 0;
	long nn, p, start;
	double bestv = -1, y0, y1, y2, d, delta = 0, scale, num[ST_AN_NBANDS] = { 0 };
	int nh[ST_AN_NBANDS] = { 0 };
	int ret;

	memset(out, 0, sizeof(*out));
	for (int b = 0; b < ST_AN_NBANDS; b++)
		out->band_db[b] = out->noise_db[b] = out->snr_db[b] = out->thd_pct[b] = NAN;
	out->latency_ms = out->peak = out->h1k_re = out->h1k_im = NAN;
	out->rate = c ? c->rate : 0;
	if (!c)
		return st_fail(err, ST_ERR_ARG, "analysis: no context");
	ret = an_check_samples(x, n, stride, "capture", err);
	if (ret)
		return ret;
	if (n > c->max_capture)
		return st_fail(err, ST_ERR_ARG, "capture: %zu frames is longer than the %zu the analysis was set up for",
			       n, c->max_capture);
	bins = c->n / 2 + 1;
	nn = (long)c->n;
	wlen = c->pre + c->post;

	{
		size_t clipped = 0;

		for (size_t i = 0; i < n; i++) {
			double v = (double)x[i * stride];

			clipped += fabs(v) >= 0.999;
			c->tbuf[i] = v;
		}
		out->clipped = clipped;
		memset(c->tbuf + n, 0, sizeof(double) * (c->n - n));
	}
	fftw_execute_dft_r2c(c->fwd, c->tbuf, c->fbuf);
	/* Deconvolve, and (one pass) weight by the stimulus's own spectrum for
	 * the peak search: a matched filter (the deconvolved noise is strongest
	 * where the stimulus is weakest). */
	for (size_t k = 0; k < bins; k++) {
		double re = c->fbuf[k][0] * c->inv[k][0] - c->fbuf[k][1] * c->inv[k][1];
		double im = c->fbuf[k][0] * c->inv[k][1] + c->fbuf[k][1] * c->inv[k][0];

		c->fbuf[k][0] = re;
		c->fbuf[k][1] = im;
		c->fbuf2[k][0] = re * c->wgt[k];
		c->fbuf2[k][1] = im * c->wgt[k];
	}
	/* Peak of the weighted IR from -pre to the end of the capture;
	 * parabolic. */
	fftw_execute_dft_c2r(c->bwd, c->fbuf2, c->tbuf);
	{
		size_t lo = c->pre < c->n ? c->n - c->pre : 0, hi = n < c->n ? n : c->n;

		for (size_t idx = lo; idx < c->n; idx++) {
			if (fabs(c->tbuf[idx]) > bestv) {
				bestv = fabs(c->tbuf[idx]);
				best = idx;
			}
		}
		for (size_t idx = 0; idx < hi; idx++) {
			if (fabs(c->tbuf[idx]) > bestv) {
				bestv = fabs(c->tbuf[idx]);
				best = idx;
			}
		}
	}
	p = (long)best > nn / 2 ? (long)best - nn : (long)best;
	y1 = c->tbuf[(p + nn) % nn];
	y0 = c->tbuf[(p - 1 + nn) % nn] * (y1 < 0 ? -1 : 1);
	y2 = c->tbuf[(p + 1 + nn) % nn] * (y1 < 0 ? -1 : 1);
	d = y0 - 2 * fabs(y1) + y2;
	if (d < 0)
		delta = 0.5 * (y0 - y2) / d;
	if (fabs(delta) > 0.5)
		delta = 0;
	out->latency_ms = ((double)p + delta) / c->rate * 1e3;

	/* The IR itself (left unnormalised in tbuf; window_fft scales). */
	fftw_execute_dft_c2r(c->bwd, c->fbuf, c->tbuf);
	scale = 1.0 / (double)c->n;
	out->peak = c->tbuf[(p + nn) % nn] * scale;

	/* Linear IR window. */
	start = p - (long)c->pre;
	out->ir = malloc(sizeof(float) * wlen);
	if (!out->ir)
		return st_fail(err, ST_ERR_MEM, "analysis: out of memory");
	out->ir_len = wlen;
	out->ir_zero = -start;
	out->id = atomic_fetch_add(&next_response_id, 1);
	window_fft(c, start, wlen, c->wf);
	for (size_t k = 0; k < wlen; k++)
		out->ir[k] = (float)c->wt[k];
	{
		/* sum wt[k] e^{-i w (k + start)}: a rotation recurrence,
		 * resynchronised every 1024 samples. */
		double w = 2 * M_PI * 1000.0 / c->rate, re = 0, im = 0, cr = 1, ci = 0;
		double sr = cos(w), si = sin(w);

		for (size_t k = 0; k < wlen; k++) {
			double t;

			if ((k & 1023) == 0) {
				double ph = w * (double)((long)k + start);

				cr = cos(ph);
				ci = sin(ph);
			}
			re += c->wt[k] * cr;
			im -= c->wt[k] * ci;
			t = cr * sr - ci * si;
			ci = ci * sr + cr * si;
			cr = t;
		}
		if (1000.0 >= c->f1 && 1000.0 <= c->f2) {
			out->h1k_re = re;
			out->h1k_im = im;
		}
	}
	for (int b = 0; b < ST_AN_NBANDS; b++) {
		size_t k0, k1;

		if (stim_band_bins(c, b, &k0, &k1))
			out->band_db[b] = an_db10(band_mean(c->wf, k0, k1));
	}

	/* Noise window after the IR (as late as the capture allows); valid for
	 * a band when every frequency in it had capture noise behind it for
	 * the whole window. */
	{
		long ns = p + (long)(c->post + c->guard);
		long late = (long)n - (long)llround(c->t_end * c->rate) - (long)wlen - 1;

		/* As late as the capture allows: further from the IR's tail. */
		if (late > ns)
			ns = late;
		double tend = (double)(ns + (long)wlen) / c->rate, cap_s = (double)n / c->rate;

		window_fft(c, ns, wlen, c->wf2);
		for (int b = 0; b < ST_AN_NBANDS; b++) {
			size_t k0, k1;
			double fh = st_an_band_hi(b) < c->f2 ? st_an_band_hi(b) : c->f2, tx;

			if (!isfinite(out->band_db[b]) || !stim_band_bins(c, b, &k0, &k1))
				continue;
			tx = isfinite(c->sweep_l) ? c->sweep_a + c->sweep_l * log(fh) : c->t_end;
			if (ns < 0 || tend + tx > cap_s + 1e-9)
				continue;
			out->noise_db[b] = an_db10(band_mean(c->wf2, k0, k1));
			out->snr_db[b] = out->band_db[b] - out->noise_db[b];
		}
	}

	/* Harmonic IRs k = 2..5, L ln k before the linear one. */
	if (isfinite(c->sweep_l)) {
		for (int k = 2; k <= ST_AN_MAX_HARMONIC; k++) {
			double room = c->sweep_l * log((double)k / (k - 1)) * 0.9 * c->rate - 2.0 * (double)c->pre;
			size_t post = room < (double)c->post ? (size_t)(room > 0 ? room : 0) : c->post;
			long hk = p - (long)llround(c->sweep_l * log((double)k) * c->rate);

			if (post < (size_t)(0.002 * c->rate))
				continue;
			window_fft(c, hk - (long)c->pre, c->pre + post, c->wf2);
			for (int b = 0; b < ST_AN_NBANDS; b++) {
				size_t k0, k1;
				double sum = 0;

				if (!stim_band_bins(c, b, &k0, &k1))
					continue;
				if ((double)k * st_an_band_hi(b) > c->f2 || (size_t)k * k1 > c->m / 2)
					continue;
				for (size_t j = k0; j <= k1; j++)
					sum += cabs2(c->wf2[(size_t)k * j]);
				num[b] += sum / (double)(k1 - k0 + 1);
				nh[b]++;
			}
		}
		for (int b = 0; b < ST_AN_NBANDS; b++) {
			size_t k0, k1;
			double den;

			if (!nh[b] || !stim_band_bins(c, b, &k0, &k1))
				continue;
			den = band_mean(c->wf, k0, k1);
			if (den > 0)
				out->thd_pct[b] = 100.0 * sqrt(num[b] / den);
		}
	}
	return ST_OK;
}

int st_an_judgeable(const struct st_an_response *r, double f_lo, double f_hi,
		    double min_snr_db, char *why)
{
	int seen = 0;

	if (!r || !r->ir) {
		st_seterr(why, "no response");
		return 0;
	}
	if (r->clipped) {
		st_seterr(why, "capture clipped (%zu samples at full scale)", r->clipped);
		return 0;
	}
	for (int b = 0; b < ST_AN_NBANDS; b++) {
		double fc = st_an_band_centre(b);

		if (fc < f_lo * 0.99 || fc > f_hi * 1.01 || !isfinite(r->band_db[b]))
			continue;
		seen++;
		if (!isfinite(r->snr_db[b])) {
			st_seterr(why, "no noise floor in the %g Hz band (capture tail too short)",
				  st_an_band_nominal(b));
			return 0;
		}
		if (r->snr_db[b] < min_snr_db) {
			st_seterr(why, "SNR %.1f dB < %g dB in the %g Hz band", r->snr_db[b],
				  min_snr_db, st_an_band_nominal(b));
			return 0;
		}
	}
	if (!seen) {
		st_seterr(why, "no band measured in %g..%g Hz", f_lo, f_hi);
		return 0;
	}
	st_seterr(why, "ok");
	return 1;
}

void st_an_anc(const struct st_an_response *open, const struct st_an_response *off,
	       const struct st_an_response *on, struct st_an_anc *out)
{
	for (int b = 0; b < ST_AN_NBANDS; b++) {
		out->active_db[b] = off && on ? off->band_db[b] - on->band_db[b] : NAN;
		out->passive_db[b] = open && off ? open->band_db[b] - off->band_db[b] : NAN;
		out->total_db[b] = open && on ? open->band_db[b] - on->band_db[b] : NAN;
	}
}

static double wrap_deg(double d)
{
	d = fmod(d, 360.0);
	if (d <= -180.0)
		d += 360.0;
	else if (d > 180.0)
		d -= 360.0;
	return d;
}

/* Put a response's windowed IR into wt at offset off and transform to dst. */
static void ir_fft(struct st_an_ctx *c, const struct st_an_response *r, size_t off,
		   fftw_complex *dst)
{
	memset(c->wt, 0, sizeof(double) * c->m);
	for (size_t k = 0; k < r->ir_len; k++)
		c->wt[off + k] = r->ir[k];
	fftw_execute_dft_r2c(c->wfwd, c->wt, dst);
}

/* Spectrum of ref's windowed IR at offset off into dst: transformed at
 * offset 0 once per reference (kept in ref_f), then shifted by a phase
 * ramp e^{-i 2 pi k off / m} (a rotation recurrence, resynchronised every
 * 256 bins); exact as long as the IR does not wrap, which st_an_align
 * checks. */
static void ref_spectrum(struct st_an_ctx *c, const struct st_an_response *ref, size_t off,
			 fftw_complex *dst)
{
	size_t bins = c->m / 2 + 1;
	double w = -2 * M_PI * (double)off / (double)c->m, sr = cos(w), si = sin(w), rr = 1, ri = 0;

	if (!ref->id || ref->id != c->ref_id || ref->ir_len + off > c->m) {
		if (ref->ir_len + off > c->m || !ref->id) {
			c->ref_id = 0;
			ir_fft(c, ref, off, dst);
			return;
		}
		ir_fft(c, ref, 0, c->ref_f);
		c->ref_id = ref->id;
	}
	if (off == 0) {
		memcpy(dst, c->ref_f, sizeof(fftw_complex) * bins);
		return;
	}
	for (size_t k = 0; k < bins; k++) {
		double t;

		if ((k & 255) == 0) {
			rr = cos(w * (double)k);
			ri = sin(w * (double)k);
		}
		dst[k][0] = c->ref_f[k][0] * rr - c->ref_f[k][1] * ri;
		dst[k][1] = c->ref_f[k][0] * ri + c->ref_f[k][1] * rr;
		t = rr * sr - ri * si;
		ri = ri * sr + rr * si;
		rr = t;
	}
}

int st_an_align(struct st_an_ctx *c, const struct st_an_response *ref,
		const struct st_an_response *ch, double f_lo, double f_hi,
		struct st_an_align *out, char *err)
{
	long sr, sc, s0, e0;
	size_t k0, k1, cnt, bins;
	double df, tau, a = 0, b = 0, gmax = 0;
	double *fx = NULL, *fy = NULL, *fw = NULL;
	double complex g1k;
	int ret = ST_ERR_MEM;

	memset(out, 0, sizeof(*out));
	out->delay_us = out->gain_db = out->phase_deg = NAN;
	out->polarity = 1;
	for (int i = 0; i < ST_AN_NBANDS; i++)
		out->band_gain_db[i] = out->band_phase_deg[i] = NAN;
	if (!c || !ref || !ch || !ref->ir || !ch->ir)
		return st_fail(err, ST_ERR_ARG, "align: missing response");
	if (ref->rate != c->rate || ch->rate != c->rate)
		return st_fail(err, ST_ERR_ARG, "align: responses not from this analysis (rate)");
	sr = -ref->ir_zero;
	sc = -ch->ir_zero;
	s0 = sr < sc ? sr : sc;
	e0 = sr + (long)ref->ir_len > sc + (long)ch->ir_len ? sr + (long)ref->ir_len : sc + (long)ch->ir_len;
	if ((size_t)(e0 - s0) > c->m)
		return st_fail(err, ST_ERR_ARG, "align: channels %.1f ms apart, more than the %.1f ms window allows",
			       fabs(ch->latency_ms - ref->latency_ms),
			       (double)(c->m - ref->ir_len) / c->rate * 1e3);
	if (f_lo <= 0)
		f_lo = 100.0;
	if (f_hi <= 0)
		f_hi = 8000.0;
	if (f_lo < c->f1 * 1.2)
		f_lo = c->f1 * 1.2;
	if (f_hi > c->f2 / 1.2)
		f_hi = c->f2 / 1.2;
	if (!(f_hi > f_lo * 1.5) || !an_band_bins(f_lo, f_hi, c->m, c->rate, &k0, &k1) || k1 - k0 < 8)
		return st_fail(err, ST_ERR_ARG, "align: no usable band (%.0f..%.0f Hz)", f_lo, f_hi);

	bins = c->m / 2 + 1;
	df = c->rate / (double)c->m;
	ref_spectrum(c, ref, (size_t)(sr - s0), c->wf2);
	ir_fft(c, ch, (size_t)(sc - s0), c->wf);
	/* Cross spectrum G = Hch conj(Href) into wf (Href stays in wf2). */
	for (size_t k = 0; k < bins; k++) {
		double re = c->wf[k][0] * c->wf2[k][0] + c->wf[k][1] * c->wf2[k][1];
		double im = c->wf[k][1] * c->wf2[k][0] - c->wf[k][0] * c->wf2[k][1];
		double pc = cabs2(c->wf[k]);

		c->wt[k] = pc; /* |Hch|^2, kept for the band gains */
		c->wf[k][0] = re;
		c->wf[k][1] = im;
		if (k >= k0 && k <= k1 && re * re + im * im > gmax)
			gmax = re * re + im * im;
	}
	fx = malloc(sizeof(double) * (k1 - k0 + 1));
	fy = malloc(sizeof(double) * (k1 - k0 + 1));
	fw = malloc(sizeof(double) * (k1 - k0 + 1));
	if (!fx || !fy || !fw) {
		st_seterr(err, "align: out of memory");
		goto out_free;
	}
	if (!(gmax > 0)) {
		ret = st_fail(err, ST_ERR_ARG, "align: a channel is silent");
		goto out_free;
	}
	/* Least-squares phase slope around the peak-to-peak delay. */
	tau = (ch->latency_ms - ref->latency_ms) * 1e-3;
	for (int it = 0; it < 3; it++) {
		double prev = 0, unwrap = 0, rr = 1, ri = 0;
		double ws = cos(2 * M_PI * df * tau), wsi = sin(2 * M_PI * df * tau);
		int have = 0;

		cnt = 0;
		for (size_t k = k0; k <= k1; k++) {
			double g2 = c->wf[k][0] * c->wf[k][0] + c->wf[k][1] * c->wf[k][1];
			double w = 2 * M_PI * (double)k * df, ph, pr, pi2, t;

			/* rr + i ri = e^{i w tau}: a rotation recurrence,
			 * resynchronised every 256 bins. */
			if (((k - k0) & 255) == 0) {
				rr = cos(w * tau);
				ri = sin(w * tau);
			} else {
				t = rr * ws - ri * wsi;
				ri = ri * ws + rr * wsi;
				rr = t;
			}
			if (g2 < 1e-8 * gmax)
				continue;
			ph = atan2(c->wf[k][1] * rr + c->wf[k][0] * ri, c->wf[k][0] * rr - c->wf[k][1] * ri);
			if (have) {
				double dd = ph + unwrap - prev;

				while (dd > M_PI) {
					unwrap -= 2 * M_PI;
					dd -= 2 * M_PI;
				}
				while (dd < -M_PI) {
					unwrap += 2 * M_PI;
					dd += 2 * M_PI;
				}
			}
			ph += unwrap;
			prev = ph;
			have = 1;
			pr = cabs2(c->wf2[k]);
			pi2 = c->wt[k];
			fx[cnt] = w;
			fy[cnt] = ph;
			fw[cnt] = pr * pi2 / (pr + pi2);
			cnt++;
		}
		if (cnt < 8 || linfit(fx, fy, fw, cnt, &a, &b)) {
			ret = st_fail(err, ST_ERR_ARG, "align: phase fit failed");
			goto out_free;
		}
		tau -= b;
	}
	out->delay_us = tau * 1e6;
	out->polarity = cos(a) < 0 ? -1 : 1;

	g1k = (ch->h1k_re + I * ch->h1k_im) * conj(ref->h1k_re + I * ref->h1k_im);
	if (isfinite(creal(g1k)) && cabs(g1k) > 0) {
		double pr = ref->h1k_re * ref->h1k_re + ref->h1k_im * ref->h1k_im;

		out->gain_db = 10 * log10(cabs(g1k) * cabs(g1k) / (pr * pr));
		out->phase_deg = wrap_deg(carg(g1k) * 180 / M_PI + (out->polarity < 0 ? 180.0 : 0.0));
	}
	for (int bnd = 0; bnd < ST_AN_NBANDS; bnd++) {
		size_t j0, j1;
		double pc = 0, pr = 0, re = 0, im = 0;

		if (!stim_band_bins(c, bnd, &j0, &j1))
			continue;
		for (size_t k = j0; k <= j1; k++) {
			pc += c->wt[k];
			pr += cabs2(c->wf2[k]);
			re += c->wf[k][0];
			im += c->wf[k][1];
		}
		if (pr > 0 && pc > 0) {
			out->band_gain_db[bnd] = 10 * log10(pc / pr);
			out->band_phase_deg[bnd] = wrap_deg(atan2(im, re) * 180 / M_PI +
							    (out->polarity < 0 ? 180.0 : 0.0));
		}
	}
	ret = ST_OK;
out_free:
	free(fx);
	free(fy);
	free(fw);
	return ret;
}
