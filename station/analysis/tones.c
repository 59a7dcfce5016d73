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
 * on these onsets.  Voice prompts get the same back-extrapolation on their
 * 1 ms RMS envelope.  (Goertzel blocks alone are biased by several ms.)
 */
#include "analysis/analysis.h"
#include "analysis/fft.h"
#include "analysis/internal.h"
#include "core/st.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
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

/* Frequency of the strongest peak of x[a..b) near hz (Hann, zero-padded
 * FFT, parabolic on log magnitude). */
static double fine_freq(const float *x, size_t stride, size_t a, size_t b, double rate, double hz)
{
	size_t len = b - a, m = an_pow2_at_least(4 * len), k0, k1, kp = 0;
	double *buf = fftw_malloc(sizeof(double) * m), best = -1, res = hz;
	fftw_complex *sp = fftw_malloc(sizeof(fftw_complex) * (m / 2 + 1));
	fftw_plan p = NULL;

	if (!buf || !sp || len < 8)
		goto out_free;
	p = st_fft_plan_r2c((int)m, buf, sp);
	if (!p)
		goto out_free;
	for (size_t i = 0; i < m; i++)
		buf[i] = i < len ? x[(a + i) * stride] * (0.5 - 0.5 * cos(2 * M_PI * ((double)i + 0.5) / (double)len)) : 0;
	fftw_execute(p);
	if (!an_band_bins(hz * 0.9, hz * 1.1 + 2 * rate / (double)len, m, rate, &k0, &k1))
		goto out_free;
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
out_free:
	st_fft_destroy(p);
	fftw_free(buf);
	fftw_free(sp);
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
static int refine_tone(const float *x, size_t n, size_t stride, double rate, size_t fsz,
		       size_t hop, const struct seg *s, double neighbour_hz,
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
	hz = fine_freq(x, stride, c0, c1, rate, s->hz);
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

int st_an_detect(const float *x, size_t n, size_t stride, double rate,
		 const struct st_an_detect_params *pp, struct st_an_events *out, char *err)
{
	struct st_an_detect_params p = { 0 };
	struct frame_info *fi = NULL;
	struct seg *segs = NULL, *bb = NULL;
	size_t fsz, hop, nfr, nseg = 0, nbb = 0, bins, ntone = 0;
	double *buf = NULL, *win = NULL, *lv = NULL, *cum2 = NULL, wsum2 = 0, df, thr_db;
	fftw_complex *sp = NULL;
	fftw_plan plan = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	out->noise_db = NAN;
	if (pp)
		p = *pp;
	if (p.min_snr_db <= 0)
		p.min_snr_db = 12;
	if (p.min_tone_s <= 0)
		p.min_tone_s = 0.03;
	if (p.chime_gap_s <= 0)
		p.chime_gap_s = 0.25;
	if (p.min_prompt_s <= 0)
		p.min_prompt_s = 0.2;
	if (p.prompt_gap_s <= 0)
		p.prompt_gap_s = 0.3;
	if (!(rate >= 1000 && rate <= 768000))
		return st_fail(err, ST_ERR_ARG, "tones: sample rate %g Hz outside 1000..768000", rate);
	ret = an_check_samples(x, n, stride, "tones capture", err);
	if (ret)
		return ret;
	fsz = an_pow2_at_least((size_t)(0.016 * rate));
	hop = fsz / 4;
	if (n < fsz)
		return st_fail(err, ST_ERR_ARG, "tones: capture of %zu frames is shorter than one %zu-sample frame",
			       n, fsz);
	nfr = 1 + (n - fsz) / hop;
	bins = fsz / 2 + 1;
	df = rate / (double)fsz;

	ret = ST_ERR_MEM;
	fi = calloc(nfr, sizeof(*fi));
	segs = calloc(nfr, sizeof(*segs));
	bb = calloc(nfr, sizeof(*bb));
	lv = malloc(sizeof(double) * nfr);
	cum2 = malloc(sizeof(double) * (n + 1));
	buf = fftw_malloc(sizeof(double) * fsz);
	sp = fftw_malloc(sizeof(fftw_complex) * bins);
	win = malloc(sizeof(double) * fsz);
	if (!fi || !segs || !bb || !lv || !cum2 || !buf || !sp || !win) {
		st_seterr(err, "tones: out of memory");
		goto out_free;
	}
	plan = st_fft_plan_r2c((int)fsz, buf, sp);
	if (!plan) {
		st_seterr(err, "tones: FFTW plan failed");
		goto out_free;
	}
	for (size_t i = 0; i < fsz; i++) {
		win[i] = 0.5 - 0.5 * cos(2 * M_PI * ((double)i + 0.5) / (double)fsz);
		wsum2 += win[i] * win[i];
	}
	cum2[0] = 0;
	for (size_t i = 0; i < n; i++)
		cum2[i + 1] = cum2[i] + (double)x[i * stride] * x[i * stride];

	/* Coarse pass. */
	for (size_t f = 0; f < nfr; f++) {
		double tot = 0, best = -1, near = 0, pw[3];
		size_t kp = 1;

		for (size_t i = 0; i < fsz; i++)
			buf[i] = x[(f * hop + i) * stride] * win[i];
		fftw_execute(plan);
		for (size_t k = 1; k < bins; k++) {
			double v = sp[k][0] * sp[k][0] + sp[k][1] * sp[k][1];

			tot += v;
			if (v > best) {
				best = v;
				kp = k;
			}
		}
		for (size_t k = kp >= 3 ? kp - 2 : 1; k <= kp + 2 && k < bins; k++)
			near += sp[k][0] * sp[k][0] + sp[k][1] * sp[k][1];
		for (int j = 0; j < 3; j++) {
			size_t k = kp + (size_t)j - 1;

			pw[j] = k >= 1 && k < bins ? an_db10(sp[k][0] * sp[k][0] + sp[k][1] * sp[k][1]) : an_db10(0);
		}
		fi[f].db = an_db10(4.0 * tot / ((double)fsz * wsum2));
		fi[f].tonal = tot > 0 ? near / tot : 0;
		{
			double d = pw[0] - 2 * pw[1] + pw[2], delta = d < 0 ? 0.5 * (pw[0] - pw[2]) / d : 0;

			if (fabs(delta) > 0.5)
				delta = 0;
			fi[f].hz = ((double)kp + delta) * df;
		}
		lv[f] = fi[f].db;
	}
	qsort(lv, nfr, sizeof(double), cmp_double);
	out->noise_db = lv[nfr / 10];
	thr_db = fmax(out->noise_db, -130.0) + p.min_snr_db;
	for (size_t f = 0; f < nfr; f++) {
		fi[f].active = fi[f].db >= thr_db;
		fi[f].is_tonal = fi[f].active && fi[f].tonal >= 0.7;
	}

	/* Tone candidates: runs of tonal frames at a steady frequency (one
	 * odd frame inside a run is forgiven). */
	for (size_t f = 0; f < nfr; f++) {
		struct seg *s;

		if (!fi[f].is_tonal)
			continue;
		s = nseg ? &segs[nseg - 1] : NULL;
		if (s && f <= s->f1 + 2 &&
		    fabs(fi[f].hz - fi[s->f1].hz) <= fmax(1.5 * df, 0.03 * fi[f].hz)) {
			s->f1 = f;
			continue;
		}
		segs[nseg].f0 = segs[nseg].f1 = f;
		nseg++;
	}
	for (size_t i = 0; i < nseg; i++) {
		size_t m = segs[i].f1 - segs[i].f0 + 1, k = 0;

		for (size_t f = segs[i].f0; f <= segs[i].f1; f++)
			if (fi[f].is_tonal)
				lv[k++] = fi[f].hz;
		qsort(lv, k, sizeof(double), cmp_double);
		segs[i].hz = lv[k / 2];
		(void)m;
	}

	/* A hard-edged tone splatters across the spectrum in the frames
	 * that straddle its start and end; their peak stays on the tone. */
	for (size_t i = 0; i < nseg; i++) {
		size_t reach = fsz / hop + 1;
		size_t a = segs[i].f0 > reach ? segs[i].f0 - reach : 0, b = segs[i].f1 + reach;

		for (size_t f = a; f <= b && f < nfr; f++)
			if (fi[f].active && !fi[f].is_tonal &&
			    fabs(fi[f].hz - segs[i].hz) <= fmax(2 * df, 0.05 * segs[i].hz))
				fi[f].edge = 1;
	}

	/* Broadband runs, bridged over pauses, become prompts. */
	for (size_t f = 0; f < nfr; f++) {
		double t = (double)(f * hop) / rate;

		if (!fi[f].active || fi[f].is_tonal || fi[f].edge)
			continue;
		if (nbb && t - (double)(bb[nbb - 1].f1 * hop) / rate <= p.prompt_gap_s) {
			bb[nbb - 1].f1 = f;
			bb[nbb - 1].nbb++;
			continue;
		}
		bb[nbb].f0 = bb[nbb].f1 = f;
		bb[nbb].nbb = 1;
		nbb++;
	}
	out->prompts = calloc(nbb ? nbb : 1, sizeof(*out->prompts));
	out->tones = calloc(nseg ? nseg : 1, sizeof(*out->tones));
	out->chimes = calloc(nseg ? nseg : 1, sizeof(*out->chimes));
	if (!out->prompts || !out->tones || !out->chimes) {
		st_seterr(err, "tones: out of memory");
		goto out_free;
	}
	{
		size_t w = (size_t)llround(0.001 * rate);
		double thr_ms = pow(10, thr_db / 10) / 2;

		if (w < 1)
			w = 1;
		for (size_t i = 0; i < nbb; i++) {
			size_t s0 = bb[i].f0 * hop, s1 = bb[i].f1 * hop + fsz;
			size_t on = power_cross(cum2, n, w, s0, thr_ms, 1);
			size_t off = power_cross(cum2, n, w, s1 < n ? s1 : n, thr_ms, 0);
			struct st_an_prompt *pr = &out->prompts[out->nprompts];
			double e;

			if (off <= on || (double)(off - on) / rate < p.min_prompt_s ||
			    (double)(bb[i].nbb * hop) / rate < 0.5 * p.min_prompt_s)
				continue;
			e = (cum2[off] - cum2[on]) / (double)(off - on);
			pr->onset_s = (double)on / rate;
			pr->duration_s = (double)(off - on) / rate;
			pr->level_db = an_db10(2 * e);
			out->nprompts++;
		}
	}

	/* Fine pass on the tones. */
	for (size_t i = 0; i < nseg; i++) {
		struct st_an_tone t;
		double nb_hz = 0;
		int inside = 0;

		if (i > 0 && segs[i].f0 <= segs[i - 1].f1 + 4)
			nb_hz = segs[i - 1].hz;
		if (i + 1 < nseg && segs[i + 1].f0 <= segs[i].f1 + 4)
			nb_hz = segs[i + 1].hz;
		if (refine_tone(x, n, stride, rate, fsz, hop, &segs[i], nb_hz, &t))
			continue;
		if (t.duration_s < p.min_tone_s)
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
	for (size_t i = 0; i < ntone; i++) {
		struct st_an_tone *t = &out->tones[i];
		struct st_an_chime *ch = out->nchimes ? &out->chimes[out->nchimes - 1] : NULL;

		if (ch && t->onset_s - (ch->onset_s + ch->duration_s) <= p.chime_gap_s) {
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
	ret = ST_OK;
out_free:
	if (ret)
		st_an_events_free(out);
	st_fft_destroy(plan);
	free(fi);
	free(segs);
	free(bb);
	free(lv);
	free(cum2);
	fftw_free(buf);
	fftw_free(sp);
	free(win);
	return ret;
}
