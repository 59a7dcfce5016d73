/*
 * response.c - one capture channel's response through a context (ctx.h):
 * deconvolution, the matched-filter peak (latency), the 1/3-octave
 * response of the windowed IR, its noise floor and SNR, harmonic
 * distortion, H at 1 kHz; the same for every channel of an interleaved
 * capture on several threads (st_an_responses); the validity check and
 * ANC attenuation.
 *
 * Per channel: one n-point r2c of the capture, the multiply by the
 * inverse, one n-point c2r (the IR), these three in single precision
 * (ctx.h), and for the peak search one
 * (n/dec)-point c2r of the matched-weighted spectrum aliased to every
 * dec-th sample (exact samples of the weighted IR, not an approximation);
 * the peak is then found at full rate within pre/2 of the coarse one, and
 * interpolated, on the weighted IR near it, computed from the linear
 * window's spectrum (m points).  Harmonic k's bins k j are bins j of an
 * m/k-point FFT.  An interleaved capture's channels are split to planar
 * first (st_an_responses), so that each is read in a row.
 */
#include "analysis/analysis.h"
#include "analysis/ctx.h"
#include "analysis/internal.h"
#include "core/st.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Copy the circular IR in tbuf from signed index start, hlen[h] samples,
 * tapered (rise over the first pre/2, fall over the last 10 %), into wt
 * (zero-padded to size) and transform with plan (an r2c of that size)
 * into dst. */
static void window_fft(const struct st_an_ctx *c, struct an_work *w, long start, int h,
		       size_t size, fftw_plan plan, fftw_complex *dst)
{
	long nn = (long)c->n;
	size_t len = c->hlen[h], idx = (size_t)((start % nn + nn) % nn);
	size_t rise = c->pre / 2 < len ? c->pre / 2 : len, fall = len / 10, k = 0;

	for (; k < rise; k++) {
		w->wt[k] = w->tbuf[idx] * c->rise[k];
		if (++idx == c->n)
			idx = 0;
	}
	for (; k < len - fall; k++) {
		w->wt[k] = w->tbuf[idx];
		if (++idx == c->n)
			idx = 0;
	}
	for (; k < len; k++) {
		w->wt[k] = w->tbuf[idx] * c->fall[h][k - (len - fall)];
		if (++idx == c->n)
			idx = 0;
	}
	if (w->wt_dirty > len)
		memset(w->wt + len, 0, sizeof(double) * ((w->wt_dirty < size ? w->wt_dirty : size) - len));
	w->wt_dirty = w->wt_dirty > size ? w->wt_dirty : len;
	fftw_execute_dft_r2c(plan, w->wt, dst);
}

static double band_mean(const fftw_complex *s, size_t k0, size_t k1)
{
	double sum = 0;

	for (size_t k = k0; k <= k1; k++)
		sum += an_cabs2(s[k]);
	return sum / (double)(k1 - k0 + 1);
}

/* The bits of the smallest float whose value is >= 0.999: a sample is
 * clipped when its magnitude's bits are at least these (the bits of
 * non-negative floats order as their values). */
static uint32_t clip_bits(void)
{
	float t = 0.999f;
	uint32_t b;

	while ((double)t < 0.999)
		t = nextafterf(t, 2.0f);
	while ((double)nextafterf(t, 0.0f) >= 0.999)
		t = nextafterf(t, 0.0f);
	memcpy(&b, &t, sizeof(b));
	return b;
}

/* Capture into tbuf (zero-padded), clipped samples counted; a sample that
 * is not a finite number is refused.  Both tests read the sample's bits
 * (integer counts, no chain of floating-point adds from sample to
 * sample): exponent all ones is an infinity or a NAN. */
static int gather(const struct st_an_ctx *c, struct an_work *w, const float *x, size_t n,
		  size_t stride, struct st_an_response *out, char *err)
{
	uint32_t lim = clip_bits(), bad = 0;
	size_t clipped = 0;
	float *restrict t = w->tbuf;

	if (!x || n == 0 || stride == 0)
		return an_check_samples(x, n, stride, "capture", err);
	if (n > c->max_capture)
		return st_fail(err, ST_ERR_ARG, "capture: %zu frames is longer than the %zu the analysis was set up for",
			       n, c->max_capture);
	for (size_t i = 0; i < n; i++) {
		float v = x[i * stride];
		uint32_t a;

		memcpy(&a, &v, sizeof(a));
		a &= 0x7fffffffu;
		bad |= a >= 0x7f800000u;
		clipped += a >= lim;
		t[i] = v;
	}
	if (bad)
		return an_check_samples(x, n, stride, "capture", err);
	out->clipped = clipped;
	memset(w->tbuf + n, 0, sizeof(float) * (c->n - n));
	return ST_OK;
}

/* Bins k0 <= k < k1: fbuf[k] *= inv[k] (Y Xinv), and the product
 * weighted by the matched weighting added to d, d + 2, ... (dir 1) or
 * conjugated to d, d - 2, ... (dir -1). */
static void mul_span(const struct st_an_ctx *c, struct an_work *w, size_t k0, size_t k1,
		     double *d, int dir)
{
	const float *restrict inv = (const float *)c->inv, *restrict wgt = c->wgt;
	float *restrict fb = (float *)w->fbuf;
	double *restrict dd = d;
	ptrdiff_t step = 2 * dir;
	float sg = (float)dir;

	for (size_t k = k0; k < k1; k++, dd += step) {
		float yr = fb[2 * k], yi = fb[2 * k + 1], xr = inv[2 * k], xi = inv[2 * k + 1];
		float a = yr * xr - yi * xi, b = yr * xi + yi * xr, g = wgt[k];

		fb[2 * k] = a;
		fb[2 * k + 1] = b;
		dd[0] += a * g;
		dd[1] += b * g * sg;
	}
}

/* Y Xinv into fbuf and the matched-weighted spectrum B = Y Xinv wgt
 * aliased to nd = n/dec bins into dspec (so its c2r gives the weighted IR
 * at every dec-th sample, exactly): dspec[q] is the sum of the full
 * spectrum's bins j = q (mod nd), B[j] for j <= n/2 and conj(B[n - j])
 * above.  One pass over the bins in order: bin k lands on q = k mod nd
 * when that is <= nd/2, and its conjugate twin n - k on nd - (k mod nd)
 * when that is; the twins landing on q = 0 (and on nd/2 when nd is even)
 * are added after the pass, from the bins' products kept in fbuf. */
static void multiply(const struct st_an_ctx *c, struct an_work *w)
{
	size_t nd = c->n / c->dec, h = nd / 2, half = c->n / 2;

	memset(w->dspec, 0, sizeof(fftw_complex) * (h + 1));
	for (size_t k0 = 0; k0 <= half; k0 += nd) {
		size_t e1 = k0 + h + 1 < half + 1 ? k0 + h + 1 : half + 1;
		size_t e2 = k0 + nd < half + 1 ? k0 + nd : half + 1;

		mul_span(c, w, k0, e1, w->dspec[0], 1);
		if (k0 + h + 1 < e2)
			mul_span(c, w, k0 + h + 1, e2, w->dspec[nd - h - 1], -1);
	}
	/* The twins n - k of bins 0 < k < n/2 on q = 0 and q = nd/2. */
	for (size_t k = nd; k < half; k += nd) {
		w->dspec[0][0] += w->fbuf[k][0] * c->wgt[k];
		w->dspec[0][1] -= w->fbuf[k][1] * c->wgt[k];
	}
	for (size_t k = h; k < half && nd % 2 == 0; k += nd) {
		w->dspec[h][0] += w->fbuf[k][0] * c->wgt[k];
		w->dspec[h][1] -= w->fbuf[k][1] * c->wgt[k];
	}
}

/* Deconvolve the capture in tbuf: the IR into tbuf, the weighted IR at
 * every dec-th sample into dbuf. */
static void deconvolve(const struct st_an_ctx *c, struct an_work *w)
{
	fftwf_execute_dft_r2c(c->fwd, w->tbuf, w->fbuf);
	multiply(c, w);
	fftw_execute_dft_c2r(c->dbwd, w->dspec, w->dbuf);
	fftwf_execute_dft_c2r(c->bwd, w->fbuf, w->tbuf);
}

/* Largest |weighted IR| at every dec-th sample from -pre to the end of
 * the capture (n frames): the signed sample index. */
static long coarse_peak(const struct st_an_ctx *c, const struct an_work *w, size_t n)
{
	size_t nd = c->n / c->dec, best = 0;
	size_t lo = c->pre < c->n ? (c->n - c->pre + c->dec - 1) / c->dec : 0;
	size_t hi = n < c->n ? (n + c->dec - 1) / c->dec : nd;
	double bestv = -1;

	for (size_t j = lo; j < nd; j++) {
		if (fabs(w->dbuf[j]) > bestv) {
			bestv = fabs(w->dbuf[j]);
			best = j;
		}
	}
	for (size_t j = 0; j < hi && j < nd; j++) {
		if (fabs(w->dbuf[j]) > bestv) {
			bestv = fabs(w->dbuf[j]);
			best = j;
		}
	}
	best *= c->dec;
	return best > c->n / 2 ? (long)best - (long)c->n : (long)best;
}

/* The peak to the sample and its parabolic interpolation, on the weighted
 * IR within range samples of p0: the linear window at p0 (spectrum in wf)
 * weighted and transformed back (m points) into lt.  Returns the refined
 * peak. */
static long refine_peak(const struct st_an_ctx *c, struct an_work *w, long p0, size_t range,
			double *delta)
{
	size_t mb = c->m / 2 + 1, r = range < c->pre ? range : c->pre - 1, best = c->pre;
	double bestv = -1, y0, y1, y2, d, s;

	for (size_t k = 0; k < mb; k++) {
		w->wf2[k][0] = w->wf[k][0] * c->wgt_m[k];
		w->wf2[k][1] = w->wf[k][1] * c->wgt_m[k];
	}
	fftw_execute_dft_c2r(c->wbwd, w->wf2, w->lt);
	for (size_t i = c->pre - r; i <= c->pre + r; i++) {
		if (fabs(w->lt[i]) > bestv) {
			bestv = fabs(w->lt[i]);
			best = i;
		}
	}
	y1 = w->lt[best];
	s = y1 < 0 ? -1 : 1;
	y0 = w->lt[best - 1] * s;
	y2 = w->lt[best + 1] * s;
	d = y0 - 2 * fabs(y1) + y2;
	*delta = 0;
	if (d < 0)
		*delta = 0.5 * (y0 - y2) / d;
	if (fabs(*delta) > 0.5)
		*delta = 0;
	return p0 + (long)best - (long)c->pre;
}

/* H at exactly 1 kHz of the linear window in wt, which starts at sample
 * start: sum wt[k] e^{-i w (k + start)} by a rotation recurrence,
 * resynchronised every 1024 samples. */
static void h_1k(const struct st_an_ctx *c, const struct an_work *w, long start,
		 struct st_an_response *out)
{
	double wr = 2 * M_PI * 1000.0 / c->rate, re = 0, im = 0, cr = 1, ci = 0;
	double sr = cos(wr), si = sin(wr);
	size_t len = c->pre + c->post;

	for (size_t k = 0; k < len; k++) {
		double t;

		if ((k & 1023) == 0) {
			double ph = wr * (double)((long)k + start);

			cr = cos(ph);
			ci = sin(ph);
		}
		re += w->wt[k] * cr;
		im -= w->wt[k] * ci;
		t = cr * sr - ci * si;
		ci = ci * sr + cr * si;
		cr = t;
	}
	if (1000.0 >= c->f1 && 1000.0 <= c->f2) {
		out->h1k_re = re;
		out->h1k_im = im;
	}
}

/* Noise window after the IR (as late as the capture of n frames allows);
 * valid for a band when every frequency in it had capture noise behind
 * it for the whole window. */
static void noise_floor(const struct st_an_ctx *c, struct an_work *w, long p, size_t n,
			struct st_an_response *out)
{
	size_t wlen = c->pre + c->post;
	long ns = p + (long)(c->post + c->guard);
	long late = (long)n - (long)llround(c->t_end * c->rate) - (long)wlen - 1;
	double tend, cap_s = (double)n / c->rate;

	if (late > ns)
		ns = late;
	tend = (double)(ns + (long)wlen) / c->rate;
	window_fft(c, w, ns, 0, c->m, c->wfwd, w->wf2);
	for (int b = 0; b < ST_AN_NBANDS; b++) {
		if (!isfinite(out->band_db[b]) || !c->band_ok[b])
			continue;
		if (ns < 0 || tend + c->band_tx[b] > cap_s + 1e-9)
			continue;
		out->noise_db[b] = an_db10(band_mean(w->wf2, c->band_k0[b], c->band_k1[b]));
		out->snr_db[b] = out->band_db[b] - out->noise_db[b];
	}
}

/* THD per band from the harmonic IRs k = 2..5, L ln k before the linear
 * one (whose spectrum is in wf). */
static void distortion(const struct st_an_ctx *c, struct an_work *w, long p,
		       struct st_an_response *out)
{
	double num[ST_AN_NBANDS] = { 0 };
	int nh[ST_AN_NBANDS] = { 0 };

	for (int k = 2; k <= ST_AN_MAX_HARMONIC && isfinite(c->sweep_l); k++) {
		long hk = p - (long)llround(c->sweep_l * log((double)k) * c->rate);
		size_t step = c->hfwd[k] ? 1 : (size_t)k;

		if (!c->hlen[k])
			continue;
		if (c->hfwd[k])
			window_fft(c, w, hk - (long)c->pre, k, c->m / (size_t)k, c->hfwd[k], w->wf2);
		else
			window_fft(c, w, hk - (long)c->pre, k, c->m, c->wfwd, w->wf2);
		for (int b = 0; b < ST_AN_NBANDS; b++) {
			size_t k0 = c->band_k0[b], k1 = c->band_k1[b];
			double sum = 0;

			if (!c->band_ok[b] || (double)k * st_an_band_hi(b) > c->f2 ||
			    (size_t)k * k1 > c->m / 2)
				continue;
			for (size_t j = k0; j <= k1; j++)
				sum += an_cabs2(w->wf2[step * j]);
			num[b] += sum / (double)(k1 - k0 + 1);
			nh[b]++;
		}
	}
	for (int b = 0; b < ST_AN_NBANDS; b++) {
		double den;

		if (!nh[b] || !c->band_ok[b])
			continue;
		den = band_mean(w->wf, c->band_k0[b], c->band_k1[b]);
		if (den > 0)
			out->thd_pct[b] = 100.0 * sqrt(num[b] / den);
	}
}

void st_an_response_free(struct st_an_response *r)
{
	if (!r)
		return;
	free(r->ir);
	free(r->spec);
	r->ir = NULL;
	r->spec = NULL;
	r->ir_len = 0;
	r->spec_bins = 0;
}

static void response_clear(const struct st_an_ctx *c, struct st_an_response *out)
{
	memset(out, 0, sizeof(*out));
	for (int b = 0; b < ST_AN_NBANDS; b++)
		out->band_db[b] = out->noise_db[b] = out->snr_db[b] = out->thd_pct[b] = NAN;
	out->latency_ms = out->peak = out->h1k_re = out->h1k_im = NAN;
	out->rate = c ? c->rate : 0;
}

/* st_an_response with workspace w. */
static int response_work(const struct st_an_ctx *c, struct an_work *w, const float *x, size_t n,
			 size_t stride, struct st_an_response *out, char *err)
{
	size_t wlen = c->pre + c->post;
	double delta;
	long p0, p;
	int ret;

	response_clear(c, out);
	ret = gather(c, w, x, n, stride, out, err);
	if (ret)
		return ret;
	deconvolve(c, w);
	/* The linear window starts pre before the coarse peak (the peak may
	 * be up to 2 dec from it: the window's flat part covers both). */
	p0 = coarse_peak(c, w, n);
	window_fft(c, w, p0 - (long)c->pre, 0, c->m, c->wfwd, w->wf);
	/* The peak at full rate within pre/2 of the coarse one: a narrow
	 * peak that the every-dec-th samples undersold (a broad lobe beside
	 * it then wins the coarse search) is still found.  When it is more
	 * than 2 dec away, the window moves to it. */
	p = refine_peak(c, w, p0, c->pre / 2, &delta);
	if (labs(p - p0) > 2 * (long)c->dec) {
		p0 = p;
		window_fft(c, w, p0 - (long)c->pre, 0, c->m, c->wfwd, w->wf);
		p = refine_peak(c, w, p0, c->dec, &delta);
	}
	out->latency_ms = ((double)p + delta) / c->rate * 1e3;
	out->peak = w->tbuf[(size_t)((p + (long)c->n) % (long)c->n)];
	out->ir = malloc(sizeof(float) * wlen);
	out->spec = malloc(sizeof(float) * 2 * (c->m / 2 + 1));
	if (!out->ir || !out->spec) {
		st_an_response_free(out);
		return st_fail(err, ST_ERR_MEM, "analysis: out of memory");
	}
	out->ir_len = wlen;
	out->spec_bins = c->m / 2 + 1;
	for (size_t k = 0; k < out->spec_bins; k++) {
		out->spec[2 * k] = (float)w->wf[k][0];
		out->spec[2 * k + 1] = (float)w->wf[k][1];
	}
	out->ir_zero = (long)c->pre - p0;
	for (size_t k = 0; k < wlen; k++)
		out->ir[k] = (float)w->wt[k];
	h_1k(c, w, p0 - (long)c->pre, out);
	for (int b = 0; b < ST_AN_NBANDS; b++)
		if (c->band_ok[b])
			out->band_db[b] = an_db10(band_mean(w->wf, c->band_k0[b], c->band_k1[b]));
	noise_floor(c, w, p, n, out);
	distortion(c, w, p, out);
	return ST_OK;
}

int st_an_response(struct st_an_ctx *c, const float *x, size_t n, size_t stride,
		   struct st_an_response *out, char *err)
{
	struct an_work *w;

	response_clear(c, out);
	if (!c)
		return st_fail(err, ST_ERR_ARG, "analysis: no context");
	if (an_work_get(c, 0, &w))
		return st_fail(err, ST_ERR_MEM, "analysis: out of memory");
	return response_work(c, w, x, n, stride, out, err);
}

/* Channel i of st_an_responses (an_parallel's item). */
struct resp_args {
	const float *const *x;
	size_t n, stride;
	struct st_an_response *out;
	const float *planar[AN_MAX_CHANNELS]; /* the channels once split */
};

static int resp_item(const struct st_an_ctx *c, struct an_work *w, size_t i, void *arg, char *err)
{
	struct resp_args *a = arg;

	return response_work(c, w, a->x[i], a->n, a->stride, &a->out[i], err);
}

/* Frames i * SPLIT_FRAMES .. of an interleaved capture into planar
 * channels (an_parallel's item). */
#define SPLIT_FRAMES 4096
struct split_args {
	const float *x;       /* frame f, channel ch at x[f * stride + ch] */
	size_t n, stride, nch;
	float *dst;           /* channel ch at dst + ch * n */
};

static int split_item(const struct st_an_ctx *c, struct an_work *w, size_t i, void *arg, char *err)
{
	struct split_args *a = arg;
	size_t f0 = i * SPLIT_FRAMES, f1 = f0 + SPLIT_FRAMES < a->n ? f0 + SPLIT_FRAMES : a->n;

	(void)c;
	(void)w;
	(void)err;
	for (size_t ch = 0; ch < a->nch; ch++) {
		const float *src = a->x + ch;
		float *d = a->dst + ch * a->n;

		for (size_t f = f0; f < f1; f++)
			d[f] = src[f * a->stride];
	}
	return ST_OK;
}

/* When x[i] are the channels of one interleaved buffer (x[i] = x[0] + i),
 * split them into the context's planar buffer on the threads first: each
 * channel's deconvolution then reads its own samples in a row, not the
 * whole capture with a stride (which, channel after channel, is most of
 * the memory traffic).  Otherwise the channels are read where they are. */
static void split_channels(struct st_an_ctx *c, struct resp_args *a, size_t nch, int threads)
{
	struct split_args s = { .x = a->x[0], .n = a->n, .stride = a->stride, .nch = nch };
	char err[ST_ERRLEN];

	if (nch < 2 || !a->x[0] || a->n == 0 || a->stride < nch || a->n > c->max_capture)
		return;
	for (size_t i = 1; i < nch; i++)
		if (!a->x[i] || a->x[i] != a->x[0] + i)
			return;
	if (!c->planar || c->planar_ch < nch) {
		free(c->planar);
		c->planar_ch = 0;
		c->planar = malloc(sizeof(float) * nch * c->max_capture);
		if (!c->planar)
			return;       /* read in place instead */
		c->planar_ch = nch;
	}
	s.dst = c->planar;
	if (an_parallel(c, (a->n + SPLIT_FRAMES - 1) / SPLIT_FRAMES, threads, split_item, &s, err))
		return;
	for (size_t i = 0; i < nch; i++)
		a->planar[i] = c->planar + i * a->n;
	a->x = a->planar;
	a->stride = 1;
}

int st_an_responses(struct st_an_ctx *c, const float *const *x, size_t n, size_t stride,
		    size_t nch, struct st_an_response *out, int threads, char *err)
{
	struct resp_args args = { .x = x, .n = n, .stride = stride, .out = out };
	int ret;

	for (size_t ch = 0; ch < nch; ch++)
		response_clear(c, &out[ch]);
	if (!c || nch == 0 || !x)
		return st_fail(err, ST_ERR_ARG, "analysis: %s", c ? "no channels" : "no context");
	if (nch <= AN_MAX_CHANNELS)
		split_channels(c, &args, nch, threads);
	ret = an_parallel(c, nch, threads, resp_item, &args, err);
	if (ret)
		for (size_t ch = 0; ch < nch; ch++)
			st_an_response_free(&out[ch]);
	return ret;
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

