/*
 * tones.c - tones, chimes and voice prompts in a capture.
 *
 * Coarse pass: Hann frames of ~21 ms every ~5 ms give level, peak
 * frequency and tonality (share of the frame's energy within +-2 bins of
 * the peak).  Frames louder than the background (10th percentile of frame
 * levels) by min_snr_db are active; active tonal frames of steady
 * frequency form tone candidates, active broadband frames form voice
 * prompts (pauses shorter than prompt_gap_s bridged).
 *
 * Fine pass, per tone: frequency from a zero-padded FFT of the tone's span
 * (parabolic peak); the tone is demodulated at that frequency and averaged
 * over ~1 ms (a whole number of periods of the 2f image; longer when
 * another tone follows at a nearby frequency), giving a clean amplitude
 * envelope.  Onset and end are where a person would put them, at the
 * start of the attack and the end of the release: the straight line through
 * the envelope's 20 % and 80 % crossings of the tone's median amplitude is
 * extrapolated to zero.  An edge faster than the ~1 ms averaging window
 * cannot be resolved that way (the window's own slope would put it half a
 * window early), so there the half-amplitude crossing is used, which is
 * exact for a hard-started tone.  Half-amplitude crossings alone read a
 * 5 ms attack 2.5 ms late, and every latency the station judges is built
 * on these onsets.  Voice prompts are found where their 1 ms power first
 * stands min_snr_db - 3 dB over the noise, then put back to the start of
 * their attack along the amplitude's rise (attack_start).  Chimes start at
 * their first tone's onset.  (Goertzel blocks alone are biased by several ms.)
 */
#include "analysis/analysis.h"
#include "analysis/fft.h"
#include "analysis/internal.h"
#include "core/st.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>

#define ENV_HP_HZ 200.0   /* the prompt envelope's high-pass */
#include <string.h>

struct frame_info {
	double db;     /* frame level, dB re full-scale sine */
	double hz;     /* peak frequency */
	double tonal;  /* energy share within +-2 bins of the peak */
	int active;
	int is_tonal;
	int edge;      /* splatter at a tone's start or end, not speech */
};

struct seg {
	size_t f0, f1;   /* first and last frame */
	double hz;       /* median frame frequency */
	size_t nbb;      /* broadband frames in it (prompts) */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double an_cabs2_tones(const fftw_complex z)
{
	return z[0] * z[0] + z[1] * z[1];
}

static int cmp_tone(const void *a, const void *b)
{
	const struct st_an_tone *x = a, *y = b;

	return x->onset_s < y->onset_s ? -1 : x->onset_s > y->onset_s;
}

void st_an_events_free(struct st_an_events *ev)
{
	if (!ev)
		return;
	free(ev->tones);
	free(ev->chimes);
	free(ev->prompts);
	ev->tones = NULL;
	ev->chimes = NULL;
	ev->prompts = NULL;
	ev->ntones = ev->nchimes = ev->nprompts = 0;
}

double st_an_prompt_latency(const struct st_an_events *ev, double stimulus_s)
{
	if (!ev)
		return NAN;
	for (size_t i = 0; i < ev->nprompts; i++)
		if (ev->prompts[i].onset_s >= stimulus_s)
			return ev->prompts[i].onset_s - stimulus_s;
	return NAN;
}

/* The zero-padded FFTs of the fine pass, one plan per size for the whole
 * capture (tones of similar length share a size). */
#define FINE_SIZES 6
struct fine_plans {
	size_t m[FINE_SIZES];        /* size; 0 = free */
	double *buf[FINE_SIZES];     /* m reals */
	fftw_complex *sp[FINE_SIZES];/* m/2+1 bins */
	fftw_plan plan[FINE_SIZES];
};

static void fine_plans_free(struct fine_plans *fp)
{
	for (int i = 0; i < FINE_SIZES; i++) {
		st_fft_destroy(fp->plan[i]);
		fftw_free(fp->buf[i]);
		fftw_free(fp->sp[i]);
	}
	memset(fp, 0, sizeof(*fp));
}

/* Buffers and plan of size m (made on first use); 0, or -1. */
static int fine_plan(struct fine_plans *fp, size_t m, double **buf, fftw_complex **sp, fftw_plan *p)
{
	int i = 0;

	while (i < FINE_SIZES && fp->m[i] && fp->m[i] != m)
		i++;
	if (i == FINE_SIZES)
		return -1;
	if (!fp->m[i]) {
		fp->buf[i] = fftw_malloc(sizeof(double) * m);
		fp->sp[i] = fftw_malloc(sizeof(fftw_complex) * (m / 2 + 1));
		fp->plan[i] = fp->buf[i] && fp->sp[i] ? st_fft_plan_r2c((int)m, fp->buf[i], fp->sp[i]) : NULL;
		if (!fp->plan[i]) {
			st_fft_destroy(fp->plan[i]);
			fftw_free(fp->buf[i]);
			fftw_free(fp->sp[i]);
			fp->buf[i] = NULL;
			fp->sp[i] = NULL;
			fp->plan[i] = NULL;
			return -1;
		}
		fp->m[i] = m;
	}
	*buf = fp->buf[i];
	*sp = fp->sp[i];
	*p = fp->plan[i];
	return 0;
}

/* Frequency of the strongest peak of x[a..b) near hz (Hann, zero-padded
 * FFT, parabolic on log magnitude). */
static double fine_freq(struct fine_plans *fp, const float *x, size_t stride, size_t a, size_t b,
			double rate, double hz)
{
	size_t len = b - a, m = an_pow2_at_least(4 * len), k0, k1, kp = 0;
	double *buf, best = -1, res = hz;
	fftw_complex *sp;
	fftw_plan p;

	if (len < 8 || fine_plan(fp, m, &buf, &sp, &p))
		return res;
	for (size_t i = 0; i < m; i++)
		buf[i] = i < len ? x[(a + i) * stride] * (0.5 - 0.5 * cos(2 * M_PI * ((double)i + 0.5) / (double)len)) : 0;
	fftw_execute(p);
	if (!an_band_bins(hz * 0.9, hz * 1.1 + 2 * rate / (double)len, m, rate, &k0, &k1))
		return res;
	if (k0 < 2)
		k0 = 2;
	if (k1 + 1 > m / 2)
		k1 = m / 2 - 1;
	for (size_t k = k0; k <= k1; k++) {
		double v = sp[k][0] * sp[k][0] + sp[k][1] * sp[k][1];

		if (v > best) {
			best = v;
			kp = k;
		}
	}
	if (kp) {
		double y0 = an_db10(sp[kp - 1][0] * sp[kp - 1][0] + sp[kp - 1][1] * sp[kp - 1][1]);
		double y1 = an_db10(best);
		double y2 = an_db10(sp[kp + 1][0] * sp[kp + 1][0] + sp[kp + 1][1] * sp[kp + 1][1]);
		double d = y0 - 2 * y1 + y2, delta = d < 0 ? 0.5 * (y0 - y2) / d : 0;

		res = ((double)kp + delta) * rate / (double)m;
	}
	return res;
}

/* Interpolated index where env crosses thr walking from `from` in
 * direction dir (-1 back, +1 forward); NAN if it never does. */
static double env_cross(const double *env, size_t len, size_t from, double thr, int dir)
{
	size_t i = from;

	if (dir < 0) {
		while (i > 0 && env[i] >= thr)
			i--;
		if (env[i] >= thr)
			return NAN;
		return (double)i + (thr - env[i]) / (env[i + 1] - env[i]);
	}
	while (i + 1 < len && env[i] >= thr)
		i++;
	if (env[i] >= thr || i == 0)
		return NAN;
	return (double)(i - 1) + (env[i - 1] - thr) / (env[i - 1] - env[i]);
}

/* One edge of a tone (dir -1: attack, +1: release) in envelope-index
 * units: back-extrapolated to zero through the 20 % and 80 % crossings when
 * the edge is slower than the averaging window w, else the half-amplitude
 * crossing.  NAN if the envelope never falls below half. */
static double edge_at(const double *env, size_t len, size_t mid, double amp, size_t w, int dir)
{
	double half = env_cross(env, len, mid, 0.5 * amp, dir);
	double e80 = env_cross(env, len, mid, 0.8 * amp, dir);
	double e20, rise;

	if (isnan(half) || isnan(e80))
		return half;
	e20 = env_cross(env, len, (size_t)fmax(0, fmin((double)len - 1, round(e80))), 0.2 * amp, dir);
	if (isnan(e20))
		return half;
	rise = fabs(e80 - e20) / 0.6;        /* zero-to-full, envelope samples */
	if (rise <= 1.25 * (double)w)
		return half;                     /* faster than the window: exact at half */
	/* the window widens a slow edge by w/2 at each end of the line and
	 * centres it: extrapolating the line to zero lands on the true start */
	return e20 + (double)dir * 0.2 * rise;
}

/* Refine one tone candidate into *t; 0 on success, -1 if it does not hold
 * up (too short, no clear envelope). */
static int refine_tone(struct fine_plans *fp, const float *x, size_t n, size_t stride, double rate,
		       size_t fsz, size_t hop, const struct seg *s, double neighbour_hz,
		       struct st_an_tone *t)
{
	size_t c0 = s->f0 * hop + fsz / 2, c1 = s->f1 * hop + fsz / 2;
	size_t a = c0 > fsz ? c0 - fsz : 0, b = c1 + fsz < n ? c1 + fsz : n, len, w, mid;
	size_t ia, ib, cnt = 0;
	double hz, per2, amp, thr, *env = NULL, *tmp = NULL, on, off;
	double complex *cum = NULL;
	int ret = -1;

	if (c1 > n)
		c1 = n;
	if (c1 <= c0 + 4)
		c1 = c0 + 4 < n ? c0 + 4 : n;
	hz = fine_freq(fp, x, stride, c0, c1, rate, s->hz);
	if (!(hz > 0) || hz >= rate / 2)
		return -1;
	per2 = rate / (2 * hz);
	w = (size_t)llround(per2 * fmax(1.0, round(0.001 * rate / per2)));
	if (neighbour_hz > 0 && fabs(neighbour_hz - hz) > 1) {
		double wn = rate / fabs(neighbour_hz - hz);

		if (wn > (double)w && wn < 0.01 * rate)
			w = (size_t)llround(wn);
	}
	if (w < 2)
		w = 2;
	len = b - a;
	if (len < 2 * w + 4)
		return -1;
	cum = malloc(sizeof(double complex) * (len + 1));
	env = malloc(sizeof(double) * len);
	tmp = malloc(sizeof(double) * len);
	if (!cum || !env || !tmp)
		goto out_free;
	cum[0] = 0;
	for (size_t i = 0; i < len; i++) {
		double ph = 2 * M_PI * hz * (double)(a + i) / rate;

		cum[i + 1] = cum[i] + x[(a + i) * stride] * cexp(-I * ph);
	}
	/* env[i] = |mean of z[i .. i + w)|, centred at sample a + i + (w-1)/2 */
	for (size_t i = 0; i + w <= len; i++)
		env[i] = 2.0 * cabs(cum[i + w] - cum[i]) / (double)w;
	len = len - w + 1;
	/* Median amplitude over the middle half of the candidate. */
	ia = c0 > a + w / 2 ? c0 - a - w / 2 : 0;
	ib = c1 > a + w / 2 ? c1 - a - w / 2 : 0;
	if (ib >= len)
		ib = len - 1;
	if (ib <= ia)
		goto out_free;
	{
		size_t q = (ib - ia) / 4;

		for (size_t i = ia + q; i <= ib - q; i++)
			tmp[cnt++] = env[i];
	}
	if (!cnt)
		goto out_free;
	qsort(tmp, cnt, sizeof(double), cmp_double);
	amp = tmp[cnt / 2];
	if (!(amp > 0))
		goto out_free;
	thr = 0.5 * amp;
	mid = (ia + ib) / 2;
	if (env[mid] < thr) {
		/* Start from the loudest point instead. */
		for (size_t i = ia; i <= ib; i++)
			if (env[i] > env[mid])
				mid = i;
	}
	on = edge_at(env, len, mid, amp, w, -1);
	off = edge_at(env, len, mid, amp, w, +1);
	if (isnan(on) || isnan(off))
		goto out_free;  /* starts before, or runs past, the capture */
	/* Envelope index -> sample time: centre (w-1)/2, plus half a sample
	 * so that a tone whose first sample is n0 reads onset n0. */
	t->onset_s = ((double)a + on + (double)(w - 1) / 2 + 0.5) / rate;
	t->duration_s = (off - on) / rate;
	t->hz = hz;
	t->level_db = 20 * log10(amp);
	t->chime = -1;
	ret = 0;
out_free:
	free(cum);
	free(env);
	free(tmp);
	return ret;
}

/* 1 ms mean-square envelope threshold crossing: first sample at or after
 * `from` (forward) or last before `from` (backward) whose 1 ms power
 * reaches thr; returns a sample index. */
static size_t power_cross(const double *cum2, size_t n, size_t w, size_t from, double thr, int forward)
{
	if (forward) {
		for (size_t i = from; i + w <= n; i++)
			if ((cum2[i + w] - cum2[i]) / (double)w >= thr)
				return i + w / 2;
		return from;
	}
	for (size_t i = from < n - w ? from : n - w; i > 0; i--)
		if ((cum2[i + w] - cum2[i]) / (double)w >= thr)
			return i + w / 2;
	return from;
}

/* Start of the attack of a sound whose 1 ms power (window w, per-sample
 * power from cum2) first reaches thr at window centre `on`: the signal's
 * amplitude (noise power pn taken off) is s1 there; where it reaches 2 s1
 * (within 100 ms) the straight line through the two is put back to zero -
 * exact for a linear attack, and only a few ms late on a syllable's rise,
 * where the threshold crossing alone read a 20 ms attack 5 ms late at 38 dB
 * SNR and 25 ms late at 18 dB.  Never before `lo`, never after `on`. */
static size_t attack_start(const double *cum2, size_t n, size_t w, size_t on, double thr,
			   double pn, size_t lo, double rate)
{
	double s1 = sqrt(fmax(thr - pn, 0.0));
	size_t lim = on + (size_t)(0.1 * rate), from = on > w / 2 ? on - w / 2 : 0;

	for (size_t i = from; i + w <= n && i < lim; i++) {
		double p = (cum2[i + w] - cum2[i]) / (double)w;

		if (sqrt(fmax(p - pn, 0.0)) >= 2 * s1) {
			size_t d = i + w / 2 > on ? i + w / 2 - on : 0;

			return on > lo + d ? on - d : lo;
		}
	}
	return on;
}

/* What st_an_detect works on. */
struct det {
	const float *x;               /* capture, x[i * stride], i < n */
	size_t n, stride;
	double rate;
	struct st_an_detect_params p; /* with defaults filled in */
	size_t fsz, hop, nfr, bins;   /* coarse frames: size, hop, count, bins */
	double df, wsum2, thr_db;     /* bin width, sum win^2, active threshold */
	struct frame_info *fi;        /* nfr coarse frames */
	struct seg *segs, *bb;        /* tone runs, broadband runs */
	size_t nseg, nbb;
	double *buf, *win, *lv;       /* frame, window, scratch (nfr) */
	double *cum2;                 /* n+1: running sum of x^2 */
	fftw_complex *sp;             /* frame spectrum */
	fftw_plan plan;               /* fsz-point r2c */
	struct fine_plans fine;       /* the fine pass's FFTs */
};

static void det_free(struct det *d)
{
	st_fft_destroy(d->plan);
	fine_plans_free(&d->fine);
	free(d->fi);
	free(d->segs);
	free(d->bb);
	free(d->lv);
	free(d->cum2);
	fftw_free(d->buf);
	fftw_free(d->sp);
	free(d->win);
}


/* cum2: running sum of the squared capture high-passed at ENV_HP_HZ
 * (second-order Butterworth).  A quiet room's rumble is pink: its power in
 * 1 ms windows wanders several dB above the frames' noise level for tens
 * of ms at a time, and crossed the prompt threshold early (10 ms, then put
 * back another 10 ms by attack_start) in a quarter of the simulated bench's
 * voice-assistant captures.  Voice and chimes lie above it. */
static void envelope_sums(struct det *d)
{
	double w0 = 2 * M_PI * ENV_HP_HZ / d->rate, al = sin(w0) / (2 * M_SQRT1_2), a0 = 1 + al;
	double b0 = (1 + cos(w0)) / 2 / a0, b1 = -(1 + cos(w0)) / a0, b2 = b0;
	double a1 = -2 * cos(w0) / a0, a2 = (1 - al) / a0, z1 = 0, z2 = 0;

	d->cum2[0] = 0;
	for (size_t i = 0; i < d->n; i++) {
		double x = d->x[i * d->stride], y = b0 * x + z1;

		z1 = b1 * x - a1 * y + z2;
		z2 = b2 * x - a2 * y;
		d->cum2[i + 1] = d->cum2[i] + y * y;
	}
}

/* Parameters, sizes, buffers, plan, window and running power. */
static int det_setup(struct det *d, const struct st_an_detect_params *pp, char *err)
{
	int ret;

	if (pp)
		d->p = *pp;
	if (d->p.min_snr_db <= 0)
		d->p.min_snr_db = 12;
	if (d->p.min_tone_s <= 0)
		d->p.min_tone_s = 0.03;
	if (d->p.chime_gap_s <= 0)
		d->p.chime_gap_s = 0.25;
	if (d->p.min_prompt_s <= 0)
		d->p.min_prompt_s = 0.2;
	if (d->p.prompt_gap_s <= 0)
		d->p.prompt_gap_s = 0.3;
	if (!(d->rate >= 1000 && d->rate <= 768000))
		return st_fail(err, ST_ERR_ARG, "tones: sample rate %g Hz outside 1000..768000", d->rate);
	ret = an_check_samples(d->x, d->n, d->stride, "tones capture", err);
	if (ret)
		return ret;
	d->fsz = an_pow2_at_least((size_t)(0.016 * d->rate));
	d->hop = d->fsz / 4;
	if (d->n < d->fsz)
		return st_fail(err, ST_ERR_ARG, "tones: capture of %zu frames is shorter than one %zu-sample frame",
			       d->n, d->fsz);
	d->nfr = 1 + (d->n - d->fsz) / d->hop;
	d->bins = d->fsz / 2 + 1;
	d->df = d->rate / (double)d->fsz;
	d->fi = calloc(d->nfr, sizeof(*d->fi));
	d->segs = calloc(d->nfr, sizeof(*d->segs));
	d->bb = calloc(d->nfr, sizeof(*d->bb));
	d->lv = malloc(sizeof(double) * d->nfr);
	d->cum2 = malloc(sizeof(double) * (d->n + 1));
	d->buf = fftw_malloc(sizeof(double) * d->fsz);
	d->sp = fftw_malloc(sizeof(fftw_complex) * d->bins);
	d->win = malloc(sizeof(double) * d->fsz);
	if (!d->fi || !d->segs || !d->bb || !d->lv || !d->cum2 || !d->buf || !d->sp || !d->win)
		return st_fail(err, ST_ERR_MEM, "tones: out of memory");
	d->plan = st_fft_plan_r2c((int)d->fsz, d->buf, d->sp);
	if (!d->plan)
		return st_fail(err, ST_ERR_MEM, "tones: FFTW plan failed");
	for (size_t i = 0; i < d->fsz; i++) {
		d->win[i] = 0.5 - 0.5 * cos(2 * M_PI * ((double)i + 0.5) / (double)d->fsz);
		d->wsum2 += d->win[i] * d->win[i];
	}
	envelope_sums(d);
	return ST_OK;
}

/* Coarse pass: level, peak frequency and tonality of every frame; the
 * background (10th percentile) and which frames are active, tonal. */
static void coarse_frames(struct det *d, struct st_an_events *out)
{
	for (size_t f = 0; f < d->nfr; f++) {
		double tot = 0, best = -1, near = 0, pw[3], dd, delta;
		size_t kp = 1;

		for (size_t i = 0; i < d->fsz; i++)
			d->buf[i] = d->x[(f * d->hop + i) * d->stride] * d->win[i];
		fftw_execute(d->plan);
		for (size_t k = 1; k < d->bins; k++) {
			double v = an_cabs2_tones(d->sp[k]);

			tot += v;
			if (v > best) {
				best = v;
				kp = k;
			}
		}
		for (size_t k = kp >= 3 ? kp - 2 : 1; k <= kp + 2 && k < d->bins; k++)
			near += an_cabs2_tones(d->sp[k]);
		for (int j = 0; j < 3; j++) {
			size_t k = kp + (size_t)j - 1;

			pw[j] = k >= 1 && k < d->bins ? an_db10(an_cabs2_tones(d->sp[k])) : an_db10(0);
		}
		d->fi[f].db = an_db10(4.0 * tot / ((double)d->fsz * d->wsum2));
		d->fi[f].tonal = tot > 0 ? near / tot : 0;
		dd = pw[0] - 2 * pw[1] + pw[2];
		delta = dd < 0 ? 0.5 * (pw[0] - pw[2]) / dd : 0;
		if (fabs(delta) > 0.5)
			delta = 0;
		d->fi[f].hz = ((double)kp + delta) * d->df;
		d->lv[f] = d->fi[f].db;
	}
	qsort(d->lv, d->nfr, sizeof(double), cmp_double);
	out->noise_db = d->lv[d->nfr / 10];
	d->thr_db = fmax(out->noise_db, -130.0) + d->p.min_snr_db;
	for (size_t f = 0; f < d->nfr; f++) {
		d->fi[f].active = d->fi[f].db >= d->thr_db;
		d->fi[f].is_tonal = d->fi[f].active && d->fi[f].tonal >= 0.7;
	}
}

/* Tone candidates: runs of tonal frames at a steady frequency (one odd
 * frame inside a run is forgiven), each with its median frequency; the
 * splatter frames at their hard edges marked. */
static void tone_runs(struct det *d)
{
	for (size_t f = 0; f < d->nfr; f++) {
		struct seg *s = d->nseg ? &d->segs[d->nseg - 1] : NULL;

		if (!d->fi[f].is_tonal)
			continue;
		if (s && f <= s->f1 + 2 &&
		    fabs(d->fi[f].hz - d->fi[s->f1].hz) <= fmax(1.5 * d->df, 0.03 * d->fi[f].hz)) {
			s->f1 = f;
			continue;
		}
		d->segs[d->nseg].f0 = d->segs[d->nseg].f1 = f;
		d->nseg++;
	}
	for (size_t i = 0; i < d->nseg; i++) {
		size_t k = 0;

		for (size_t f = d->segs[i].f0; f <= d->segs[i].f1; f++)
			if (d->fi[f].is_tonal)
				d->lv[k++] = d->fi[f].hz;
		qsort(d->lv, k, sizeof(double), cmp_double);
		d->segs[i].hz = d->lv[k / 2];
	}
	/* A hard-edged tone splatters across the spectrum in the frames
	 * that straddle its start and end; their peak stays on the tone. */
	for (size_t i = 0; i < d->nseg; i++) {
		size_t reach = d->fsz / d->hop + 1;
		size_t a = d->segs[i].f0 > reach ? d->segs[i].f0 - reach : 0, b = d->segs[i].f1 + reach;

		for (size_t f = a; f <= b && f < d->nfr; f++)
			if (d->fi[f].active && !d->fi[f].is_tonal &&
			    fabs(d->fi[f].hz - d->segs[i].hz) <= fmax(2 * d->df, 0.05 * d->segs[i].hz))
				d->fi[f].edge = 1;
	}
}

/* Broadband runs, bridged over pauses, become prompts (out->prompts
 * allocated by the caller for nbb). */
static void broadband_runs(struct det *d)
{
	for (size_t f = 0; f < d->nfr; f++) {
		double t = (double)(f * d->hop) / d->rate;

		if (!d->fi[f].active || d->fi[f].is_tonal || d->fi[f].edge)
			continue;
		if (d->nbb && t - (double)(d->bb[d->nbb - 1].f1 * d->hop) / d->rate <= d->p.prompt_gap_s) {
			d->bb[d->nbb - 1].f1 = f;
			d->bb[d->nbb - 1].nbb++;
			continue;
		}
		d->bb[d->nbb].f0 = d->bb[d->nbb].f1 = f;
		d->bb[d->nbb].nbb = 1;
		d->nbb++;
	}
}

static void find_prompts(const struct det *d, struct st_an_events *out)
{
	size_t w = (size_t)llround(0.001 * d->rate);
	double thr_ms = pow(10, d->thr_db / 10) / 2;
	double pn_ms = thr_ms / pow(10, d->p.min_snr_db / 10);  /* the noise's */

	if (w < 1)
		w = 1;
	for (size_t i = 0; i < d->nbb; i++) {
		size_t s0 = d->bb[i].f0 * d->hop, s1 = d->bb[i].f1 * d->hop + d->fsz;
		size_t on = power_cross(d->cum2, d->n, w, s0, thr_ms, 1);
		size_t off = power_cross(d->cum2, d->n, w, s1 < d->n ? s1 : d->n, thr_ms, 0);
		size_t lo = s0 > d->fsz ? s0 - d->fsz : 0;
		struct st_an_prompt *pr = &out->prompts[out->nprompts];
		double e;

		if (off <= on || (double)(off - on) / d->rate < d->p.min_prompt_s ||
		    (double)(d->bb[i].nbb * d->hop) / d->rate < 0.5 * d->p.min_prompt_s)
			continue;
		e = (d->cum2[off] - d->cum2[on]) / (double)(off - on);
		if (out->nprompts) {  /* not into the previous prompt */
			const struct st_an_prompt *q = &out->prompts[out->nprompts - 1];
			size_t end = (size_t)((q->onset_s + q->duration_s) * d->rate);

			if (end > lo)
				lo = end;
		}
		on = attack_start(d->cum2, d->n, w, on, thr_ms, pn_ms, lo, d->rate);
		pr->onset_s = (double)on / d->rate;
		pr->duration_s = (double)(off - on) / d->rate;
		pr->level_db = an_db10(2 * e);
		out->nprompts++;
	}
}

/* Fine pass on the tone runs; tones inside a prompt and doubles dropped. */
static void fine_tones(struct det *d, struct st_an_events *out)
{
	size_t ntone = 0;

	for (size_t i = 0; i < d->nseg; i++) {
		struct st_an_tone t;
		double nb_hz = 0;
		int inside = 0;

		if (i > 0 && d->segs[i].f0 <= d->segs[i - 1].f1 + 4)
			nb_hz = d->segs[i - 1].hz;
		if (i + 1 < d->nseg && d->segs[i + 1].f0 <= d->segs[i].f1 + 4)
			nb_hz = d->segs[i + 1].hz;
		if (refine_tone(&d->fine, d->x, d->n, d->stride, d->rate, d->fsz, d->hop, &d->segs[i],
				nb_hz, &t))
			continue;
		if (t.duration_s < d->p.min_tone_s)
			continue;
		for (size_t j = 0; j < out->nprompts; j++) {
			double c = t.onset_s + t.duration_s / 2;

			if (c >= out->prompts[j].onset_s && c <= out->prompts[j].onset_s + out->prompts[j].duration_s)
				inside = 1;
		}
		if (inside)
			continue;
		/* The same tone found twice (a run broken by a bad frame). */
		if (ntone && fabs(out->tones[ntone - 1].hz - t.hz) < 0.03 * t.hz &&
		    fabs(out->tones[ntone - 1].onset_s - t.onset_s) < 0.002)
			continue;
		out->tones[ntone++] = t;
	}
	qsort(out->tones, ntone, sizeof(*out->tones), cmp_tone);
	out->ntones = ntone;
}

/* Tones whose gap to the previous one is within chime_gap_s form a chime. */
static void group_chimes(const struct det *d, struct st_an_events *out)
{
	for (size_t i = 0; i < out->ntones; i++) {
		struct st_an_tone *t = &out->tones[i];
		struct st_an_chime *ch = out->nchimes ? &out->chimes[out->nchimes - 1] : NULL;

		if (ch && t->onset_s - (ch->onset_s + ch->duration_s) <= d->p.chime_gap_s) {
			ch->ntones++;
			if (t->onset_s + t->duration_s - ch->onset_s > ch->duration_s)
				ch->duration_s = t->onset_s + t->duration_s - ch->onset_s;
		} else {
			ch = &out->chimes[out->nchimes++];
			ch->onset_s = t->onset_s;
			ch->duration_s = t->duration_s;
			ch->first = (int)i;
			ch->ntones = 1;
		}
		t->chime = (int)(out->nchimes - 1);
	}
}

int st_an_detect(const float *x, size_t n, size_t stride, double rate,
		 const struct st_an_detect_params *pp, struct st_an_events *out, char *err)
{
	struct det d;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(&d, 0, sizeof(d));
	out->noise_db = NAN;
	d.x = x;
	d.n = n;
	d.stride = stride;
	d.rate = rate;
	ret = det_setup(&d, pp, err);
	if (ret)
		goto out_free;
	coarse_frames(&d, out);
	tone_runs(&d);
	broadband_runs(&d);
	out->prompts = calloc(d.nbb ? d.nbb : 1, sizeof(*out->prompts));
	out->tones = calloc(d.nseg ? d.nseg : 1, sizeof(*out->tones));
	out->chimes = calloc(d.nseg ? d.nseg : 1, sizeof(*out->chimes));
	if (!out->prompts || !out->tones || !out->chimes) {
		ret = st_fail(err, ST_ERR_MEM, "tones: out of memory");
		goto out_free;
	}
	find_prompts(&d, out);
	fine_tones(&d, out);
	group_chimes(&d, out);
out_free:
	if (ret)
		st_an_events_free(out);
	det_free(&d);
	return ret;
}
