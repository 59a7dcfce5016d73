/*
 * ctx.c - the deconvolution context (see ctx.h): made once per stimulus,
 * reused for every channel of every capture.
 *
 * It holds the regularised inverse of the stimulus
 *     Xinv = Blo(f) Bhi(f) X* / (|X|^2 + eps(f)) / n,
 * eps = 1e-4 of the 1/6-octave-smoothed |X|^2 inside the stimulus band,
 * 1e3 of its maximum outside, cross-faded (log) over 1/6 octave beyond
 * each edge; Blo a minimum-phase taper below f1, Bhi a zero-phase taper
 * above f2.  A capture's impulse response is IFFT(Y Xinv); with an FFT
 * size of at least stimulus + capture the k-th harmonic IR of an
 * exponential sweep lands L ln k before the linear one (at the end of the
 * circular buffer), clear of it.  Also made here: the matched weighting
 * for the peak search, the IR window sizes, every band's bins, and all
 * FFTW plans (through fft.h).
 */
#include "analysis/analysis.h"
#include "analysis/ctx.h"
#include "analysis/fft.h"
#include "analysis/internal.h"
#include "core/st.h"

#include <complex.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

void st_an_config_default(struct st_an_config *c, double rate)
{
	memset(c, 0, sizeof(*c));
	c->rate = rate;
}

static void work_free(struct an_work *w)
{
	if (!w)
		return;
	fftwf_free(w->tbuf);
	fftwf_free(w->fbuf);
	fftw_free(w->dbuf);
	fftw_free(w->dspec);
	fftw_free(w->wt);
	fftw_free(w->lt);
	fftw_free(w->wf);
	fftw_free(w->wf2);
	free(w);
}

void st_an_ctx_free(struct st_an_ctx *c)
{
	if (!c)
		return;
	st_fft_destroy_single(c->fwd);
	st_fft_destroy_single(c->bwd);
	st_fft_destroy(c->dbwd);
	st_fft_destroy(c->wfwd);
	st_fft_destroy(c->wbwd);
	for (int k = 0; k <= ST_AN_MAX_HARMONIC; k++)
		st_fft_destroy(c->hfwd[k]);
	for (int i = 0; i < c->nwork; i++)
		work_free(c->work[i]);
	free(c->wgt);
	free(c->wgt_m);
	free(c->rise);
	for (int k = 0; k <= ST_AN_MAX_HARMONIC; k++)
		free(c->fall[k]);
	fftwf_free(c->inv);
	free(c->planar);
	free(c);
}

/* Workspace i: its n-size buffers always, the m- and dec-size ones once
 * m and dec are known. */
int an_work_get(struct st_an_ctx *c, int i, struct an_work **out)
{
	struct an_work *w = c->work[i];
	size_t bins = c->n / 2 + 1, mb = c->m / 2 + 1, nd = c->dec ? c->n / c->dec : 0;

	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w)
			return ST_ERR_MEM;
		c->work[i] = w;
		if (i >= c->nwork)
			c->nwork = i + 1;
		w->tbuf = fftwf_malloc(sizeof(float) * c->n);
		w->fbuf = fftwf_malloc(sizeof(fftwf_complex) * bins);
		if (!w->tbuf || !w->fbuf)
			return ST_ERR_MEM;
	}
	if (c->m && !w->wt) {
		w->dbuf = fftw_malloc(sizeof(double) * nd);
		w->dspec = fftw_malloc(sizeof(fftw_complex) * (nd / 2 + 1));
		w->wt = fftw_malloc(sizeof(double) * c->m);
		w->wt_dirty = c->m;
		w->lt = fftw_malloc(sizeof(double) * c->m);
		w->wf = fftw_malloc(sizeof(fftw_complex) * mb);
		w->wf2 = fftw_malloc(sizeof(fftw_complex) * mb);
		if (!w->dbuf || !w->dspec || !w->wt || !w->lt || !w->wf || !w->wf2) {
			fftw_free(w->wt);
			w->wt = NULL;
			return ST_ERR_MEM;
		}
	}
	*out = w;
	return ST_OK;
}

/* What the threads of one an_parallel share: the next item to take. */
struct par_shared {
	atomic_size_t next;
	atomic_int stop;      /* an item failed: take no more */
};

/* One thread of an_parallel: the next untaken item, until none is left
 * or one fails (items differ in cost: a channel whose window moves, a
 * channel that cannot be aligned; taking them as they come keeps both
 * cores busy to the end). */
struct par_job {
	const struct st_an_ctx *c;
	struct an_work *w;
	an_item_fn fn;
	void *arg;
	size_t n;
	struct par_shared *sh;
	size_t failed;        /* the item that failed */
	int ret;              /* its error */
	char err[ST_ERRLEN];
};

static void *par_thread(void *arg)
{
	struct par_job *j = arg;

	while (!atomic_load(&j->sh->stop)) {
		size_t i = atomic_fetch_add(&j->sh->next, 1);

		if (i >= j->n)
			break;
		j->ret = j->fn(j->c, j->w, i, j->arg, j->err);
		if (j->ret) {
			j->failed = i;
			atomic_store(&j->sh->stop, 1);
		}
	}
	return NULL;
}

int an_parallel(struct st_an_ctx *c, size_t n, int threads, an_item_fn fn, void *arg, char *err)
{
	struct par_job job[AN_MAX_THREADS];
	struct par_shared sh;
	pthread_t tid[AN_MAX_THREADS];
	size_t failed = n;
	int started = 0, ret = ST_OK;

	if (threads < 1)
		threads = 1;
	if (threads > AN_MAX_THREADS)
		threads = AN_MAX_THREADS;
	if ((size_t)threads > n)
		threads = n ? (int)n : 1;
	for (int t = 0; t < threads; t++) {
		struct an_work *w;

		if (an_work_get(c, t, &w))
			return st_fail(err, ST_ERR_MEM, "analysis: out of memory for %d threads", threads);
		job[t] = (struct par_job){ .c = c, .w = w, .fn = fn, .arg = arg, .n = n, .sh = &sh };
	}
	atomic_init(&sh.next, 0);
	atomic_init(&sh.stop, 0);
	for (int t = 1; t < threads; t++, started++)
		if (pthread_create(&tid[t], NULL, par_thread, &job[t]))
			break;
	/* Items of threads that could not start are done here. */
	for (int t = 1 + started; t < threads; t++)
		par_thread(&job[t]);
	par_thread(&job[0]);
	for (int t = 1; t <= started; t++)
		pthread_join(tid[t], NULL);
	for (int t = 0; t < threads; t++) {
		if (job[t].ret && job[t].failed < failed) {
			failed = job[t].failed;
			ret = job[t].ret;
			st_seterr(err, "%s", job[t].err);
		}
	}
	return ret;
}

/* What set-up alone needs, in double precision, freed once the context
 * is made. */
struct an_setup {
	double *t;            /* n reals: scratch */
	fftw_complex *x;      /* n/2+1 bins: the stimulus spectrum X */
	fftw_complex *xt;     /* n/2+1 bins: spectrum of n x[n], then Blo */
	fftw_plan fwd, bwd;   /* n-point r2c and c2r (FFTW_ESTIMATE and no
	                       * keeper: made once per context, not worth
	                       * wisdom, nor twiddles kept for the next) */
};

/* Band-edge taper below f1, as a minimum-phase filter (so its ringing
 * follows the IR peak instead of preceding it): 1 above f1, raised cosine
 * in log frequency down to f1/2, -120 dB below.  Computed by folding the
 * real cepstrum of log|B|; the result is left in s->xt (n/2+1 bins), s->t
 * its scratch. */
static void lo_taper_minphase(struct st_an_ctx *c, struct an_setup *s)
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
		s->xt[k][0] = lb;
		s->xt[k][1] = 0;
	}
	fftw_execute_dft_c2r(s->bwd, s->xt, s->t);
	for (size_t i = 0; i < c->n; i++) {
		double v = s->t[i] / (double)c->n;

		if (i == 0 || i == half)
			s->t[i] = v;
		else if (i < half)
			s->t[i] = 2 * v;
		else
			s->t[i] = 0;
	}
	fftw_execute_dft_r2c(s->fwd, s->t, s->xt);
	for (size_t k = 0; k < bins; k++) {
		double complex z = cexp(s->xt[k][0] + I * s->xt[k][1]);

		s->xt[k][0] = creal(z);
		s->xt[k][1] = cimag(z);
	}
}

/* inv = Blo(f) Bhi(f) X* / (|X|^2 + eps(f)) from X in s, cum the running
 * sum of |X|^2.  Blo: minimum-phase taper below f1; Bhi: zero-phase
 * raised cosine (log f) from f2 to f2 * 2^(1/3).  eps: 1e-4 of the
 * 1/6-octave-smoothed |X|^2 in and near the band, cross-faded (log, 1/6
 * octave) to 1e3 of its maximum below f1/2 and above f2 * 2^(1/3). */
static int make_inverse(struct st_an_ctx *c, struct an_setup *s, const double *cum)
{
	size_t bins = c->n / 2 + 1;
	double df = c->rate / (double)c->n, smax = 0, *sm;
	const fftw_complex *blo = s->xt;
	double elo = c->f1 / 2, ehi = c->f2 * pow(2.0, 1.0 / 3);

	sm = malloc(sizeof(double) * bins);
	if (!sm)
		return ST_ERR_MEM;
	for (size_t k = 0; k < bins; k++) {
		size_t k0 = (size_t)((double)k * 0.890898718), k1 = (size_t)((double)k * 1.122462048) + 1;

		if (k1 > bins)
			k1 = bins;
		sm[k] = (cum[k1] - cum[k0]) / (double)(k1 - k0);
		if (sm[k] > smax)
			smax = sm[k];
	}
	lo_taper_minphase(c, s);
	for (size_t k = 0; k < bins; k++) {
		double f = (double)k * df, p = an_cabs2(s->x[k]), eps, r, bhi, den;
		double ein = AN_EPS_IN * sm[k] + 1e-12 * smax, eout = AN_EPS_OUT * smax;
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
		den = (p + eps) * (double)c->n;
		if (!(den > 0)) {
			c->inv[k][0] = c->inv[k][1] = 0;
			continue;
		}
		v = (blo[k][0] + I * blo[k][1]) * bhi * (s->x[k][0] - I * s->x[k][1]) / den;
		c->inv[k][0] = (float)creal(v);
		c->inv[k][1] = (float)cimag(v);
	}
	for (size_t k = 0; k < bins; k++)
		c->wgt[k] = smax > 0 ? (float)(sm[k] / smax) : 0;
	free(sm);
	return ST_OK;
}


/* Check the arguments; first and last sample of the stimulus's active
 * part (>= 1e-3 of its peak). */
static int check_stimulus(const float *stim, size_t n, const struct st_an_config *cfg,
			  size_t *first, size_t *last, char *err)
{
	double peak = 0;
	int ret;

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
	*first = n;
	*last = 0;
	for (size_t i = 0; i < n; i++) {
		if (fabs(stim[i]) >= 1e-3 * peak) {
			if (*first == n)
				*first = i;
			*last = i;
		}
	}
	if (cfg->f1 < 0 || cfg->f2 < 0 || (cfg->f1 > 0 && cfg->f2 > 0 && cfg->f1 >= cfg->f2) ||
	    cfg->f2 > cfg->rate / 2)
		return st_fail(err, ST_ERR_ARG, "analysis: bad stimulus band %g..%g Hz", cfg->f1, cfg->f2);
	return ST_OK;
}

/* Free what s holds; again is harmless. */
static void setup_free(struct an_setup *s)
{
	st_fft_destroy(s->fwd);
	st_fft_destroy(s->bwd);
	fftw_free(s->t);
	fftw_free(s->x);
	fftw_free(s->xt);
	memset(s, 0, sizeof(*s));
}

/* X and the spectrum of n x[n] of the stimulus (n frames) into s. */
static int setup_spectra(const struct st_an_ctx *c, struct an_setup *s, const float *stim,
			 size_t n, char *err)
{
	size_t bins = c->n / 2 + 1;

	memset(s, 0, sizeof(*s));
	s->t = fftw_malloc(sizeof(double) * c->n);
	s->x = fftw_malloc(sizeof(fftw_complex) * bins);
	s->xt = fftw_malloc(sizeof(fftw_complex) * bins);
	if (!s->t || !s->x || !s->xt)
		return st_fail(err, ST_ERR_MEM, "analysis: out of memory for %zu-point FFT", c->n);
	s->fwd = st_fft_plan_r2c_once((int)c->n, s->t, s->x);
	s->bwd = st_fft_plan_c2r_once((int)c->n, s->xt, s->t);
	if (!s->fwd || !s->bwd)
		return st_fail(err, ST_ERR_MEM, "analysis: FFTW plan of %zu points failed", c->n);
	for (size_t i = 0; i < c->n; i++)
		s->t[i] = i < n ? stim[i] : 0.0;
	fftw_execute_dft_r2c(s->fwd, s->t, s->x);
	for (size_t i = 0; i < c->n; i++)
		s->t[i] = i < n ? (double)i * stim[i] : 0.0;
	fftw_execute_dft_r2c(s->fwd, s->t, s->xt);
	return ST_OK;
}

/* The deconvolution's FFT size, and the inverse's and weighting's
 * arrays. */
static int setup_n(struct st_an_ctx *c, char *err)
{
	size_t bins;

	c->n = st_fft_good_size(c->stim_len + c->max_capture);
	while (c->n && (c->n & 1))
		c->n = st_fft_good_size(c->n + 1);
	if (!c->n)
		return st_fail(err, ST_ERR_ARG, "analysis: capture too long");
	bins = c->n / 2 + 1;
	c->wgt = malloc(sizeof(float) * bins);
	c->inv = fftwf_malloc(sizeof(fftwf_complex) * bins);
	if (!c->wgt || !c->inv)
		return st_fail(err, ST_ERR_MEM, "analysis: out of memory for %zu-point FFT", c->n);
	return ST_OK;
}

/* Workspace 0 and the channels' n-point plans, made once the set-up's
 * double-precision buffers and plans are gone (so that the two are never
 * held at once: megabytes at sweep sizes). */
static int setup_plans(struct st_an_ctx *c, char *err)
{
	struct an_work *w;

	if (an_work_get(c, 0, &w))
		return st_fail(err, ST_ERR_MEM, "analysis: out of memory for %zu-point FFT", c->n);
	c->fwd = st_fft_plan_r2c_single_tuned((int)c->n, w->tbuf, w->fbuf);
	c->bwd = st_fft_plan_c2r_single_tuned((int)c->n, w->fbuf, w->tbuf);
	if (!c->fwd || !c->bwd)
		return st_fail(err, ST_ERR_MEM, "analysis: FFTW plan of %zu points failed", c->n);
	return ST_OK;
}

/* The stimulus band (and sweep constant) from X and the spectrum of
 * n x[n] (in s); cum is the running sum of |X|^2. */
static int find_band(struct st_an_ctx *c, const struct st_an_config *cfg, const struct an_setup *s,
		     size_t first, const double *cum, char *err)
{
	double df = c->rate / (double)c->n;

	c->sweep_l = NAN;
	c->sweep_a = NAN;
	if (cfg->sweep_l >= 0) {
		double l, a;

		if (!an_fit_sweep(c, s->x, s->xt, cfg->sweep_l, (double)first / c->rate,
				  c->t_end, &l, &a)) {
			c->sweep_l = l;
			c->sweep_a = a;
		}
	}
	if (isfinite(c->sweep_l)) {
		c->f1 = exp(((double)first / c->rate - c->sweep_a) / c->sweep_l);
		c->f2 = exp((c->t_end - c->sweep_a) / c->sweep_l);
	} else {
		an_spectral_band(c, cum, &c->f1, &c->f2);
	}
	if (cfg->f1 > 0)
		c->f1 = cfg->f1;
	if (cfg->f2 > 0)
		c->f2 = cfg->f2;
	if (c->f2 > 0.4999 * c->rate)
		c->f2 = 0.4999 * c->rate;
	if (c->f1 < 2 * df)
		c->f1 = 2 * df;
	if (!(c->f1 < c->f2))
		return st_fail(err, ST_ERR_ARG, "stimulus: no usable band (%.1f..%.1f Hz)", c->f1, c->f2);
	return ST_OK;
}

/* Smallest m >= at_least that is a multiple of 60 with no prime factor
 * above 7; 0 on overflow. */
static size_t window_size(size_t at_least)
{
	for (size_t m = (at_least + 59) / 60 * 60; m < (size_t)1 << 30; m += 60)
		if (st_fft_good_size(m) == m)
			return m;
	return 0;
}

/* Per band: its bins at m (inside the stimulus band, at least 40 % of it
 * in log frequency) and when the stimulus has passed its top. */
static void band_tables(struct st_an_ctx *c)
{
	for (int b = 0; b < ST_AN_NBANDS; b++) {
		double lo = st_an_band_lo(b), hi = st_an_band_hi(b);
		double olo = lo > c->f1 ? lo : c->f1, ohi = hi < c->f2 ? hi : c->f2;

		c->band_ok[b] = ohi > olo && log(ohi / olo) >= 0.4 * log(hi / lo) &&
				an_band_bins(olo, ohi, c->m, c->rate, &c->band_k0[b], &c->band_k1[b]);
		c->band_tx[b] = isfinite(c->sweep_l) ? c->sweep_a + c->sweep_l * log(ohi) : c->t_end;
	}
}

/* Harmonic windows: harmonic k's IR lies L ln k before the linear one;
 * its window is shortened to stay clear of its neighbours. */
static void harmonic_windows(struct st_an_ctx *c)
{
	for (int k = 2; k <= ST_AN_MAX_HARMONIC && isfinite(c->sweep_l); k++) {
		double room = c->sweep_l * log((double)k / (k - 1)) * 0.9 * c->rate - 2.0 * (double)c->pre;
		size_t post = room < (double)c->post ? (size_t)(room > 0 ? room : 0) : c->post;

		c->hlen[k] = post < (size_t)(0.002 * c->rate) ? 0 : c->pre + post;
	}
}

/* The windows' tapers: half-Hann rise over the first pre/2 samples,
 * half-Hann fall over the last 10 %. */
static int tapers(struct st_an_ctx *c)
{
	size_t rise = c->pre / 2;

	c->rise = malloc(sizeof(double) * (rise + 1));
	if (!c->rise)
		return ST_ERR_MEM;
	for (size_t k = 0; k < rise; k++)
		c->rise[k] = 0.5 - 0.5 * cos(M_PI * ((double)k + 0.5) / (double)rise);
	for (int h = 0; h <= ST_AN_MAX_HARMONIC; h++) {
		size_t len = c->hlen[h], fall = len / 10;

		if (!len)
			continue;
		c->fall[h] = malloc(sizeof(double) * (fall + 1));
		if (!c->fall[h])
			return ST_ERR_MEM;
		for (size_t k = len - fall; k < len; k++)
			c->fall[h][k - (len - fall)] = 0.5 - 0.5 * cos(M_PI * ((double)(len - k) - 0.5) / (double)fall);
	}
	return ST_OK;
}

/* Decimation of the coarse peak search: the largest of 8, 4, 2 that
 * divides n (n is even) and leaves a peak up to 2 dec samples from the
 * coarse one in the flat part of the linear window (which starts pre
 * before the coarse peak and rises over pre/2).  The peak is then looked
 * for at full rate within pre/2 of the coarse one (response.c), so a
 * narrow peak the decimated samples undersold is not lost to a broad lobe
 * beside it (at 16, test_analysis's inverted speaker read 1.55 ms late
 * without that; at 8 the window still has to move for about one channel
 * in four of bench_analysis's capture, so 16 saves nothing). */
static size_t peak_decimation(size_t n, size_t pre)
{
	for (size_t dec = 8; dec > 2; dec /= 2)
		if (n % dec == 0 && 2 * dec <= pre / 2)
			return dec;
	return 2;
}

/* IR windows, the m-point window size, its buffers and plans, band bins
 * and the matched weighting at m. */
static int setup_windows(struct st_an_ctx *c, const struct st_an_config *cfg, char *err)
{
	double pre_s = cfg->ir_pre_s > 0 ? cfg->ir_pre_s : 0.005;
	double post_s = cfg->ir_post_s > 0 ? cfg->ir_post_s : 0.2;
	struct an_work *w;
	size_t wlen;

	if (isfinite(c->sweep_l) && pre_s > 0.4 * c->sweep_l * log(2.0))
		pre_s = 0.4 * c->sweep_l * log(2.0);
	c->pre = (size_t)llround(pre_s * c->rate);
	c->post = (size_t)llround(post_s * c->rate);
	if (c->pre < 4)
		c->pre = 4;
	if (c->post < 16)
		c->post = 16;
	c->guard = (size_t)llround(AN_GUARD_S * c->rate);
	wlen = c->pre + c->post;
	if (wlen * 3 > c->n)
		return st_fail(err, ST_ERR_ARG, "analysis: IR window %.3f s too long for the stimulus",
			       (double)wlen / c->rate);
	c->m = window_size(4 * wlen);
	c->dec = peak_decimation(c->n, c->pre);
	c->wgt_m = c->m ? malloc(sizeof(double) * (c->m / 2 + 1)) : NULL;
	if (!c->wgt_m || an_work_get(c, 0, &w))
		return st_fail(err, ST_ERR_MEM, "analysis: out of memory");
	c->dbwd = st_fft_plan_c2r_tuned((int)(c->n / c->dec), w->dspec, w->dbuf);
	w->wt_dirty = c->m;   /* planning may write the buffers */
	c->wfwd = st_fft_plan_r2c_tuned((int)c->m, w->wt, w->wf);
	c->wbwd = st_fft_plan_c2r_tuned((int)c->m, w->wf2, w->lt);
	if (!c->dbwd || !c->wfwd || !c->wbwd)
		return st_fail(err, ST_ERR_MEM, "analysis: FFTW plan of %zu points failed", c->m);
	harmonic_windows(c);
	c->hlen[0] = c->hlen[1] = wlen;
	if (tapers(c))
		return st_fail(err, ST_ERR_MEM, "analysis: out of memory");
	for (int k = 2; k <= ST_AN_MAX_HARMONIC; k++)
		if (c->hlen[k] && c->m % (size_t)k == 0 && c->hlen[k] <= c->m / (size_t)k)
			c->hfwd[k] = st_fft_plan_r2c_tuned((int)(c->m / (size_t)k), w->wt, w->wf2);
	band_tables(c);
	for (size_t k = 0; k <= c->m / 2; k++) {
		double x = (double)k * (double)c->n / (double)c->m, fr;
		size_t i = (size_t)x;

		fr = x - (double)i;
		c->wgt_m[k] = i + 1 <= c->n / 2 ? c->wgt[i] * (1 - fr) + c->wgt[i + 1] * fr : c->wgt[c->n / 2];
	}
	return ST_OK;
}

int st_an_ctx_create(struct st_an_ctx **out, const float *stim, size_t n,
		     const struct st_an_config *cfg, char *err)
{
	struct st_an_ctx *c;
	struct an_setup s = { 0 };
	size_t bins, first = 0, last = 0;
	double *cum = NULL;
	int ret;

	*out = NULL;
	ret = check_stimulus(stim, n, cfg, &first, &last, err);
	if (ret)
		return ret;
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
	ret = setup_n(c, err);
	if (!ret)
		ret = setup_spectra(c, &s, stim, n, err);
	if (ret)
		goto out_free;
	bins = c->n / 2 + 1;
	cum = malloc(sizeof(double) * (bins + 1));
	if (!cum) {
		ret = st_fail(err, ST_ERR_MEM, "analysis: out of memory");
		goto out_free;
	}
	cum[0] = 0;
	for (size_t k = 0; k < bins; k++)
		cum[k + 1] = cum[k] + an_cabs2(s.x[k]);
	ret = find_band(c, cfg, &s, first, cum, err);
	if (!ret && make_inverse(c, &s, cum))
		ret = st_fail(err, ST_ERR_MEM, "analysis: out of memory");
	free(cum);
	cum = NULL;
	setup_free(&s);
	if (!ret)
		ret = setup_plans(c, err);
	if (!ret)
		ret = setup_windows(c, cfg, err);
	if (ret)
		goto out_free;
	*out = c;
	return ST_OK;
out_free:
	free(cum);
	setup_free(&s);
	st_an_ctx_free(c);
	return ret;
}

double st_an_ctx_f1(const struct st_an_ctx *c) { return c->f1; }
double st_an_ctx_f2(const struct st_an_ctx *c) { return c->f2; }
double st_an_ctx_sweep_l(const struct st_an_ctx *c) { return c->sweep_l; }
size_t st_an_ctx_stimulus_frames(const struct st_an_ctx *c) { return c->stim_len; }

size_t st_an_ctx_tail(const struct st_an_ctx *c)
{
	return (size_t)llround(AN_LATENCY_ALLOW_S * c->rate) + c->post + c->guard +
	       (c->pre + c->post) + (c->stim_len - (size_t)llround(c->t_end * c->rate));
}
