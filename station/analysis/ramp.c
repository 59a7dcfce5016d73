/*
 * ramp.c - ANC ramp-up: the short-time band level of a long capture of
 * steady noise at the ear while ANC engages, as attenuation versus time,
 * and the time it takes to settle within a tolerance of its final value;
 * and the time to full attenuation (seed 001: "22-38 seconds to full
 * attenuation") judged against a separately measured settled attenuation
 * and extrapolated along the ramp, so a 22.5 s ramp reads 22.5 s (not the
 * 21.4 s where it came within 1 dB) and a 120 s ramp reads 120 s even from
 * a 90 s capture (not the 37.5 s where that capture's own end was).
 */
#include "analysis/analysis.h"
#include "analysis/fft.h"
#include "analysis/internal.h"
#include "core/st.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void st_an_ramp_free(struct st_an_ramp *r)
{
	if (!r)
		return;
	free(r->t_s);
	free(r->atten_db);
	r->t_s = r->atten_db = NULL;
	r->nframes = 0;
}

/* Power in bins k0..k1 of the Hann frame at sample `at`, as a mean
 * square re a full-scale sine (linear). */
static double frame_level(const float *x, size_t stride, size_t at, size_t frame, size_t fft,
			  double *buf, fftw_complex *spec, fftw_plan plan, const double *win,
			  double wsum2, size_t k0, size_t k1)
{
	double sum = 0;

	for (size_t i = 0; i < fft; i++)
		buf[i] = i < frame ? (double)x[(at + i) * stride] * win[i] : 0.0;
	fftw_execute_dft_r2c(plan, buf, spec);
	for (size_t k = k0; k <= k1; k++)
		sum += spec[k][0] * spec[k][0] + spec[k][1] * spec[k][1];
	/* one-sided: mean square = 2 sum |X|^2 / (fft * sum w^2); times 2
	 * for dB re a full-scale sine */
	return 2.0 * (2.0 * sum / ((double)fft * wsum2));
}

/* Interpolated time after t0 where att first reaches level, NAN never. */
static double first_reach(const double *tt, const double *att, size_t nfr, double t0, double level)
{
	for (size_t f = 1; f < nfr; f++) {
		if (tt[f] < t0 || att[f] < level)
			continue;
		if (att[f - 1] >= level || tt[f - 1] < t0)
			return tt[f];
		return tt[f - 1] + (level - att[f - 1]) / (att[f] - att[f - 1]) * (tt[f] - tt[f - 1]);
	}
	return NAN;
}

/* Engage -> full attenuation `full` along the ramp's line (see
 * st_an_ramp.ramp_full_s). */
static double ramp_full(const double *tt, const double *att, size_t nfr, double t_engage,
			double full)
{
	double top = -INFINITY, hi, t_lo, t_hi;

	if (!(full > 0))
		return NAN;
	for (size_t f = 0; f < nfr; f++)
		if (tt[f] >= t_engage && att[f] > top)
			top = att[f];
	hi = fmin(0.9, top / full);
	if (!(hi >= 0.3))
		return NAN;
	t_lo = first_reach(tt, att, nfr, t_engage, 0.1 * full);
	t_hi = first_reach(tt, att, nfr, t_engage, hi * full);
	if (isnan(t_lo) || isnan(t_hi))
		return NAN;
	if (!(t_hi > t_lo))
		return fmax(0, t_hi - t_engage);   /* faster than the frames resolve */
	return t_lo + (t_hi - t_lo) * 0.9 / (hi - 0.1) - t_engage;
}

/* The ramp's settings with defaults, and its frame sizes. */
struct ramp_cfg {
	double f_lo, f_hi;     /* band, Hz */
	double smooth_s;       /* moving average, s */
	double tol;            /* dB (> 0) or minus a fraction */
	double final_s;        /* settled part at the end, s */
	double t_last;         /* centre of the last frame, s */
	size_t frame, fft, hop, nfr; /* frame, its FFT size, hop, frames */
	size_t k0, k1;         /* band bins */
};

static int ramp_setup(size_t n, double rate, const struct st_an_ramp_params *p,
		      struct ramp_cfg *r, char *err)
{
	double frame_s = p->frame_s > 0 ? p->frame_s : 0.25;

	r->f_lo = p->f_lo > 0 ? p->f_lo : 100.0;
	r->f_hi = p->f_hi > 0 ? p->f_hi : 1000.0;
	r->smooth_s = p->smooth_s > 0 ? p->smooth_s : 1.0;
	r->tol = p->tol_db != 0 ? p->tol_db : 1.0;
	r->final_s = p->final_s > 0 ? p->final_s : 3.0;
	if (!(r->f_hi > r->f_lo) || r->f_hi > rate / 2)
		return st_fail(err, ST_ERR_ARG, "ramp: bad band %g..%g Hz", r->f_lo, r->f_hi);
	if (r->tol < 0 && !(r->tol >= -1.0))
		return st_fail(err, ST_ERR_ARG, "ramp: fraction %g outside 0..1", -r->tol);
	r->frame = (size_t)llround(frame_s * rate);
	if (r->frame < 32)
		r->frame = 32;
	r->fft = an_pow2_at_least(r->frame);
	r->hop = r->frame / 2;
	if (n < 2 * r->frame)
		return st_fail(err, ST_ERR_ARG, "ramp: capture of %.2f s is too short for %.2f s frames",
			       (double)n / rate, frame_s);
	if (!an_band_bins(r->f_lo, r->f_hi, r->fft, rate, &r->k0, &r->k1))
		return st_fail(err, ST_ERR_ARG, "ramp: band %g..%g Hz narrower than one bin", r->f_lo, r->f_hi);
	r->nfr = 1 + (n - r->frame) / r->hop;
	r->t_last = (double)((r->nfr - 1) * r->hop + r->frame / 2) / rate;
	if (!(p->t_engage_s >= (double)r->frame / rate) || p->t_engage_s + r->final_s > r->t_last)
		return st_fail(err, ST_ERR_ARG,
			       "ramp: ANC engages at %.2f s; need a frame before it and %.1f s of settled capture after it (capture %.2f s)",
			       p->t_engage_s, r->final_s, (double)n / rate);
	return ST_OK;
}

/* Centred moving average of lev (half frames either side) into att. */
static void smooth(const double *lev, double *att, size_t nfr, size_t half)
{
	for (size_t f = 0; f < nfr; f++) {
		size_t a = f > half ? f - half : 0, b = f + half < nfr ? f + half : nfr - 1;
		double s = 0;

		for (size_t i = a; i <= b; i++)
			s += lev[i];
		att[f] = s / (double)(b - a + 1);
	}
}

/* Engage -> the curve stays at or above target, interpolated between
 * frames; 0 if it never falls below, NAN if it never settles. */
static double settle_time(const double *tt, const double *att, size_t nfr, double t_engage,
			  double target)
{
	size_t last_below = nfr, f;
	double d, frac;

	for (f = 0; f < nfr; f++)
		if (tt[f] >= t_engage && att[f] < target)
			last_below = f;
	if (last_below == nfr)
		return 0;
	if (last_below + 1 >= nfr)
		return NAN;
	f = last_below;
	d = att[f + 1] - att[f];
	frac = d > 0 ? (target - att[f]) / d : 1;
	return tt[f] + frac * (tt[f + 1] - tt[f]) - t_engage;
}

int st_an_ramp(const float *x, size_t n, size_t stride, double rate,
	       const struct st_an_ramp_params *p, struct st_an_ramp *out, char *err)
{
	double *buf = NULL, *win = NULL, *lev = NULL, *att = NULL, *tt = NULL;
	double bsum = 0, fsum = 0, wsum2 = 0;
	struct ramp_cfg r;
	fftw_complex *spec = NULL;
	fftw_plan plan = NULL;
	size_t nb = 0, nf = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	out->base_db = out->final_db = out->full_db = out->ramp_s = out->ramp_full_s = NAN;
	if (!p)
		return st_fail(err, ST_ERR_ARG, "ramp: no parameters");
	if (!(rate >= 1000 && rate <= 768000))
		return st_fail(err, ST_ERR_ARG, "ramp: sample rate %g Hz outside 1000..768000", rate);
	ret = an_check_samples(x, n, stride, "ramp capture", err);
	if (!ret)
		ret = ramp_setup(n, rate, p, &r, err);
	if (ret)
		return ret;
	buf = fftw_malloc(sizeof(double) * r.fft);
	spec = fftw_malloc(sizeof(fftw_complex) * (r.fft / 2 + 1));
	win = malloc(sizeof(double) * r.frame);
	lev = malloc(sizeof(double) * r.nfr);
	att = malloc(sizeof(double) * r.nfr);
	tt = malloc(sizeof(double) * r.nfr);
	plan = buf && spec ? st_fft_plan_r2c((int)r.fft, buf, spec) : NULL;
	if (!win || !lev || !att || !tt || !plan) {
		ret = st_fail(err, ST_ERR_MEM, "ramp: out of memory");
		goto out_free;
	}
	for (size_t i = 0; i < r.frame; i++) {
		win[i] = 0.5 - 0.5 * cos(2 * M_PI * ((double)i + 0.5) / (double)r.frame);
		wsum2 += win[i] * win[i];
	}
	for (size_t f = 0; f < r.nfr; f++) {
		lev[f] = frame_level(x, stride, f * r.hop, r.frame, r.fft, buf, spec, plan, win, wsum2,
				     r.k0, r.k1);
		tt[f] = (double)(f * r.hop + r.frame / 2) / rate;
		if ((double)(f * r.hop + r.frame) / rate <= p->t_engage_s) {
			bsum += lev[f];
			nb++;
		}
		if (tt[f] >= r.t_last - r.final_s) {
			fsum += lev[f];
			nf++;
		}
	}
	if (!nb || !nf) {
		ret = st_fail(err, ST_ERR_ARG, "ramp: no frame before ANC engaged or none at the end");
		goto out_free;
	}
	out->base_db = an_db10(bsum / (double)nb);
	out->final_db = an_db10(fsum / (double)nf);
	out->full_db = out->base_db - out->final_db;
	for (size_t f = 0; f < r.nfr; f++)
		lev[f] = out->base_db - an_db10(lev[f]);
	smooth(lev, att, r.nfr, (size_t)(r.smooth_s * rate / (double)r.hop / 2));
	out->ramp_s = settle_time(tt, att, r.nfr, p->t_engage_s,
				  r.tol > 0 ? out->full_db - r.tol : -r.tol * out->full_db);
	out->settled_db = p->settled_db > 0 ? p->settled_db : out->full_db;
	if (p->ref && p->nref >= 2 * r.frame) {
		double rsum = 0;
		size_t nrf = 1 + (p->nref - r.frame) / r.hop;

		for (size_t f = 0; f < nrf; f++)
			rsum += frame_level(p->ref, stride, f * r.hop, r.frame, r.fft, buf, spec, plan, win,
					    wsum2, r.k0, r.k1);
		out->settled_db = out->base_db - an_db10(rsum / (double)nrf);
	}
	out->ramp_full_s = ramp_full(tt, att, r.nfr, p->t_engage_s, out->settled_db);
	out->nframes = r.nfr;
	out->t_s = tt;
	out->atten_db = att;
	tt = att = NULL;
	ret = ST_OK;
out_free:
	st_fft_destroy(plan);
	fftw_free(buf);
	fftw_free(spec);
	free(win);
	free(lev);
	free(att);
	free(tt);
	return ret;
}
